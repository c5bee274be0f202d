"""The next days of a level as the path page draws them: what it promises, who covers when, the
gaps; and the days off ahead (public holidays) of the people on a path, for the path page and
the ownership sheet. Pure functions over rows already fetched, built on readiness.coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from readiness.coverage import (
    AFTER_HOURS,
    GAP_DAYS,
    ROLE_FIELDS,
    UTC,
    Gap,
    Interval,
    _local_days,
    level_roles,
    promised_intervals,
    role_holders,
)
from readiness.models.escalation import EscalationLevel
from readiness.models.people import Person
from readiness.models.standins import level_standins


@dataclass(frozen=True)
class Span:
    """A stretch of one day on the level's clock, with where it sits on a 24-hour bar (percent)."""

    start: datetime
    end: datetime
    left: float
    width: float
    who: str = ""

    @property
    def label(self) -> str:
        end = "24:00" if self.end.time() == time(0) and self.end.date() > self.start.date() else f"{self.end:%H:%M}"
        return f"{self.start:%H:%M}–{end}"


@dataclass(frozen=True)
class TimelineDay:
    """One day on the level's clock: what it promises, who can be reached when, the gaps."""

    day: date
    promised: list[Span]
    cover: list[Span]
    gaps: list[Span]


def _spans(intervals: list[Interval], opens: datetime, closes: datetime, zone: ZoneInfo, who: str = "") -> list[Span]:
    # Percentages of the real day: a daylight-saving day is 23 or 25 hours long.
    length = (closes - opens).total_seconds()
    spans = []
    for start, end in sorted(intervals):
        start, end = max(start, opens), min(end, closes)
        if start < end:
            spans.append(Span(start.astimezone(zone), end.astimezone(zone),
                              round((start - opens).total_seconds() / length * 100, 2),
                              round((end - start).total_seconds() / length * 100, 2), who))
    return spans


def _merged(intervals: list[Interval]) -> list[Interval]:
    result: list[Interval] = []
    for start, end in sorted(intervals):
        if result and start <= result[-1][1]:
            result[-1] = (result[-1][0], max(result[-1][1], end))
        else:
            result.append((start, end))
    return result


def level_timeline(level: EscalationLevel, now: datetime, gaps: list[Gap], days: int = GAP_DAYS) -> list[TimelineDay]:
    """Each day from today on the level's clock: promised time, who can be reached, the gaps."""
    zone = ZoneInfo(level.coverage_timezone)
    first = now.astimezone(zone).date()
    start = datetime.combine(first, time(0), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(first + timedelta(days=days), time(0), tzinfo=zone).astimezone(UTC)
    promised = promised_intervals(level, start, end)
    reachable = [(f"{h.person.name} ({h.role}{', stand-in' if h.standin else ''})", _merged(h.intervals))
                 for h in role_holders(level, start, end)]
    holes = [(gap.start, gap.end) for gap in gaps]
    result = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        opens = datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
        result.append(TimelineDay(
            day=day,
            promised=_spans(promised, opens, closes, zone),
            cover=[span for who, intervals in reachable for span in _spans(intervals, opens, closes, zone, who)],
            gaps=_spans(holes, opens, closes, zone),
        ))
    return result


@dataclass(frozen=True)
class DayOff:
    """A day someone on a path would work but keeps a public holiday, on their own calendar."""

    day: date
    person: Person
    role: str
    level: EscalationLevel
    reason: str


def days_off_ahead(levels: list[EscalationLevel], now: datetime, days: int = GAP_DAYS) -> list[DayOff]:
    """Public holidays in the next `days` of everyone a level calls in their working hours (the
    pager is carried on a holiday too), on days their hours say they work; a stand-in's within
    their period."""
    end = now + timedelta(days=days)
    found = []
    for level in levels:
        holders = [(role, person, now, end) for role, person in level_roles(level)]
        holders += [(f"{role} stand-in", s.person, max(now, s.starts_at), min(end, s.ends_at))
                    for role, field in ROLE_FIELDS.items() for s in level_standins(level)
                    if s.role == field and s.ends_at > now and s.starts_at < end]
        for role, person, start, stop in holders:
            if role.startswith(AFTER_HOURS):
                continue
            weekdays = {hours.weekday for hours in person.working_hours_list()}
            for day, _, _ in _local_days(person, start, stop):
                reason = person.day_off(day) if day.weekday() in weekdays and not person.has_left(day) else None
                if reason is not None:
                    found.append(DayOff(day, person, role, level, reason))
    return sorted(found, key=lambda off: (off.day, off.level.position, off.person.name))
