"""Coverage: working hours, leave, the one reachability rule, who is reachable at a moment,
coverage gaps and the next reachable moment. Pure functions over rows already fetched.

Whom to call (`who_to_call`, the answer) is built on these in readiness.lookup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from readiness.models.escalation import Coverage, EscalationLevel
from readiness.models.people import Availability, Person, Reachability

UTC = ZoneInfo("UTC")
# How far ahead coverage gaps are looked for, on the path page and in gate 4.
GAP_DAYS = 14
PRIMARY, BACKUP, AFTER_HOURS = "primary", "backup", "after-hours cover"


# --- who is reachable -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One person on a level, in one role, judged at one moment."""

    person: Person
    role: str
    reachability: Reachability
    reachable: bool

    @property
    def status(self) -> str:
        if self.reachable:
            if self.role == AFTER_HOURS and not self.reachability.in_hours:
                return "can be paged"
            return "reachable now"
        return why_not(self.reachability)

    @property
    def local_time(self) -> datetime:
        return self.reachability.local_time

    @property
    def local_label(self) -> str:
        return clock_label(self.local_time)


def clock_label(local: datetime, *, with_date: bool = False) -> str:
    """"14:05 Sun" (or "14:05 Sun 22 Nov") on the person's own clock: `local` is already in their
    zone. Formatted here, not by template filters: the call plan shows a dozen of them."""
    label = f"{local:%H:%M} {_DAYS[local.weekday()]}"
    return f"{label} {local.day} {_MONTHS[local.month - 1]}" if with_date else label


# English names whatever the process locale (strftime's %a and %b follow it).
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def why_not(reachability: Reachability) -> str:
    """Why someone cannot take a call now, in the words the answer and the path page show."""
    if reachability.availability == Availability.OUTSIDE_HOURS:
        return f"outside hours ({reachability.detail})"
    if reachability.availability == Availability.LEFT:
        return f"has {reachability.detail}"
    return reachability.detail  # "on leave until Fri 12 Apr"


def _reachable(level: EscalationLevel, role: str, reachability: Reachability) -> bool:
    # The after-hours cover carries the pager; on a 24×7 level everyone does.
    if role == AFTER_HOURS or level.coverage == Coverage.ALWAYS:
        return reachability.can_be_paged
    return reachability.in_hours


def level_roles(level: EscalationLevel) -> list[tuple[str, Person]]:
    """The people of a level in the order they are tried."""
    roles: list[tuple[str, Person]] = [(PRIMARY, level.primary)]
    if level.backup is not None:
        roles.append((BACKUP, level.backup))
    if level.after_hours_cover is not None:
        roles.append((AFTER_HOURS, level.after_hours_cover))
    return roles


def candidates_at(level: EscalationLevel, at: datetime) -> list[Candidate]:
    result = []
    for role, person in level_roles(level):
        reachability = person.reachability_at(at)
        result.append(Candidate(person, role, reachability, _reachable(level, role, reachability)))
    return result


# --- coverage gaps -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """An interval in which nobody on a level can be reached, and why. Times are in UTC."""

    start: datetime
    end: datetime
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def _coarse_reason(candidate: Candidate) -> str:
    # Coarse on purpose (no clock times), so that consecutive slices of one gap merge.
    state = {
        Availability.OUTSIDE_HOURS: "outside working hours",
        Availability.ON_LEAVE: "on leave",
        Availability.LEFT: "has left",
    }.get(candidate.reachability.availability, "unavailable")
    return f"{candidate.role} {candidate.person.name} {state}"


def _local_days(person: Person, start: datetime, end: datetime) -> list[tuple[date, datetime, datetime]]:
    """Each of the person's local days touching [start, end): the day, its start and end in UTC."""
    zone = person.zone
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    days = []
    while day <= last:
        following = day + timedelta(days=1)
        days.append((
            day,
            datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC),
        ))
        day = following
    return days


def _reachable_intervals(
    level: EscalationLevel, role: str, person: Person, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """When `person` can be reached in `role`, as UTC intervals; the same rules as `_reachable`.

    Built day by day on the person's own calendar, in UTC: aware datetimes sharing a zone
    compare and subtract by wall clock, which is wrong across a daylight-saving change.
    """
    pageable = role == AFTER_HOURS or level.coverage == Coverage.ALWAYS
    hours_by_day: dict[int, list[Any]] = {}
    for hours in person.working_hours_list():
        hours_by_day.setdefault(hours.weekday, []).append(hours)
    intervals = []
    for day, day_start, day_end in _local_days(person, start, end):
        if person.has_left(day) or person.leave_on(day) is not None:
            continue
        if pageable:
            intervals.append((day_start, day_end))
            continue
        for hours in hours_by_day.get(day.weekday(), []):
            opens = datetime.combine(day, hours.starts_at, tzinfo=person.zone).astimezone(UTC)
            closes = day_end if hours.until_midnight else datetime.combine(
                day, hours.ends_at, tzinfo=person.zone
            ).astimezone(UTC)
            intervals.append((opens, closes))
    return intervals


def _level_intervals(level: EscalationLevel, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """When anyone on the level can be reached, in the role they hold there, as UTC intervals."""
    return [
        interval
        for role, person in level_roles(level)
        for interval in _reachable_intervals(level, role, person, start, end)
    ]


def next_reachable(level: EscalationLevel, at: datetime, days: int = GAP_DAYS) -> datetime | None:
    """The first moment within `days` after `at` when someone on the level can be reached again.

    The end of the coverage gap `at` falls in (see `coverage_gaps`), without working out every
    gap and its reasons: None when no gap holds `at` or the gap lasts past the window. The next
    day is looked at first, as someone is usually back by then, then three (a weekend), and the
    whole window only if nobody is back by then.
    """
    start = at.astimezone(UTC)
    for window in sorted({min(1, days), min(3, days), days}):
        end = start + timedelta(days=window)
        # Every interval that opens before `end` is among these (local days touching the window).
        intervals = [interval for interval in _level_intervals(level, start, end) if interval[1] > start]
        if any(opens <= start for opens, _ in intervals):
            return None
        first = min((opens for opens, _ in intervals), default=None)
        if first is not None and first < end:
            return first
    return None


def coverage_gaps(level: EscalationLevel, start: datetime, days: int = GAP_DAYS) -> list[Gap]:
    """Intervals in [start, start + days) in which nobody on the level can be reached, merged, with why."""
    start = start.astimezone(UTC)
    end = start + timedelta(days=days)
    covered = sorted(_level_intervals(level, start, end))
    holes = []
    cursor = start
    for opens, closes in covered:
        if closes <= cursor:
            continue
        if opens > cursor:
            holes.append((cursor, min(opens, end)))
        cursor = max(cursor, closes)
        if cursor >= end:
            break
    if cursor < end:
        holes.append((cursor, end))
    return [Gap(s, e, _gap_reasons(level, s, e)) for s, e in holes if s < e]


def _gap_reasons(level: EscalationLevel, start: datetime, end: datetime) -> tuple[str, ...]:
    # Sampled where a state can change inside the gap: its start and each local midnight.
    moments = {start}
    for _, person in level_roles(level):
        moments |= {day_start for _, day_start, _ in _local_days(person, start, end) if start < day_start < end}
    reasons = [_coarse_reason(c) for moment in sorted(moments) for c in candidates_at(level, moment)]
    if not level.after_hours_cover_id:
        reasons.append("no after-hours cover")
    return tuple(dict.fromkeys(reasons))
