"""Who do I call? on Melbourne Cup Day (a Victorian public holiday; not in New South Wales): the
Melbourne business-hours primary is not called and the answer says why; the Sydney backup is
called. The same on the page and through the API, from the stored directory or the rows."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from readiness.directory import directory_data, directory_from_data, directory_live
from readiness.lookup import answer, who_to_call
from readiness.models import Coverage
from readiness.services.api import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
CUP_DAY_MORNING = datetime(2026, 11, 3, 10, 0, tzinfo=MELBOURNE)
WHY = "public holiday in Victoria: Melbourne Cup Day"


@pytest.fixture
def portal(analyst) -> object:
    level = factories.EscalationLevelFactory(
        application__slug="portal", position=1, name="Service desk", coverage=Coverage.BUSINESS_HOURS,
        primary=factories.PersonFactory(name="Mia Chen", region="AU-VIC"),
        backup=factories.PersonFactory(name="Tom Rees", timezone="Australia/Sydney", region="AU-NSW"),
        after_hours_cover=None)
    factories.OwnershipRuleFactory(application=level.application, name="Access, login and permissions",
                                   example_symptoms="password reset", level=level)
    level.application.members.add(analyst)
    return level.application


def test_the_answer_calls_the_sydney_backup_and_says_why_not_the_primary(portal) -> None:
    result = answer(at=CUP_DAY_MORNING, application=portal, symptom="password reset")

    assert result.plan.person.name == "Tom Rees"
    assert result.plan.role == "backup"
    assert result.plan.reason == f"backup: primary {WHY}"
    assert [(c.person.name, c.status) for c in result.plan.fallback] == [("Mia Chen", WHY)]


def test_the_day_after_the_melbourne_primary_is_called_again(portal) -> None:
    result = answer(at=CUP_DAY_MORNING.replace(day=4), application=portal, symptom="password reset")

    assert result.plan.person.name == "Mia Chen"
    assert result.plan.reason == "primary, in working hours"


def test_the_stored_directory_keeps_the_region(portal) -> None:
    live = directory_live(portal)
    data = directory_data(rules=live.rules, levels=live.levels, runbooks=live.runbooks,
                          known_issues=live.known_issues)

    stored = directory_from_data(portal, data)

    assert who_to_call(stored.levels[0], CUP_DAY_MORNING).reason == f"backup: primary {WHY}"


def test_the_page_says_why_the_primary_is_not_called(portal, analyst) -> None:
    client = Client()
    client.force_login(analyst)

    page = client.get("/call/", {"application": "portal", "symptom": "password reset", "at": "2026-11-03T10:00"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Tom Rees" in html
    assert WHY in html


def test_the_api_says_why_the_primary_is_not_called(portal, analyst) -> None:
    _, key = api_token_create(user=analyst, name="bot")

    response = Client().get("/api/lookup/", {"application": "portal", "symptom": "password reset",
                                             "at": "2026-11-03T10:00:00+11:00"},
                            HTTP_AUTHORIZATION=f"Bearer {key}")

    call = response.json()["answer"]["call"]
    assert call["call"]["name"] == "Tom Rees"
    assert call["reason"] == f"backup: primary {WHY}"
    assert call["fallback"][0] | {"local_time": None} == {
        "name": "Mia Chen", "email": call["fallback"][0]["email"], "phone": "+61 3 9000 0000", "chat_handle": "",
        "timezone": "Australia/Melbourne", "local_time": None, "role": "primary", "status": WHY,
        "confirmation": {"state": "never", "confirmed_at": None, "age_days": None}}
