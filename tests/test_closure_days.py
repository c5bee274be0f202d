"""Organisation closure days: everyone is out of hours on them (the pager is still carried), the
answer says why, and the lookup's stored directory carries them with people's leave."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from readiness.coverage import candidates_at, coverage_gaps
from readiness.directory import directory_data, directory_from_data, directory_live
from readiness.lookup import answer, who_to_call
from readiness.models import ClosureDay, Coverage, Leave, Person
from readiness.models.people import Availability
from readiness.services.people import closure_day_add, person_save
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
STOCKTAKE = date(2026, 6, 3)  # a Wednesday, no public holiday
MORNING = datetime(2026, 6, 3, 10, 0, tzinfo=MELBOURNE)
WHY = "organisation closed: Stocktake"


@pytest.fixture
def level():
    level = factories.EscalationLevelFactory(
        application__slug="portal",
        position=1,
        name="Service desk",
        coverage=Coverage.AFTER_HOURS,
        primary=factories.PersonFactory(name="Mia Chen", region="AU-VIC"),
        backup=factories.PersonFactory(name="Tom Rees", timezone="Australia/Sydney", region="AU-NSW"),
        after_hours_cover=factories.PersonFactory(name="Jomar Santos", timezone="Asia/Manila", region="PH"),
    )
    factories.OwnershipRuleFactory(
        application=level.application, name="Access", example_symptoms="password reset", level=level
    )
    return level


def test_on_a_closure_day_the_office_is_out_and_the_pager_is_called(level) -> None:
    closure_day_add(day=STOCKTAKE, name="Stocktake")

    primary, backup, cover = candidates_at(level, MORNING)

    assert primary.reachability.availability == Availability.HOLIDAY
    assert (primary.status, backup.status) == (WHY, WHY)
    assert cover.reachable and cover.status == "can be paged"
    plan = answer(at=MORNING, application=level.application, symptom="password reset").plan
    assert plan.person.name == "Jomar Santos"
    assert plan.reason == f"after-hours cover: primary {WHY}, backup {WHY}"
    assert coverage_gaps(level, MORNING, days=2) == []
    assert Leave.objects.filter(closure__isnull=False).count() == 3


def test_the_stored_directory_carries_the_closure(level) -> None:
    closure_day_add(day=STOCKTAKE, name="Stocktake")
    live = directory_live(level.application)
    data = directory_data(rules=live.rules, levels=live.levels, runbooks=live.runbooks, known_issues=live.known_issues)

    stored = directory_from_data(level.application, data).levels[0]

    assert who_to_call(stored, MORNING).reason == f"after-hours cover: primary {WHY}, backup {WHY}"


def test_someone_added_later_is_closed_too(level) -> None:
    closure_day_add(day=STOCKTAKE, name="Stocktake")
    past = closure_day_add(day=date(2026, 5, 1), name="Long gone")
    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=MELBOURNE), tick=False):
        newcomer = person_save(person=Person(name="Nadia Park", email="nadia@example.com"))

    assert Person.objects.get(pk=newcomer.pk).day_off(STOCKTAKE) == WHY
    assert not newcomer.leaves.filter(closure=past).exists()  # only the closures ahead of them


def test_a_closure_is_not_leave_for_reminders_or_the_leave_rules(level) -> None:
    closure_day_add(day=STOCKTAKE, name="Stocktake")

    assert Person.objects.get(pk=level.primary.pk).leave_on(STOCKTAKE) is None


def test_one_closure_a_day(level) -> None:
    closure_day_add(day=STOCKTAKE, name="Stocktake")

    with pytest.raises(ValidationError) as refused:
        closure_day_add(day=STOCKTAKE, name="Again")
    assert "day" in refused.value.message_dict
    assert factories.ClosureDayFactory(day=STOCKTAKE).name == "Stocktake"


PAGE = "/people/closures/"


def test_a_people_manager_adds_a_closure_day_on_its_page(lead, level) -> None:
    client = Client()
    client.force_login(lead)

    with time_machine.travel(datetime(2026, 6, 1, 9, 0, tzinfo=MELBOURNE), tick=False):
        response = client.post(PAGE, {"day": "2026-06-03", "name": "Stocktake"}, follow=True)
        twice = client.post(PAGE, {"day": "2026-06-03", "name": "Again"})

    html = response.content.decode()
    assert "The organisation is closed on Wed 03 Jun 2026: Stocktake." in html
    assert "Wed 3 Jun 2026: Stocktake" in html
    assert Person.objects.get(pk=level.primary.pk).day_off(STOCKTAKE) == WHY
    assert twice.context["form"].errors["day"] == ["The organisation is already closed that day."]


def test_an_analyst_sees_the_closure_days_and_may_not_add_one(analyst) -> None:
    client = Client()
    client.force_login(analyst)

    page = client.get(PAGE).content.decode()
    refused = client.post(PAGE, {"day": "2026-06-03", "name": "Stocktake"})

    assert "No closure day ahead." in page and "Add closure day" not in page
    people = client.get(reverse("readiness:people_list")).content.decode()
    assert f'<a href="{PAGE}">Closure days</a>' in people
    assert refused.status_code == 403
    assert not ClosureDay.objects.exists()


def test_a_bad_day_or_name_gets_a_message_beside_the_field(lead) -> None:
    client = Client()
    client.force_login(lead)

    response = client.post(PAGE, {"day": "0001-01-01", "name": "line\nbreak"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"day", "name"}
    assert not ClosureDay.objects.exists()
