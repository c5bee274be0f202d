"""An escalation path's coverage gap and how it clears; a leaver and everything that named them.

Each test builds the ordering portal's path from factories: a service desk with a Manila pager,
portal engineering, and an ERP level of two Sydney office workers promising Sydney business
hours only (no after-hours cover): its nights and weekends are no gap, a day Grace is away is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from readiness.coverage import coverage_gaps
from readiness.gates import verdict_for
from readiness.leavers import Kind
from readiness.models import Application, Coverage, EscalationLevel, GateCode, Person
from readiness.services.people import person_mark_left
from tests.factories import (
    ApplicationFactory,
    EscalationLevelFactory,
    LeaveFactory,
    OwnershipRuleFactory,
    PersonFactory,
    RunbookFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2025, 6, 4, 10, 0, tzinfo=timezone.get_fixed_timezone(600))  # a Wednesday morning in Melbourne
WEEKDAYS, ALL_DAYS = range(0, 5), range(0, 7)
SYDNEY, MANILA = "Australia/Sydney", "Asia/Manila"


@dataclass
class Path:
    portal: Application
    desk: EscalationLevel
    engineering: EscalationLevel
    erp: EscalationLevel


def _person(name: str, zone: str, starts: time, ends: time, days: range = WEEKDAYS) -> Person:
    return PersonFactory(name=name, timezone=zone, hours=(starts, ends, days))


@pytest.fixture(autouse=True)
def _at_now() -> object:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def path(lead: User, analyst: User) -> Path:
    # Built at NOW, as every test here runs then (_at_now, autouse, starts first).
    portal = ApplicationFactory(name="Trade Ordering Portal", slug="ordering-portal", delivery_lead=lead,
                                support_lead=analyst)
    desk = EscalationLevelFactory(
        application=portal, position=1, name="Service desk", coverage=Coverage.AFTER_HOURS,
        primary=_person("Mia Chen", "Australia/Melbourne", time(8), time(18)),
        backup=_person("Tom Rees", SYDNEY, time(8, 30), time(17, 30)),
        after_hours_cover=_person("Jomar Santos", MANILA, time(16), time(23, 59), ALL_DAYS))
    engineering = EscalationLevelFactory(
        application=portal, position=2, name="Portal engineering", coverage=Coverage.AFTER_HOURS,
        primary=_person("Aisha Karim", SYDNEY, time(9), time(17, 30)),
        backup=_person("Lachlan Ng", "Australia/Melbourne", time(8, 30), time(17)),
        after_hours_cover=_person("Ben Walsh", "Australia/Melbourne", time(9), time(17, 30)))
    erp = EscalationLevelFactory(
        application=portal, position=3, name="ERP integration", coverage=Coverage.BUSINESS_HOURS,
        coverage_timezone=SYDNEY, duties=["workaround"], response_target_minutes=60,
        primary=_person("Raj Patel", SYDNEY, time(8), time(16, 30)),
        backup=_person("Grace O'Neill", SYDNEY, time(9), time(17)), after_hours_cover=None)
    OwnershipRuleFactory(application=portal, name="Access, login and permissions", level=desk,
                         example_symptoms="password reset\nlocked out")
    OwnershipRuleFactory(application=portal, name="Defects and failed jobs", level=engineering,
                         owner_role="engineering")
    RunbookFactory(application=portal, title="Failed order submission", escalation_level=engineering)
    _person("Andrea Reyes", MANILA, time(16), time(23, 59), ALL_DAYS)
    return Path(portal, desk, engineering, erp)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _level_data(level: EscalationLevel, **overrides: object) -> dict[str, object]:
    return {"position": level.position, "name": level.name, "responsibility": level.responsibility,
            "primary": level.primary_id, "backup": level.backup_id or "",
            "after_hours_cover": level.after_hours_cover_id or "", "coverage": level.coverage,
            "coverage_timezone": level.coverage_timezone, "duties": level.duties,
            "other_decision_rights": level.other_decision_rights,
            "response_target_minutes": level.response_target_minutes, "how_to_reach": level.how_to_reach,
            **overrides}


def _path_gate_missing(application: Application) -> list[str]:
    result = next(r for r in verdict_for(application).results if r.gate.code == GateCode.ESCALATION_PATH)
    return [missing.text for missing in result.missing]


def _grace_away_thursday(path: Path) -> None:
    LeaveFactory(person=path.erp.backup, starts_on=NOW.date() + timedelta(days=1),
                 ends_on=NOW.date() + timedelta(days=1))


def test_the_erp_levels_nights_and_weekends_are_no_gap(path: Path, analyst: User) -> None:
    page = _client(analyst).get("/apps/ordering-portal/path/")

    assert all(not row.gaps for row in page.context["rows"])
    assert "No coverage gap in the next 14 days" in page.content.decode()
    assert not any("coverage gap" in text for text in _path_gate_missing(path.portal))


def test_the_path_page_shows_the_erp_gap_with_interval_and_reason(path: Path, analyst: User) -> None:
    _grace_away_thursday(path)

    page = _client(analyst).get("/apps/ordering-portal/path/")

    html = page.content.decode()
    erp_row = next(row for row in page.context["rows"] if row.level == path.erp)
    # Raj works 08:00–16:30 in Sydney (same clock as Melbourne in June); the level promises until 17:00.
    assert [(gap.start, gap.end) for gap in erp_row.gaps] == [
        (NOW.replace(day=5, hour=16, minute=30), NOW.replace(day=5, hour=17))]
    assert "Thu 5 Jun 16:30" in html and "Thu 5 Jun 17:00" in html
    assert "primary Raj Patel outside working hours; backup Grace O&#x27;Neill on leave" in html
    assert "no after-hours cover" not in html.split('id="level-' + str(path.erp.pk), 1)[1]
    assert all(not row.gaps for row in page.context["rows"] if row.level != path.erp)


def test_adding_after_hours_cover_clears_the_gap_and_the_gate_line(path: Path, lead: User, analyst: User) -> None:
    _grace_away_thursday(path)
    andrea = Person.objects.get(name="Andrea Reyes")
    assert coverage_gaps(path.erp, timezone.now())
    assert any("coverage gap" in text for text in _path_gate_missing(path.portal))

    response = _client(lead).post(
        f"/apps/ordering-portal/path/levels/{path.erp.pk}/edit/",
        _level_data(path.erp, after_hours_cover=andrea.pk, coverage="after_hours",
                    how_to_reach="Phone; after hours the Manila pager."))

    assert response.status_code == 302
    erp = EscalationLevel.objects.get(pk=path.erp.pk)
    assert erp.after_hours_cover == andrea
    assert coverage_gaps(erp, timezone.now()) == []
    assert not any("coverage gap" in text for text in _path_gate_missing(path.portal))
    page = _client(analyst).get("/apps/ordering-portal/path/")
    assert "No coverage gap in the next 14 days" in page.content.decode()


def test_marking_a_person_left_lists_everything_that_named_them_and_marks_levels_stale(
    path: Path, lead: User
) -> None:
    aisha = path.engineering.primary
    dispatch_level = EscalationLevelFactory(application__name="Dispatch Board", position=2, backup=aisha)

    response = _client(lead).post(f"/people/{aisha.pk}/left/", {"left_on": NOW.date().isoformat()}, follow=True)

    references = response.context["references"]
    assert set(references.levels) == {path.engineering, dispatch_level}
    assert [item.role.split(" (")[0] for item in references.of(Kind.LEVEL)] == ["L2 backup", "L2 primary"]
    assert [item.role for item in references.of(Kind.RUNBOOK)] == [
        f"the level runbook “Failed order submission” calls (L2 {path.engineering.name})"]
    assert [item.role for item in references.of(Kind.RULE)] == [
        f"the level taking “Defects and failed jobs” (L2 {path.engineering.name})"]
    html = response.content.decode()
    assert "Aisha Karim is marked as left: 4 item(s) naming them are flagged" in html
    assert "Defects and failed jobs" in html and "Failed order submission" in html
    stale = EscalationLevel.objects.filter(stale_since__isnull=False)
    assert set(stale) == {path.engineering, dispatch_level}
    assert all(level.stale_reason.startswith("Aisha Karim (primary) left on")
               or level.stale_reason.startswith("Aisha Karim (backup) left on") for level in stale)


def test_a_stale_level_shows_on_the_path_and_clears_when_the_leaver_is_replaced(
    path: Path, lead: User, analyst: User
) -> None:
    person_mark_left(person=path.engineering.primary, left_on=NOW.date())
    level = EscalationLevel.objects.get(pk=path.engineering.pk)
    assert "Stale since" in _client(analyst).get("/apps/ordering-portal/path/").content.decode()

    # Editing the level but keeping the leaver: still stale (and the form says why).
    keep = _client(lead).post(f"/apps/ordering-portal/path/levels/{level.pk}/edit/", _level_data(level))
    assert "has left; choose someone who is still here" in keep.content.decode()
    level.refresh_from_db()
    assert level.stale_since is not None

    ben = Person.objects.get(name="Ben Walsh")
    andrea = Person.objects.get(name="Andrea Reyes")
    replaced = _client(lead).post(f"/apps/ordering-portal/path/levels/{level.pk}/edit/",
                                  _level_data(level, primary=ben.pk, after_hours_cover=andrea.pk))
    assert replaced.status_code == 302
    level.refresh_from_db()
    assert (level.primary, level.stale_since, level.stale_reason) == (ben, None, "")
    assert "Stale since" not in _client(analyst).get("/apps/ordering-portal/path/").content.decode()


def test_a_leaver_is_never_called(path: Path, analyst: User) -> None:
    person_mark_left(person=path.desk.primary, left_on=NOW.date() - timedelta(days=1))

    page = _client(analyst).get("/call/", {"application": "ordering-portal", "symptom": "password reset"})

    plan = page.context["result"].plan
    assert plan.person.name == "Tom Rees"
    assert plan.reason.startswith("backup: primary has left on")
    assert "Tom Rees" in page.content.decode()


def test_a_path_naming_someone_who_left_weeks_ago_is_stale(analyst: User) -> None:
    sam = PersonFactory(name="Sam Fletcher")
    pricing = EscalationLevelFactory(application__slug="pricing-service", position=2, primary=sam, backup=None,
                                     how_to_reach="Message Sam.")
    person_mark_left(person=sam, left_on=NOW.date() - timedelta(days=20))

    pricing.refresh_from_db()
    assert pricing.stale_since is not None
    assert pricing.stale_reason == "Sam Fletcher (primary) left on 15 May 2025"
    assert "Sam Fletcher (primary) left on 15 May 2025" in \
        _client(analyst).get("/apps/pricing-service/path/").content.decode()


def test_a_leaving_date_ahead_marks_the_path_stale_now(path: Path) -> None:
    person_mark_left(person=path.erp.primary, left_on=NOW.date() + timedelta(days=10))

    level = EscalationLevel.objects.get(pk=path.erp.pk)
    assert level.stale_reason.startswith("Raj Patel (primary) leaves on")
    # Until then he is still called in his hours.
    assert level.primary.reachability_at(NOW).in_hours
