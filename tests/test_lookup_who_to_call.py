"""Who do I call, and when is nobody reachable: the call plan and the coverage gaps of a path
built from factories (the ordering portal's service desk with a Manila pager, and its ERP level
of two Sydney office workers with no after-hours cover), across nights, leave and daylight saving."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from readiness.coverage import coverage_gaps, next_reachable
from readiness.lookup import answer, levels_with_people, who_to_call
from readiness.models import Application, Coverage, EscalationLevel, Leave, OwnerRole
from readiness.services.applications import ownership_rules_install_defaults
from readiness.services.people import person_mark_left
from tests.factories import ApplicationFactory, EscalationLevelFactory, LeaveFactory, PersonFactory

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
SYDNEY = ZoneInfo("Australia/Sydney")
UTC = ZoneInfo("UTC")
WEEKDAYS, ALL_DAYS = range(0, 5), range(0, 7)


@dataclass
class Portal:
    application: Application
    desk: EscalationLevel
    erp: EscalationLevel


@pytest.fixture
def portal() -> Portal:
    application = ApplicationFactory(name="Trade Ordering Portal", slug="ordering-portal")
    desk = EscalationLevelFactory(
        application=application, position=1, name="Service desk", coverage=Coverage.AFTER_HOURS,
        primary=PersonFactory(name="Mia Chen", timezone="Australia/Melbourne", hours=(time(8), time(18), WEEKDAYS)),
        backup=PersonFactory(name="Tom Rees", timezone="Australia/Sydney", hours=(time(8, 30), time(17, 30), WEEKDAYS)),
        after_hours_cover=PersonFactory(name="Jomar Santos", timezone="Asia/Manila",
                                        hours=(time(16), time(23, 59), ALL_DAYS)))
    erp = EscalationLevelFactory(
        application=application, position=3, name="ERP integration", coverage=Coverage.BUSINESS_HOURS,
        primary=PersonFactory(name="Raj Patel", timezone="Australia/Sydney", hours=(time(8), time(16, 30), WEEKDAYS)),
        backup=PersonFactory(name="Grace O'Neill", timezone="Australia/Sydney", hours=(time(9), time(17), WEEKDAYS)),
        after_hours_cover=None)
    ownership_rules_install_defaults(application=application,
                                     levels_by_role={OwnerRole.SUPPORT: desk, OwnerRole.ENGINEERING: erp})
    return Portal(application, desk, erp)


def _service_desk(portal: Portal) -> EscalationLevel:
    return EscalationLevel.objects.select_related("primary", "backup", "after_hours_cover").get(pk=portal.desk.pk)


def test_login_failure_at_two_am_melbourne_goes_to_the_after_hours_cover(portal: Portal) -> None:
    at = datetime(2025, 6, 2, 2, 0, tzinfo=MELBOURNE)  # a Monday

    result = answer(at=at, application=portal.application, symptom="login failure")

    assert result.rule.name == "Access, login and permissions"
    assert result.plan.person.name == "Jomar Santos"
    assert result.plan.role == "after-hours cover"
    assert result.plan.reason.startswith("after-hours cover: primary outside hours (02:00 Mon in Australia/Melbourne)")
    assert f"{result.plan.local_time:%H:%M %Z}" == "00:00 PST"  # Manila, where Jomar holds the pager
    assert [c.person.name for c in result.plan.fallback] == ["Mia Chen", "Tom Rees"]


def test_primary_in_working_hours_is_called_first(portal: Portal) -> None:
    plan = who_to_call(_service_desk(portal), datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE))

    assert plan.person.name == "Mia Chen"
    assert plan.reason == "primary, in working hours"
    assert [c.person.name for c in plan.fallback] == ["Tom Rees", "Jomar Santos"]


def test_primary_on_leave_in_business_hours_goes_to_the_backup(portal: Portal) -> None:
    Leave.objects.create(person=portal.desk.primary, starts_on=date(2025, 6, 2), ends_on=date(2025, 6, 6))

    plan = who_to_call(_service_desk(portal), datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE))

    assert plan.person.name == "Tom Rees"
    assert plan.reason == "backup: primary on leave until Fri 06 Jun"


def test_primary_who_left_is_never_called(portal: Portal) -> None:
    sam = PersonFactory(name="Sam Fletcher", timezone="Australia/Melbourne")
    level = EscalationLevelFactory(application__slug="pricing-service", position=2, name="Pricing engineering",
                                   primary=sam, backup=None, how_to_reach="Message Sam.")
    person_mark_left(person=sam, left_on=date(2025, 5, 12))

    plan = who_to_call(level, datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE))

    assert plan.person is None
    assert "primary has left on" in plan.reason
    assert "no after-hours cover" in plan.reason


@pytest.mark.parametrize(
    ("utc_now", "expected", "local"),
    [
        # Melbourne daylight saving ends on Sunday 6 April 2025: the same UTC clock is 08:30 on
        # the Friday before (AEDT, +11) and 07:30 on the Monday after (AEST, +10).
        (datetime(2025, 4, 3, 21, 30, tzinfo=UTC), "Mia Chen", "08:30 Fri"),
        (datetime(2025, 4, 6, 21, 30, tzinfo=UTC), "Jomar Santos", "07:30 Mon"),
        # It starts again on Sunday 5 October 2025: 07:30 on Friday (+10), 08:30 on Monday (+11).
        (datetime(2025, 10, 2, 21, 30, tzinfo=UTC), "Jomar Santos", "07:30 Fri"),
        (datetime(2025, 10, 5, 21, 30, tzinfo=UTC), "Mia Chen", "08:30 Mon"),
    ],
)
def test_who_to_call_follows_melbourne_daylight_saving(portal: Portal, utc_now, expected, local) -> None:
    with time_machine.travel(utc_now, tick=False):
        plan = answer(at=timezone.now(), application=portal.application, symptom="login failure").plan

    assert plan.person.name == expected
    assert f"{plan.at.astimezone(MELBOURNE):%H:%M %a}" == local
    if expected == "Jomar Santos":
        assert f"primary outside hours ({local} in Australia/Melbourne)" in plan.reason


def _erp_promising_after_hours(portal: Portal) -> EscalationLevel:
    """The ERP level promising after-hours cover it does not have: its nights and weekends are gaps
    (as a business-hours level, they are time it never promised)."""
    erp = portal.erp
    erp.coverage = Coverage.AFTER_HOURS
    erp.save()
    return erp


def test_coverage_gap_over_the_daylight_saving_weekend_lasts_an_hour_longer(portal: Portal) -> None:
    erp = _erp_promising_after_hours(portal)
    start = datetime(2025, 4, 4, 12, 0, tzinfo=SYDNEY)  # Friday; clocks go back on Sunday

    gaps = coverage_gaps(erp, start, days=3)

    weekend = next(g for g in gaps if g.start.astimezone(SYDNEY).weekday() == 4)
    assert weekend.start == datetime(2025, 4, 4, 17, 0, tzinfo=SYDNEY)
    assert weekend.end == datetime(2025, 4, 7, 8, 0, tzinfo=SYDNEY)
    assert weekend.end - weekend.start == timedelta(hours=64)  # 63 hours of clock, plus the repeated hour


def test_the_erp_level_has_nightly_and_weekend_gaps_with_the_reason(portal: Portal) -> None:
    erp = _erp_promising_after_hours(portal)
    start = datetime(2025, 6, 2, 0, 0, tzinfo=SYDNEY)  # Monday

    gaps = coverage_gaps(erp, start, days=7)

    first = gaps[0]
    assert (first.start, first.end) == (start, datetime(2025, 6, 2, 8, 0, tzinfo=SYDNEY))
    assert first.reason == (
        "primary Raj Patel outside working hours; backup Grace O'Neill outside working hours; no after-hours cover"
    )
    # Mon–Thu evenings, then Friday 17:00 to the end of the window on Sunday night.
    assert [(g.start.astimezone(SYDNEY).strftime("%a %H:%M"), g.end.astimezone(SYDNEY).strftime("%a %H:%M"))
            for g in gaps[1:]] == [
        ("Mon 17:00", "Tue 08:00"),
        ("Tue 17:00", "Wed 08:00"),
        ("Wed 17:00", "Thu 08:00"),
        ("Thu 17:00", "Fri 08:00"),
        ("Fri 17:00", "Mon 00:00"),
    ]


def test_service_desk_with_manila_pager_has_no_gap(portal: Portal) -> None:
    assert coverage_gaps(_service_desk(portal), datetime(2025, 6, 2, 0, 0, tzinfo=MELBOURNE)) == []


def test_leave_of_everyone_shows_as_a_gap_with_on_leave(portal: Portal) -> None:
    level = _service_desk(portal)
    for person in (level.primary, level.backup, level.after_hours_cover):
        Leave.objects.create(person=person, starts_on=date(2025, 6, 4), ends_on=date(2025, 6, 4))
    level = _service_desk(portal)

    gaps = coverage_gaps(level, datetime(2025, 6, 2, 0, 0, tzinfo=MELBOURNE))

    assert len(gaps) == 1
    assert "primary Mia Chen on leave" in gaps[0].reason
    assert "after-hours cover Jomar Santos on leave" in gaps[0].reason
    # Manila is two hours behind Melbourne: Jomar's leave day ends at 02:00 Thursday in Melbourne.
    assert gaps[0].end == datetime(2025, 6, 5, 2, 0, tzinfo=MELBOURNE)


def test_next_reachable_is_where_the_coverage_gap_that_holds_the_moment_ends(portal: Portal) -> None:
    # The cheap search the call plan uses against the full gap list the path page draws, hour by
    # hour over a week that crosses nights, a weekend and people's leave.
    # Levels promising every hour: the gaps of a business-hours level leave its nights out.
    _erp_promising_after_hours(portal)
    perth_office_hours_only = EscalationLevelFactory(application=portal.application, position=2, backup=None,
                                                     primary=PersonFactory(timezone="Australia/Perth"),
                                                     coverage=Coverage.AFTER_HOURS, after_hours_cover=None)
    LeaveFactory(person=portal.desk.after_hours_cover, starts_on=date(2025, 6, 8), ends_on=date(2025, 6, 9))
    LeaveFactory(person=perth_office_hours_only.primary, starts_on=date(2025, 6, 10), ends_on=date(2025, 6, 10))
    levels = levels_with_people(EscalationLevel.objects.order_by("application", "position"))
    start = datetime(2025, 6, 6, 0, 0, tzinfo=UTC)
    checked = found = 0
    for level in levels:
        for hour in range(0, 24 * 7, 5):
            at = start + timedelta(hours=hour)
            gap = next((g for g in coverage_gaps(level, at) if g.start <= at < g.end), None)
            expected = gap.end if gap and gap.end < at + timedelta(days=14) else None
            assert next_reachable(level, at) == expected, (level, at)
            checked += 1
            found += expected is not None
    assert checked > 100 and found > 5  # gaps were really crossed, not only covered hours


def test_the_page_shows_each_persons_own_clock(portal: Portal, client, analyst) -> None:
    # 02:00 Monday in Melbourne is midnight in Manila, where the after-hours cover lives.
    client.force_login(analyst)
    html = client.get("/call/", {"application": "ordering-portal", "symptom": "customer cannot log in",
                                 "at": "2025-06-02T02:00"}).content.decode()

    assert "Their local time: <strong>00:00 Mon 2 Jun</strong> (Asia/Manila)" in html
    assert "Mia Chen (primary) — outside hours (02:00 Mon in Australia/Melbourne), 02:00 Mon their time" in html
