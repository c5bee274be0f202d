"""Editing people, levels and rules: bad input beside the field, nothing saved; roles enforced."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.auth.models import User
from django.test import Client

from readiness.models import EscalationLevel, Leave, OwnershipRule, Person, WorkingHours
from tests import factories

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _week(**overrides: tuple[str, str]) -> dict[str, str]:
    data = {"hours-TOTAL_FORMS": "7", "hours-INITIAL_FORMS": "7", "hours-MIN_NUM_FORMS": "7",
            "hours-MAX_NUM_FORMS": "7"}
    for day in range(7):
        start, end = overrides.get(f"d{day}", ("09:00", "17:00") if day < 5 else ("", ""))
        data |= {f"hours-{day}-weekday": str(day), f"hours-{day}-starts_at": start, f"hours-{day}-ends_at": end}
    return data


def _person_post(**fields: str) -> dict[str, str]:
    return {"name": "Nadia Park", "email": "nadia@example.com", "phone": "+61 3 9000 1111", "chat_handle": "",
            "timezone": "Australia/Melbourne", **fields}


@pytest.fixture
def app(lead) -> object:
    application = factories.ApplicationFactory(slug="portal", delivery_lead=lead)
    return application


def test_lead_creates_a_person_with_a_week_of_hours(lead) -> None:
    response = _client(lead).post("/people/new/", _person_post(timezone="Asia/Manila") | _week(d5=("10:00", "14:00")))

    person = Person.objects.get(email="nadia@example.com")
    assert response.status_code == 302
    assert person.timezone == "Asia/Manila"
    assert sorted(person.working_hours.values_list("weekday", flat=True)) == [0, 1, 2, 3, 4, 5]


def test_unknown_timezone_is_refused_beside_the_field(lead) -> None:
    response = _client(lead).post("/people/new/", _person_post(timezone="Australia/Springfield") | _week())

    assert response.status_code == 200
    assert "timezone" in response.context["form"].errors
    assert "is not a known IANA timezone" in response.context["form"].errors["timezone"][0]
    assert "is not a known IANA timezone" in response.content.decode()
    assert not Person.objects.exists() and not WorkingHours.objects.exists()


def test_a_window_ending_when_it_starts_is_refused_beside_the_day(lead) -> None:
    person = factories.PersonFactory(email="nadia@example.com")
    before = list(person.working_hours.values_list("weekday", "starts_at", "ends_at"))

    response = _client(lead).post(
        f"/people/{person.pk}/edit/", _person_post(name="Renamed") | _week(d2=("09:00", "09:00"))
    )

    assert response.status_code == 200
    assert response.context["week"].forms[2].errors == {
        "ends_at": ["A window must end at another time than it starts "
                    "(an end before the start runs past midnight, e.g. 22:00–06:00)."]
    }
    person.refresh_from_db()
    assert person.name != "Renamed"  # nothing half-saved: not the person either
    assert list(person.working_hours.values_list("weekday", "starts_at", "ends_at")) == before


def test_leave_ending_before_it_starts_is_refused_beside_the_field(lead) -> None:
    person = factories.PersonFactory()

    response = _client(lead).post(f"/people/{person.pk}/leave/", {"starts_on": "2025-06-10", "ends_on": "2025-06-09"})

    assert response.status_code == 200
    assert response.context["form"].errors == {"ends_on": ["Leave cannot end before it starts."]}
    assert not Leave.objects.exists()


def test_leave_is_recorded(lead) -> None:
    person = factories.PersonFactory()

    _client(lead).post(f"/people/{person.pk}/leave/", {"starts_on": "2025-06-10", "ends_on": "2025-06-12",
                                                        "note": "Conference"})

    assert list(person.leaves.values_list("starts_on", "ends_on")) == [(date(2025, 6, 10), date(2025, 6, 12))]


def _level_post(**fields: object) -> dict[str, object]:
    return {"position": 1, "name": "Service desk", "responsibility": "Answers first.", "coverage": "business_hours",
            "coverage_timezone": "Australia/Melbourne", "duties": ["first_response"], "response_target_minutes": 15,
            **fields}


def test_level_without_a_primary_is_refused_beside_the_field(lead, app) -> None:
    response = _client(lead).post("/apps/portal/path/levels/new/", _level_post())

    assert response.status_code == 200
    assert response.context["form"].errors["primary"] == ["Name the primary: the person this level calls first."]
    assert "Name the primary" in response.content.decode()
    assert not EscalationLevel.objects.exists()


def test_level_with_after_hours_coverage_needs_the_cover_named(lead, app) -> None:
    primary = factories.PersonFactory()

    response = _client(lead).post("/apps/portal/path/levels/new/", _level_post(primary=primary.pk,
                                                                                 coverage="after_hours"))

    message = "Name who carries the pager after hours, or choose business hours only."
    assert response.context["form"].errors["after_hours_cover"] == [message]
    assert message in response.content.decode()
    assert not EscalationLevel.objects.exists()


def test_level_promising_extended_hours_keeps_its_hours_and_refuses_them_backwards(lead, app) -> None:
    primary = factories.PersonFactory()

    refused = _client(lead).post("/apps/portal/path/levels/new/", _level_post(
        primary=primary.pk, coverage="extended", promised_from="22:00", promised_until="07:00"))
    saved = _client(lead).post("/apps/portal/path/levels/new/", _level_post(
        primary=primary.pk, coverage="extended", promised_from="07:00", promised_until="22:00"))

    message = "The promised hours must end after they start (23:59 for midnight)."
    assert refused.context["form"].errors["promised_until"] == [message]
    assert message in refused.content.decode()
    assert saved.status_code == 302
    level = EscalationLevel.objects.get()
    assert (level.coverage, f"{level.promised_from:%H:%M}", f"{level.promised_until:%H:%M}") == (
        "extended", "07:00", "22:00")
    page = _client(lead).get("/apps/portal/path/").content.decode()
    assert "Extended hours (every day). Promises every day 07:00–22:00 (Australia/Melbourne)" in page


def test_level_cannot_name_someone_who_left(lead, app) -> None:
    gone = factories.PersonFactory(left_on=date(2020, 1, 1))
    here = factories.PersonFactory()

    response = _client(lead).post("/apps/portal/path/levels/new/", _level_post(primary=gone.pk))

    assert response.status_code == 200
    # A leaver is not among the people the field offers, so naming one anyway is refused there.
    assert response.context["form"].errors["primary"] == [
        "Select a valid choice. That choice is not one of the available choices."]
    page = response.content.decode()
    assert f'<option value="{gone.pk}"' not in page and f'<option value="{here.pk}"' in page
    assert not EscalationLevel.objects.exists()


def test_lead_creates_a_level(lead, app) -> None:
    primary, backup = factories.PersonFactory(), factories.PersonFactory()

    response = _client(lead).post("/apps/portal/path/levels/new/", _level_post(primary=primary.pk, backup=backup.pk))

    assert response.status_code == 302
    level = EscalationLevel.objects.get()
    assert (level.primary, level.backup, level.duties) == (primary, backup, ["first_response"])


def test_rule_is_edited_by_a_member(lead, app) -> None:
    level = factories.EscalationLevelFactory(application=app, position=1)
    rule = factories.OwnershipRuleFactory(application=app, name="Login")

    _client(lead).post(f"/apps/portal/rules/{rule.pk}/edit/", {
        "name": "Login", "example_symptoms": "password reset\naccount locked", "owner_role": "support",
        "level": level.pk, "first_response_role": "support"})

    rule.refresh_from_db()
    assert rule.symptom_list == ["password reset", "account locked"]
    assert rule.level == level


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/apps/portal/path/levels/new/"),
        ("post", "/apps/portal/path/levels/new/"),
        ("get", "/apps/portal/path/levels/{level}/edit/"),
        ("post", "/apps/portal/path/levels/{level}/edit/"),
        ("get", "/apps/portal/rules/new/"),
        ("post", "/apps/portal/rules/{rule}/edit/"),
        ("get", "/people/new/"),
        ("post", "/people/{person}/edit/"),
        ("post", "/people/{person}/leave/"),
        ("post", "/people/{person}/left/"),
        ("post", "/teams/new/"),
    ],
)
def test_support_analyst_cannot_edit_paths_or_people(analyst, app, method, url) -> None:
    app.members.add(analyst)  # even as a member of the application
    level = factories.EscalationLevelFactory(application=app, position=1)
    rule = factories.OwnershipRuleFactory(application=app)
    person = level.primary
    before = (EscalationLevel.objects.count(), OwnershipRule.objects.count(), Person.objects.count())

    response = getattr(_client(analyst), method)(url.format(level=level.pk, rule=rule.pk, person=person.pk),
                                                 {"name": "x", "left_on": "2025-01-01"})

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.left_on is None
    assert (EscalationLevel.objects.count(), OwnershipRule.objects.count(), Person.objects.count()) == before


def test_a_lead_outside_the_application_cannot_edit_its_path(app) -> None:
    outsider = factories.delivery_lead(username="other-lead")
    primary = factories.PersonFactory()
    client = _client(outsider)

    assert client.get("/apps/portal/path/levels/new/").status_code == 403
    refused = client.post("/apps/portal/path/levels/new/", _level_post(primary=primary.pk))
    assert refused.status_code == 403
    assert not EscalationLevel.objects.exists()
    # Nor does the path page offer them the button.
    assert "/apps/portal/path/levels/new/" not in client.get("/apps/portal/path/").content.decode()


def test_support_analyst_reads_the_path_rules_and_people(analyst, app) -> None:
    level = factories.EscalationLevelFactory(application=app, position=1, name="Service desk",
                                             primary=factories.PersonFactory(name="Nadia Park"))
    factories.OwnershipRuleFactory(application=app, name="Wrong or missing data", level=level)
    client = _client(analyst)

    # What each page is for, as the analyst reads it: the level and its primary, the rule, the people.
    shown = {"/apps/portal/path/": ["Service desk", "Nadia Park"],
             "/apps/portal/rules/": ["Wrong or missing data"],
             "/apps/portal/sheet/": ["Service desk", "Nadia Park", "Wrong or missing data"],
             "/people/": ["Nadia Park"],
             "/call/": ["Who do I call?"]}
    for url, texts in shown.items():
        page = client.get(url).content.decode()
        assert all(text in page for text in texts), url
        assert "Edit L1" not in page and f"/apps/portal/path/levels/{level.pk}/edit/" not in page, url
