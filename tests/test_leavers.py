"""Marking a person as left: the complete list before confirming, every item flagged after, their
sign-in and API tokens ended, the lookup calling the backup, and history keeping what was done.

Ben Walsh is named by one item of every kind: the primary of the portal's L2 and the after-hours
cover of the ERP's L1, a stand-in week as the ERP L1's backup, the runbook and the rule sending to
L2, an alert, a known issue and a drill follow-up he owns, the ERP's delivery lead, and the
portal's business owner while its hypercare waits for his sign-off. He signs in, and a chat bot
holds one of his API tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from readiness.gates import verdict_for
from readiness.leavers import Kind, leavers_to_replace, person_references
from readiness.models import ApiToken, Application, EscalationLevel, GateCode, Person, StandInRole, UserSession
from readiness.roles import Role
from readiness.services.people import leavers_access_sweep, person_mark_left
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.get_fixed_timezone(660))  # Thursday morning, Melbourne
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _at_now() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


@dataclass
class World:
    ben: Person
    ben_user: User
    key: str
    portal: Application
    erp: Application
    l2: EscalationLevel
    erp_l1: EscalationLevel


@pytest.fixture
def world(lead: User) -> World:
    ben_user = factories.UserFactory(username="ben", first_name="Ben", last_name="Walsh", role=Role.BUSINESS_OWNER)
    ben = factories.PersonFactory(name="Ben Walsh", user=ben_user)
    tom = factories.PersonFactory(name="Tom Rees")
    portal = factories.ApplicationFactory(
        name="Trade Ordering Portal", slug="portal", delivery_lead=lead, business_owner=ben_user
    )
    erp = factories.ApplicationFactory(name="ERP Bridge", slug="erp", delivery_lead=ben_user)
    factories.EscalationLevelFactory(application=portal, position=1, name="Service desk")
    l2 = factories.EscalationLevelFactory(application=portal, position=2, name="Engineering", primary=ben, backup=tom)
    erp_l1 = factories.EscalationLevelFactory(application=erp, position=1, name="Integration", after_hours_cover=ben)
    factories.StandInFactory(level=erp_l1, role=StandInRole.BACKUP, person=ben, reason="Covering Grace's leave.")
    factories.RunbookFactory(application=portal, title="Failed order submission", escalation_level=l2)
    factories.OwnershipRuleFactory(
        application=portal, name="Defects and failed jobs", level=l2, example_symptoms="order fails"
    )
    factories.AlertCheckFactory(application=portal, signal="Order sync failures", owner=ben)
    factories.KnownIssueFactory(application=portal, title="Prices lag by a minute", owner=ben, workaround="")
    drill = factories.DrillFactory(application=portal, title="ERP down at night", held_on=TODAY - timedelta(days=2))
    factories.DrillActionFactory(drill=drill, description="Add a retry", owner=ben)
    factories.HypercareFactory(application=portal)
    token = factories.ApiTokenFactory(user=ben_user, name="Teams bot", key="hnd_bens-key")
    assert token.is_active
    return World(ben, ben_user, "hnd_bens-key", portal, erp, l2, erp_l1)


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def _told(app: Application) -> list[str]:
    """What the application's checklist says must be replaced: its gates' blockers and the roles."""
    blockers = [missing.text for result in verdict_for(app).results for missing in result.missing]
    return blockers + [item.replace_text for item in leavers_to_replace(app)]


def _kinds(html: str) -> dict[str, str]:
    """Each kind's section of the leaver page: its heading and list, up to the next heading."""
    sections: dict[str, str] = {}
    for part in html.split('data-kind="')[1:]:
        kind, _, rest = part.partition('"')
        sections[kind] = rest.split("data-kind=")[0]
    return sections


def test_the_leaver_page_lists_every_kind_of_item_before_confirming_and_writes_nothing(
    world: World, lead: User
) -> None:
    html = _page(_as(lead), f"/people/{world.ben.pk}/left/")

    kinds = _kinds(html)
    assert "L2 primary (Engineering)" in kinds["level"] and "L1 after-hours cover (Integration)" in kinds["level"]
    assert "stand-in for L1 backup (Integration), 3 Dec–10 Dec 2026" in kinds["standin"]
    assert "the level runbook “Failed order submission” calls" in kinds["runbook"]
    assert "the level taking “Defects and failed jobs”" in kinds["rule"]
    assert "owner of the alert “Order sync failures”" in kinds["alert"]
    assert "owner of the known issue “Prices lag by a minute”" in kinds["known_issue"]
    assert "owner of the follow-up “Add a retry” (drill “ERP down at night”)" in kinds["drill_action"]
    assert "ERP Bridge:" in kinds["application_role"] and "as delivery lead" in kinds["application_role"]
    assert "Trade Ordering Portal:" in kinds["application_role"] and "as business owner" in kinds["application_role"]
    assert "the business owner who signs off hypercare" in kinds["sign_off"]
    assert "hold 1 active API token (Teams bot)" in kinds["access"]
    assert "11 things name Ben Walsh" in html
    assert "Mark as left and flag these 11" in html
    # Grouped by application within each kind.
    assert kinds["level"].index("ERP Bridge:") < kinds["level"].index("Trade Ordering Portal:")
    # Looking wrote nothing.
    world.ben.refresh_from_db()
    assert world.ben.left_on is None
    assert EscalationLevel.objects.filter(stale_since__isnull=False).count() == 0
    assert ApiToken.objects.get().revoked_at is None


def test_confirming_flags_each_listed_item(world: World, lead: User) -> None:
    client = _as(lead)
    response = client.post(f"/people/{world.ben.pk}/left/", {"left_on": TODAY.isoformat()}, follow=True)

    html = response.content.decode()
    assert "Ben Walsh is marked as left: 11 item(s) naming them are flagged" in html
    assert "Their sign-in is ended and their API tokens are revoked." in html
    replace = "Ben Walsh left on 3 Dec 2026: replace them as"
    # Levels: stored as stale, gate 4 says whom to replace and where.
    world.l2.refresh_from_db()
    assert world.l2.stale_reason == "Ben Walsh (primary) left on 03 Dec 2026"
    assert f"{replace} L2 primary (Engineering)." in [
        m.text for r in verdict_for(world.portal).results if r.gate.code == GateCode.ESCALATION_PATH for m in r.missing
    ]
    # Stand-ins: the path page flags a stand-in who left (and the leaver page lists it to replace).
    assert "Ben Walsh left on Thu 03 Dec 2026" in _page(client, "/apps/erp/path/")
    # Runbooks and rules: through their stale level.
    assert "Engineering (stale: Ben Walsh (primary) left on 03 Dec 2026)" in _page(client, "/apps/portal/runbooks/")
    assert "(stale: Ben Walsh (primary) left on 03 Dec 2026)" in _page(client, "/apps/portal/rules/")
    portal = _page(client, "/apps/portal/")
    # Alerts, known issues, drill follow-ups: on the checklist, under their gate and in "Who must be replaced".
    assert f"{replace} owner of the alert “Order sync failures”" in portal
    assert f"{replace} owner of the known issue “Prices lag by a minute”" in portal
    assert f"{replace} owner of the follow-up “Add a retry” (drill “ERP down at night”)" in portal
    # The sign-off waiting for him, and the roles he held.
    assert f"{replace} the business owner who signs off hypercare" in portal
    assert f"{replace} business owner" in portal
    erp = _page(client, "/apps/erp/")
    assert f"{replace} delivery lead" in erp and f"{replace} L1 after-hours cover (Integration)" in erp
    # The leaver page now says what is still to replace, each item flagged.
    after = _page(client, f"/people/{world.ben.pk}/left/")
    assert "Ben Walsh left on 3 Dec 2026" in after and "11 things still name Ben Walsh" in after
    assert after.count("flagged:") == 11
    assert "Mark as left" not in after


def test_afterwards_their_session_is_sent_to_sign_in_and_their_token_gets_401(world: World, lead: User) -> None:
    bens_browser = _as(world.ben_user)
    others_browser = _as(lead)
    assert bens_browser.get("/").status_code == 200
    assert (
        Client()
        .get(
            "/api/lookup/",
            {"application": "portal", "class": "Defects and failed jobs"},
            HTTP_AUTHORIZATION=f"Bearer {world.key}",
        )
        .status_code
        == 200
    )

    others_browser.post(f"/people/{world.ben.pk}/left/", {"left_on": TODAY.isoformat()})

    response = bens_browser.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    api = Client().get(
        "/api/lookup/",
        {"application": "portal", "class": "Defects and failed jobs"},
        HTTP_AUTHORIZATION=f"Bearer {world.key}",
    )
    assert api.status_code == 401
    world.ben_user.refresh_from_db()
    assert world.ben_user.is_active is False
    assert ApiToken.objects.get(user=world.ben_user).revoked_at == NOW
    # His sessions are gone; the lead's is not.
    owners = {(session.user_pk, session.get_decoded().get("_auth_user_id")) for session in UserSession.objects.all()}
    assert owners == {(lead.pk, str(lead.pk))}
    assert others_browser.get("/").status_code == 200
    # He cannot sign in again either.
    login = Client().post("/accounts/login/", {"username": "ben", "password": "correct-horse-battery"})
    assert login.status_code == 200 and "_auth_user_id" not in login.wsgi_request.session


def test_afterwards_the_lookup_names_the_backup(world: World, lead: User, analyst: User) -> None:
    _, key = factories.ApiTokenFactory(user=analyst, key="hnd_analysts-key"), "hnd_analysts-key"
    params = {"application": "portal", "class": "Defects and failed jobs"}
    before = Client().get("/api/lookup/", params, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert before["answer"]["call"]["call"]["name"] == "Ben Walsh"

    person_mark_left(person=world.ben, left_on=TODAY)

    after = Client().get("/api/lookup/", params, HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert after["answer"]["call"]["call"]["name"] == "Tom Rees"
    assert after["answer"]["call"]["reason"].startswith("backup: primary has left")


def test_history_records_the_leaving_what_was_flagged_and_the_revoked_token(world: World, lead: User) -> None:
    _as(world.ben_user)  # one session of his
    _as(lead).post(f"/people/{world.ben.pk}/left/", {"left_on": TODAY.isoformat()})

    record = world.ben.history.order_by("-history_id").first()
    assert record is not None and record.left_on == TODAY and record.history_user == lead
    assert record.history_change_reason == (
        "Marked as left: 11 item(s) flagged; sign-in ended, 1 API token(s) revoked, 1 session(s) ended"
    )
    token_record = ApiToken.history.order_by("-history_id").first()
    assert token_record is not None and token_record.revoked_at == NOW
    assert token_record.history_change_reason == "Its owner left"
    level_record = world.l2.history.order_by("-history_id").first()
    assert level_record is not None and level_record.stale_reason == "Ben Walsh (primary) left on 03 Dec 2026"
    # And the person's history page shows it.
    assert "Marked as left: 11 item(s) flagged" in _page(_as(lead), f"/people/{world.ben.pk}/reminders/")


def test_only_a_people_manager_may_confirm(world: World, analyst: User) -> None:
    response = _as(analyst).post(f"/people/{world.ben.pk}/left/", {"left_on": TODAY.isoformat()})

    assert response.status_code == 403
    world.ben.refresh_from_db()
    assert world.ben.left_on is None and ApiToken.objects.get().revoked_at is None
    # The analyst sees the list, without the button.
    html = _page(_as(analyst), f"/people/{world.ben.pk}/left/")
    assert "11 things name Ben Walsh" in html and "Mark as left" not in html


def test_the_same_form_sent_twice_marks_them_once(world: World, lead: User) -> None:
    client = _as(lead)
    form = client.get(f"/people/{world.ben.pk}/left/").context["form"]
    key = str(form.fields["submission_key"].initial())
    data = {"left_on": TODAY.isoformat(), "submission_key": key}

    first, second = (
        client.post(f"/people/{world.ben.pk}/left/", data),
        client.post(f"/people/{world.ben.pk}/left/", data),
    )

    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert world.ben.history.filter(left_on=TODAY).count() == 1
    # A fresh form once they are marked is refused in words, and changes nothing.
    again = client.post(
        f"/people/{world.ben.pk}/left/", {"left_on": (TODAY - timedelta(days=1)).isoformat()}, follow=True
    )
    assert "Ben Walsh is already marked as left." in again.content.decode()
    world.ben.refresh_from_db()
    assert world.ben.left_on == TODAY


def test_a_leaving_day_ahead_keeps_their_sign_in_until_the_day(world: World) -> None:
    ahead = TODAY + timedelta(days=7)
    person_mark_left(person=world.ben, left_on=ahead)

    world.ben_user.refresh_from_db()
    assert world.ben_user.is_active and ApiToken.objects.get().revoked_at is None
    assert "Ben Walsh leaves on 10 Dec 2026: replace them as L2 primary (Engineering)." in _told(world.portal)
    assert "Ben Walsh leaves on 10 Dec 2026: replace them as business owner" in _told(world.portal)
    assert leavers_access_sweep() == 0

    with time_machine.travel(NOW + timedelta(days=7), tick=False):
        assert leavers_access_sweep() == 1
    world.ben_user.refresh_from_db()
    assert not world.ben_user.is_active and ApiToken.objects.get().revoked_at is not None


def test_replacing_them_clears_what_the_checklist_says(world: World, lead: User) -> None:
    person_mark_left(person=world.ben, left_on=TODAY)
    andrea = factories.PersonFactory(name="Andrea Reyes")

    level = world.l2
    form = _as(lead).get(f"/apps/portal/path/levels/{level.pk}/edit/").context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(primary=andrea.pk, duties=level.duties)
    response = _as(lead).post(f"/apps/portal/path/levels/{level.pk}/edit/", data)

    assert response.status_code == 302
    told = _told(world.portal)
    assert not any("L2 primary" in text for text in told)
    assert any("owner of the alert" in text for text in told)  # still his until someone else is named


def test_the_list_is_a_constant_number_of_queries(world: World, django_assert_num_queries) -> None:
    person = Person.objects.get(pk=world.ben.pk)
    with django_assert_num_queries(10):
        few = person_references(person)
    for _ in range(3):
        level = factories.EscalationLevelFactory(application=world.erp, primary=world.ben)
        factories.RunbookFactory(application=world.erp, escalation_level=level)
        factories.AlertCheckFactory(application=world.erp, owner=world.ben)
        factories.DrillActionFactory(drill__application=world.erp, owner=world.ben)
    person = Person.objects.get(pk=world.ben.pk)
    with django_assert_num_queries(10):
        many = person_references(person)
    assert many.count == few.count + 12
    assert {kind for kind, _ in many.grouped()} == set(Kind)
    # For the checklist: one small query, whatever the application holds.
    portal = Application.objects.with_people().get(pk=world.portal.pk)
    with django_assert_num_queries(1):
        leavers_to_replace(portal)


def test_someone_without_an_account_has_only_their_items_flagged(lead: User) -> None:
    sam = factories.PersonFactory(name="Sam Fletcher")
    factories.AlertCheckFactory(signal="Price feed stale", owner=sam)

    references = person_mark_left(person=sam, left_on=date(2026, 12, 1))

    assert [item.kind for item in references.items] == [Kind.ALERT]
    html = _page(_as(lead), f"/people/{sam.pk}/left/")
    assert "Sam Fletcher has no Handoff account." in html
    assert "Sam Fletcher left on 1 Dec 2026: replace them as owner of the alert “Price feed stale”" in html
