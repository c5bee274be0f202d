"""Must-show 3 and 4: the demo's coverage gap and how it clears; a leaver and what named them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from readiness.demo import seed
from readiness.gates import verdict_for
from readiness.lookup import coverage_gaps
from readiness.models import Application, EscalationLevel, GateCode, OwnershipRule, Person, Runbook
from readiness.services.people import person_mark_left

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=timezone.get_fixed_timezone(600))  # a Wednesday morning in Melbourne


@pytest.fixture
def demo_world():
    with time_machine.travel(NOW, tick=False):
        seed(NOW.date())
        yield


def _client(username: str) -> Client:
    from django.contrib.auth.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _erp() -> EscalationLevel:
    return EscalationLevel.objects.get(application__slug="ordering-portal", position=3)


def test_demo_path_page_shows_the_erp_gap_with_interval_and_reason(demo_world) -> None:
    page = _client("analyst").get("/apps/ordering-portal/path/")

    html = page.content.decode()
    erp_row = next(row for row in page.context["rows"] if row.level.position == 3)
    # Raj works 08:00–16:30 and Grace 09:00–17:00 in Sydney (same clock as Melbourne in June).
    assert (erp_row.gaps[0].start, erp_row.gaps[0].end) == (NOW.replace(hour=17), NOW.replace(day=5, hour=8))
    assert "Wed 4 Jun 17:00" in html and "Thu 5 Jun 08:00" in html
    assert "primary Raj Patel outside working hours; backup Grace O&#x27;Neill outside working hours; " \
           "no after-hours cover" in html
    assert all(not row.gaps for row in page.context["rows"] if row.level.position != 3)


def test_adding_after_hours_cover_clears_the_gap_and_the_gate_line(demo_world) -> None:
    portal = Application.objects.get(slug="ordering-portal")
    andrea = Person.objects.get(name="Andrea Reyes")
    erp = _erp()
    assert coverage_gaps(erp, timezone.now())
    assert any("coverage gap" in m.text for m in _path_gate_missing(portal))

    response = _client("lead").post(f"/apps/ordering-portal/path/levels/{erp.pk}/edit/", {
        "position": 3, "name": erp.name, "responsibility": erp.responsibility, "primary": erp.primary_id,
        "backup": erp.backup_id, "after_hours_cover": andrea.pk, "coverage": "after_hours",
        "coverage_timezone": "Australia/Sydney", "duties": erp.duties, "other_decision_rights": "",
        "response_target_minutes": 60, "how_to_reach": "Phone; after hours the Manila pager."})

    assert response.status_code == 302
    assert coverage_gaps(_erp(), timezone.now()) == []
    assert not any("coverage gap" in m.text for m in _path_gate_missing(portal))
    page = _client("analyst").get("/apps/ordering-portal/path/")
    assert "No coverage gap in the next 14 days" in page.content.decode()


def test_marking_a_person_left_lists_everything_that_named_them_and_marks_levels_stale(demo_world) -> None:
    aisha = Person.objects.get(name="Aisha Karim")
    named_levels = set(EscalationLevel.objects.filter(primary=aisha) | EscalationLevel.objects.filter(backup=aisha))
    assert len(named_levels) == 2  # portal L2 primary, dispatch L2 backup

    response = _client("lead").post(f"/people/{aisha.pk}/left/", {"left_on": NOW.date().isoformat()}, follow=True)

    references = response.context["references"]
    assert {level for level, _ in references.levels} == named_levels
    assert {tuple(roles) for _, roles in references.levels} == {("primary",), ("backup",)}
    assert {r.pk for r in references.runbooks} == set(
        Runbook.objects.filter(escalation_level__in=named_levels).values_list("pk", flat=True))
    assert {r.pk for r in references.rules} == set(
        OwnershipRule.objects.filter(level__in=named_levels).values_list("pk", flat=True))
    assert references.rules  # the portal's engineering rules are taken by L2
    html = response.content.decode()
    for rule in references.rules:
        assert rule.name in html
    for level in EscalationLevel.objects.filter(pk__in=[lv.pk for lv in named_levels]):
        assert level.stale_since is not None
        assert "Aisha Karim" in level.stale_reason and "left on" in level.stale_reason
    assert not EscalationLevel.objects.exclude(pk__in=[lv.pk for lv in named_levels]).filter(
        stale_since__isnull=False, stale_reason__contains="Aisha")


def test_a_stale_level_shows_on_the_path_and_clears_when_the_leaver_is_replaced(demo_world) -> None:
    aisha = Person.objects.get(name="Aisha Karim")
    person_mark_left(person=aisha, left_on=NOW.date())
    level = EscalationLevel.objects.get(application__slug="ordering-portal", position=2)
    assert "Stale since" in _client("analyst").get("/apps/ordering-portal/path/").content.decode()

    # Editing the level but keeping the leaver: still stale (and the form says why).
    keep = _client("lead").post(f"/apps/ordering-portal/path/levels/{level.pk}/edit/", _level_data(level))
    assert "has left; choose someone who is still here" in keep.content.decode()
    level.refresh_from_db()
    assert level.stale_since is not None

    replaced = _client("lead").post(f"/apps/ordering-portal/path/levels/{level.pk}/edit/",
                                    _level_data(level, primary=Person.objects.get(name="Ben Walsh").pk,
                                                after_hours_cover=Person.objects.get(name="Andrea Reyes").pk))
    assert replaced.status_code == 302
    level.refresh_from_db()
    assert (level.stale_since, level.stale_reason) == (None, "")


def test_a_leaver_is_never_called(demo_world) -> None:
    mia = Person.objects.get(name="Mia Chen")
    person_mark_left(person=mia, left_on=NOW.date() - timedelta(days=1))

    page = _client("analyst").get("/call/", {"application": "ordering-portal", "symptom": "password reset"})

    plan = page.context["result"].plan
    assert plan.person.name == "Tom Rees"
    assert plan.reason.startswith("backup: primary has left on")


def _level_data(level: EscalationLevel, **overrides: object) -> dict[str, object]:
    return {"position": level.position, "name": level.name, "responsibility": level.responsibility,
            "primary": level.primary_id, "backup": level.backup_id or "",
            "after_hours_cover": level.after_hours_cover_id or "", "coverage": level.coverage,
            "coverage_timezone": level.coverage_timezone, "duties": level.duties,
            "other_decision_rights": level.other_decision_rights,
            "response_target_minutes": level.response_target_minutes, "how_to_reach": level.how_to_reach,
            **overrides}


def _path_gate_missing(application: Application) -> list:
    result = next(r for r in verdict_for(application).results if r.gate.code == GateCode.ESCALATION_PATH)
    return result.missing


def test_demo_path_naming_a_leaver_is_stale(demo_world) -> None:
    pricing = EscalationLevel.objects.get(application__slug="pricing-service", position=2)

    assert pricing.stale_since is not None
    assert pricing.stale_reason.startswith("Sam Fletcher (primary) left on")
    assert "Sam Fletcher (primary) left on" in _client("analyst").get("/apps/pricing-service/path/").content.decode()


def test_a_leaving_date_ahead_marks_the_path_stale_now(demo_world) -> None:
    raj = Person.objects.get(name="Raj Patel")

    person_mark_left(person=raj, left_on=NOW.date() + timedelta(days=10))

    level = _erp()
    assert level.stale_reason.startswith("Raj Patel (primary) leaves on")
    # Until then he is still called in his hours.
    assert coverage_gaps(level, NOW, days=1)[0].start == NOW.replace(hour=17)
