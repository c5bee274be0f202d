"""Coverage as the team promises it: a gap is promised time with nobody reachable. Time a level
never promised (a business-hours level at night, at the weekend) is no gap, on the path page
and in gate 4."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from readiness.coverage import coverage_gaps, promised_intervals
from readiness.gates import verdict_for
from readiness.models import Coverage, GateCode
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 6, 1, 0, 0, tzinfo=MELBOURNE)  # no daylight saving, no public holiday near
WEEKDAYS, ALL_DAYS = range(0, 5), range(0, 7)


def _person(name: str, starts: time, ends: time, days: range = WEEKDAYS, zone: str = "Australia/Melbourne"):
    return factories.PersonFactory(name=name, timezone=zone, hours=(starts, ends, days))


def _level(coverage: str = Coverage.BUSINESS_HOURS, **fields: object):
    fields.setdefault("primary", _person("Mia Chen", time(9), time(17)))
    fields.setdefault("backup", _person("Tom Rees", time(9), time(17), zone="Australia/Sydney"))
    fields.setdefault("after_hours_cover", None)
    return factories.EscalationLevelFactory(position=1, name="ERP integration", coverage=coverage, **fields)


def _local(gaps) -> list[tuple[str, str]]:
    return [(f"{g.start.astimezone(MELBOURNE):%a %H:%M}", f"{g.end.astimezone(MELBOURNE):%a %H:%M}") for g in gaps]


def test_a_business_hours_level_has_no_gap_at_night_or_at_the_weekend() -> None:
    level = _level()

    assert coverage_gaps(level, MONDAY, days=14) == []


def test_a_business_hours_level_has_a_gap_only_in_promised_hours_nobody_works() -> None:
    # Both start at 10:00: the promise starts at 09:00, so each weekday's first hour is a gap.
    level = _level(primary=_person("Mia Chen", time(10), time(17)), backup=_person("Tom Rees", time(10), time(16)))

    gaps = coverage_gaps(level, MONDAY, days=7)

    assert _local(gaps) == [(f"{day} 09:00", f"{day} 10:00") for day in ("Mon", "Tue", "Wed", "Thu", "Fri")]
    assert gaps[0].reason == "primary Mia Chen outside working hours; backup Tom Rees outside working hours"
    assert "no after-hours cover" not in gaps[0].reason


def test_the_promised_hours_are_the_levels_own_on_its_timezones_clock() -> None:
    level = _level(promised_from=time(8), promised_until=time(18), coverage_timezone="Australia/Perth")

    promised = promised_intervals(level, MONDAY, MONDAY + timedelta(days=7))

    perth = ZoneInfo("Australia/Perth")
    assert [(f"{s.astimezone(perth):%a %H:%M}", f"{e.astimezone(perth):%a %H:%M}") for s, e in promised] == [
        (f"{day} 08:00", f"{day} 18:00") for day in ("Mon", "Tue", "Wed", "Thu", "Fri")
    ]
    # 08:00 in Perth is 10:00 in Melbourne: Mia and Tom are there until 17:00 Melbourne = 15:00 Perth.
    assert _local(coverage_gaps(level, MONDAY, days=1)) == [("Mon 17:00", "Mon 20:00")]


def test_extended_hours_promise_every_day_so_the_weekend_is_a_gap() -> None:
    level = _level(Coverage.EXTENDED, promised_from=time(7), promised_until=time(22))

    gaps = coverage_gaps(level, MONDAY, days=7)

    assert ("Mon 07:00", "Mon 09:00") in _local(gaps) and ("Mon 17:00", "Mon 22:00") in _local(gaps)
    assert ("Sat 07:00", "Sat 22:00") in _local(gaps) and ("Sun 07:00", "Sun 22:00") in _local(gaps)
    assert len(gaps) == 5 * 2 + 2


def test_a_24x7_level_has_a_gap_when_everyone_on_it_is_on_leave() -> None:
    level = _level(Coverage.ALWAYS)
    for person in (level.primary, level.backup):
        factories.LeaveFactory(person=person, starts_on=MONDAY.date() + timedelta(days=2),
                               ends_on=MONDAY.date() + timedelta(days=2))

    gaps = coverage_gaps(level, MONDAY, days=7)

    # Wednesday in Melbourne; Tom's Sydney day is the same clock in June.
    assert _local(gaps) == [("Wed 00:00", "Thu 00:00")]
    assert gaps[0].reason == "primary Mia Chen on leave; backup Tom Rees on leave"


def test_after_hours_cover_promises_every_hour() -> None:
    cover = _person("Jomar Santos", time(16), time(23, 59), ALL_DAYS, zone="Asia/Manila")
    level = _level(Coverage.AFTER_HOURS, after_hours_cover=cover)
    factories.LeaveFactory(person=cover, starts_on=MONDAY.date() + timedelta(days=5),
                           ends_on=MONDAY.date() + timedelta(days=5))

    gaps = coverage_gaps(level, MONDAY, days=7)

    # Jomar's Saturday off in Manila (two hours behind): nobody carries the pager.
    assert _local(gaps) == [("Sat 02:00", "Sun 02:00")]
    assert "after-hours cover Jomar Santos on leave" in gaps[0].reason


def _gate_missing(application) -> list[str]:
    result = next(r for r in verdict_for(application).results if r.gate.code == GateCode.ESCALATION_PATH)
    return [missing.text for missing in result.missing]


def test_gate_4_counts_no_gap_outside_promised_hours_and_wants_after_hours_cover_on_the_path() -> None:
    with time_machine.travel(MONDAY + timedelta(hours=10), tick=False):
        business = _level()
        application = business.application

        missing = _gate_missing(application)

        assert not any("coverage gap" in text for text in missing)
        assert not any("has no after-hours cover" in text for text in missing)
        assert "Nobody covers after hours: every level promises business or extended hours only." in missing

        factories.EscalationLevelFactory(
            application=application, position=2, name="Platform", coverage=Coverage.AFTER_HOURS,
            after_hours_cover=_person("Jomar Santos", time(0), time(23, 59), ALL_DAYS, zone="Asia/Manila"))
        missing = _gate_missing(application)

        assert not any("Nobody covers after hours" in text for text in missing)
        assert not any("coverage gap" in text for text in missing)


def test_gate_4_names_a_gap_in_promised_hours() -> None:
    with time_machine.travel(MONDAY + timedelta(hours=10), tick=False):
        level = _level(primary=_person("Mia Chen", time(10), time(17)), backup=_person("Tom Rees", time(10), time(16)))

        missing = _gate_missing(level.application)

    assert ("L1 ERP integration: 10 coverage gaps in the next 14 days, first Tue 02 Jun 09:00–Tue 02 Jun 10:00 "
            "(Australia/Melbourne): primary Mia Chen outside working hours; backup Tom Rees outside working hours."
            ) in missing


def test_the_path_page_says_what_each_level_promises_and_shows_no_gap_for_business_hours(analyst) -> None:
    with time_machine.travel(MONDAY + timedelta(hours=10), tick=False):
        level = _level()
        level.application.members.add(analyst)
        client = Client()
        client.force_login(analyst)

        html = client.get(f"/apps/{level.application.slug}/path/").content.decode()

    assert "Promises Monday to Friday 09:00–17:00 (Australia/Melbourne)" in html
    assert "No coverage gap in the next 14 days" in html
