"""Staleness everywhere: the lookup API says how fresh each contact's details are, the printed
sheet marks stale and never-confirmed contacts in words, and never confirmed is never fresh."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from readiness.confirmation import ConfirmationState, confirmation_of
from readiness.models import Coverage, Person
from readiness.templatetags.confirmation import confirmation_badge
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=timezone.get_fixed_timezone(660))  # Thursday morning, Melbourne
KEY = "hnd_teams-bot-key"


@pytest.fixture(autouse=True)
def _at_now() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def people() -> dict[str, Person]:
    """The portal's L1: Ada confirmed 12 days ago (primary), Bea never confirmed (backup), Cal
    left three reminders unanswered (after-hours cover); L2's Dan confirmed 100 days ago, past
    his 90-day period."""
    ada = factories.PersonFactory(name="Ada Confirmed", last_confirmed_at=NOW - timedelta(days=12))
    bea = factories.PersonFactory(name="Bea Never", last_confirmed_at=None)
    cal = factories.PersonFactory(
        name="Cal Stale", last_confirmed_at=NOW - timedelta(days=97), stale_since=NOW - timedelta(days=4)
    )
    dan = factories.PersonFactory(name="Dan Overdue", last_confirmed_at=NOW - timedelta(days=100))
    app = factories.ApplicationFactory(name="Trade Ordering Portal", slug="portal")
    l1 = factories.EscalationLevelFactory(
        application=app,
        position=1,
        name="Service desk",
        primary=ada,
        backup=bea,
        after_hours_cover=cal,
        coverage=Coverage.AFTER_HOURS,
    )
    l2 = factories.EscalationLevelFactory(application=app, position=2, name="Engineering", primary=dan, backup=None)
    factories.OwnershipRuleFactory(application=app, name="Login and access", example_symptoms="password", level=l1)
    factories.OwnershipRuleFactory(application=app, name="Failed jobs", example_symptoms="job failed", level=l2)
    factories.ApiTokenFactory(key=KEY)
    return {"ada": ada, "bea": bea, "cal": cal, "dan": dan}


def _api(**params: str) -> dict:
    response = Client().get("/api/lookup/", {"application": "portal", **params}, HTTP_AUTHORIZATION=f"Bearer {KEY}")
    assert response.status_code == 200
    return response.json()


def test_the_api_answer_carries_each_contacts_confirmation_state_and_age(people: dict[str, Person]) -> None:
    call = _api(**{"class": "Login and access"})["answer"]["call"]

    assert call["call"]["name"] == "Ada Confirmed"
    # The keys it had are kept; the confirmation is added.
    assert {"name", "email", "phone", "chat_handle", "timezone", "local_time"} <= set(call["call"])
    assert call["call"]["confirmation"] == {
        "state": "confirmed",
        "confirmed_at": (NOW - timedelta(days=12)).isoformat(),
        "age_days": 12,
    }
    fallback = {entry["name"]: entry["confirmation"] for entry in call["fallback"]}
    assert fallback["Bea Never"] == {"state": "never", "confirmed_at": None, "age_days": None}
    assert fallback["Cal Stale"]["state"] == "stale" and fallback["Cal Stale"]["age_days"] == 97
    # In the server's timezone (Melbourne, on its winter offset in August), the same moment.
    assert fallback["Cal Stale"]["confirmed_at"] == "2026-08-28T09:00:00+10:00"
    assert datetime.fromisoformat(fallback["Cal Stale"]["confirmed_at"]) == NOW - timedelta(days=97)


def test_a_contact_past_their_verification_period_is_stale_in_the_api(people: dict[str, Person]) -> None:
    call = _api(**{"class": "Failed jobs"})["answer"]["call"]

    assert call["call"]["name"] == "Dan Overdue"
    assert call["call"]["confirmation"]["state"] == "stale"
    assert call["call"]["confirmation"]["age_days"] == 100


def test_each_match_and_the_escalation_chain_carry_it_too(people: dict[str, Person]) -> None:
    body = _api(symptom="password")

    states = [m["call"]["call"]["confirmation"]["state"] for m in body["matches"] if m["call"]]
    assert "confirmed" in states
    chain = [p["call"]["confirmation"]["state"] for p in body["answer"]["escalation"] if p and p["call"]]
    assert chain and set(chain) <= {"confirmed", "stale", "never"}


def test_the_sheet_marks_stale_and_never_confirmed_contacts_in_words(people: dict[str, Person], lead: User) -> None:
    client = Client()
    client.force_login(lead)

    html = client.get("/apps/portal/sheet/").content.decode()

    assert "Check before calling:</strong> 3 contacts on this sheet have details that are stale or were never" in html
    assert "Bea Never <span" in html and "(never confirmed)" in html
    assert "Cal Stale<strong" not in html and "Cal Stale <strong" in html
    assert "(stale: unconfirmed since 29 Nov 2026)" in html
    assert "(stale: last confirmed 3\xa0months, 1\xa0week ago)" in html  # Dan, past his 90 days
    # Ada confirmed in time: no mark beside her.
    ada_cell = html.split("Ada Confirmed", 1)[1].split("</td>", 1)[0]
    assert "sheet-mark" not in ada_cell


def test_never_confirmed_is_never_shown_as_fresh(people: dict[str, Person]) -> None:
    never = confirmation_of(people["bea"], NOW)
    assert never.state == ConfirmationState.NEVER and never.age_days is None
    assert "never confirmed" in confirmation_badge(people["bea"]) and "text-bg-warning" in confirmation_badge(
        people["bea"]
    )
    assert "text-bg-danger" in confirmation_badge(people["dan"])
    assert "stale: last confirmed" in confirmation_badge(people["dan"])
    assert confirmation_of(people["ada"], NOW).state == ConfirmationState.CONFIRMED


def test_a_leaver_on_the_sheet_is_marked_as_left(people: dict[str, Person], lead: User) -> None:
    from readiness.services.people import person_mark_left

    person_mark_left(person=people["ada"], left_on=NOW.date())
    client = Client()
    client.force_login(lead)

    html = client.get("/apps/portal/sheet/").content.decode()

    assert "Ada Confirmed <span" in html and "(left 3 Dec 2026)" in html
    assert "L1 Service desk (stale)" in html
