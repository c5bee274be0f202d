"""Coverage: working hours, leave, the one reachability rule, who is reachable at a moment,
what a level promises, coverage gaps (promised time with nobody reachable) and the next
reachable moment. A stand-in in force (readiness.models.standins) takes the place of the role's
holder for its period. Pure functions over rows already fetched.

Whom to call (`who_to_call`, the answer) is built on these in readiness.lookup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from readiness.models.escalation import Coverage, EscalationLevel
from readiness.models.people import Availability, Person, Reachability
from readiness.models.standins import StandIn, level_standins

UTC = ZoneInfo("UTC")
# How far ahead coverage gaps are looked for, on the path page and in gate 4.
GAP_DAYS = 14
PRIMARY, BACKUP, AFTER_HOURS = "primary", "backup", "after-hours cover"
# The level's field holding each role, which is also the role a stand-in covers (StandInRole).
ROLE_FIELDS = {PRIMARY: "primary", BACKUP: "backup", AFTER_HOURS: "after_hours_cover"}
Interval = tuple[datetime, datetime]


# --- who is reachable -------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One person on a level, in one role, judged at one moment."""

    person: Person
    role: str
    reachability: Reachability
    reachable: bool
    # Set when `person` stands in for the role's holder at that moment.
    standin: StandIn | None = None

    @property
    def standin_label(self) -> str:
        """"Stand-in for Ben Walsh until Fri 12 Dec: Ben on leave", or empty."""
        return standin_label(self.standin) if self.standin is not None else ""

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


def standin_at(level: EscalationLevel, role: str, at: datetime) -> StandIn | None:
    field = ROLE_FIELDS[role]
    return next((s for s in level_standins(level) if s.role == field and s.active_at(at)), None)


def standin_label(standin: StandIn) -> str:
    covered = standin.covered
    until = clock_label(standin.ends_at.astimezone(standin.person.zone), with_date=True)
    return f"Stand-in for {covered.name if covered else 'the ' + standin.get_role_display().lower()} " \
           f"until {until}: {standin.reason}"


def candidates_at(level: EscalationLevel, at: datetime) -> list[Candidate]:
    """The people of the level at `at`, in the order they are tried; a stand-in in force takes
    the place of the role's holder, judged on their own calendar."""
    result = []
    for role, holder in level_roles(level):
        standin = standin_at(level, role, at)
        person = standin.person if standin is not None else holder
        reachability = person.reachability_at(at)
        result.append(Candidate(person, role, reachability, _reachable(level, role, reachability), standin))
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


def _coarse_reason(candidate: Candidate) -> str:
    # Coarse on purpose (no clock times), so that consecutive slices of one gap merge.
    state = {
        Availability.OUTSIDE_HOURS: "outside working hours",
        Availability.ON_LEAVE: "on leave",
        Availability.LEFT: "has left",
        Availability.HOLIDAY: candidate.reachability.detail,  # "public holiday in Victoria: …"
    }.get(candidate.reachability.availability, "unavailable")
    standing_in = " (stand-in)" if candidate.standin is not None else ""
    return f"{candidate.role} {candidate.person.name}{standing_in} {state}"


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
    compare and subtract by wall clock, which is wrong across a daylight-saving change. A
    window belongs to the day it starts (from the day before `start`, for a night shift
    reaching into it); it stops at midnight when the next day is leave or past their leaving.
    """
    zone = person.zone
    pageable = role == AFTER_HOURS or level.coverage == Coverage.ALWAYS
    days = _local_days(person, start - timedelta(days=1), end)
    away = {day: person.has_left(day) or person.leave_on(day) is not None for day, _, _ in days}
    if pageable:
        return [(day_start, day_end) for day, day_start, day_end in days if not away[day]]
    hours_by_day: dict[int, list[Any]] = {}
    for hours in person.working_hours_list():
        hours_by_day.setdefault(hours.weekday, []).append(hours)
    intervals = []
    for day, _, day_end in days:
        windows = hours_by_day.get(day.weekday(), [])
        if not windows or away[day] or person.day_off(day) is not None:
            continue
        following = day + timedelta(days=1)
        stops_at_midnight = away.get(following)
        if stops_at_midnight is None:
            stops_at_midnight = person.has_left(following) or person.leave_on(following) is not None
        for hours in windows:
            opens, closes = hours.window_on(day)
            opens_utc = opens.replace(tzinfo=zone).astimezone(UTC)
            closes_utc = closes.replace(tzinfo=zone).astimezone(UTC)
            if stops_at_midnight:
                closes_utc = min(closes_utc, day_end)
            if opens_utc < closes_utc:
                intervals.append((opens_utc, closes_utc))
    return intervals


def promised_intervals(level: EscalationLevel, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The time in [start, end) the level promises cover, as UTC intervals in order: all of it on
    24×7 or after-hours coverage, else its promised hours on the coverage timezone's clock, on
    weekdays (business hours) or every day (extended hours)."""
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if level.promises_all_day:
        return [(start, end)] if start < end else []
    zone = ZoneInfo(level.coverage_timezone)
    weekdays_only = level.coverage == Coverage.BUSINESS_HOURS
    until_midnight = level.promised_until >= time(23, 59)
    result = []
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    while day <= last:
        if not weekdays_only or day.weekday() < 5:
            opens = datetime.combine(day, level.promised_from, tzinfo=zone).astimezone(UTC)
            closes = datetime.combine(
                day + timedelta(days=1) if until_midnight else day,
                time(0) if until_midnight else level.promised_until, tzinfo=zone,
            ).astimezone(UTC)
            opens, closes = max(opens, start), min(closes, end)
            if opens < closes:
                result.append((opens, closes))
        day += timedelta(days=1)
    return result


@dataclass(frozen=True)
class Holder:
    """Someone holding a role of a level in [start, end), and when they can be reached in it."""

    role: str
    person: Person
    standin: StandIn | None
    intervals: list[Interval]


def role_holders(level: EscalationLevel, start: datetime, end: datetime) -> list[Holder]:
    """Who holds each role in [start, end) and when they can be reached in it: the level's own
    people outside their stand-ins' periods, each stand-in within theirs (on their own hours,
    leave and holidays)."""
    holders = []
    for role, person in level_roles(level):
        covering = [s for s in level_standins(level)
                    if s.role == ROLE_FIELDS[role] and s.starts_at < end and s.ends_at > start]
        own = sorted(_reachable_intervals(level, role, person, start, end))
        periods = [(s.starts_at.astimezone(UTC), s.ends_at.astimezone(UTC)) for s in covering]
        holders.append(Holder(role, person, None, uncovered(own, periods) if periods else own))
        for standin, (starts, ends) in zip(covering, periods, strict=True):
            intervals = [(max(opens, starts), min(closes, ends))
                         for opens, closes in _reachable_intervals(level, role, standin.person, start, end)]
            holders.append(Holder(role, standin.person, standin, [(a, b) for a, b in intervals if a < b]))
    return holders


def _level_intervals(level: EscalationLevel, start: datetime, end: datetime) -> list[Interval]:
    """When anyone on the level can be reached, in the role they hold there, as UTC intervals."""
    return [interval for holder in role_holders(level, start, end) for interval in holder.intervals]


def next_reachable(level: EscalationLevel, at: datetime, days: int = GAP_DAYS) -> datetime | None:
    """The first moment within `days` after `at` when someone on the level can be reached again.

    Whether or not the level promised cover at `at` (a business-hours level at night is no gap,
    yet the answer still says when someone is back): None when someone is reachable at `at` or
    nobody is within the window. The next day is looked at first, as someone is usually back by
    then, then three (a weekend), and the whole window only if nobody is back by then.
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


def uncovered(
    promised: list[tuple[datetime, datetime]], covered: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The parts of the promised intervals (in order) that no covered interval holds, merged."""
    covered = sorted(covered)
    holes: list[tuple[datetime, datetime]] = []
    for promise_start, promise_end in promised:
        cursor = promise_start
        for opens, closes in covered:
            if closes <= cursor:
                continue
            if opens >= promise_end:
                break
            if opens > cursor:
                holes.append((cursor, opens))
            cursor = max(cursor, closes)
            if cursor >= promise_end:
                break
        if cursor < promise_end:
            holes.append((cursor, promise_end))
    merged: list[tuple[datetime, datetime]] = []
    for hole in holes:
        if merged and merged[-1][1] >= hole[0]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hole[1]))
        else:
            merged.append(hole)
    return merged


def coverage_gaps(level: EscalationLevel, start: datetime, days: int = GAP_DAYS) -> list[Gap]:
    """Promised time in [start, start + days) in which nobody on the level can be reached, merged,
    with why. Time the level never promised (a business-hours level at night) is no gap."""
    start = start.astimezone(UTC)
    end = start + timedelta(days=days)
    holes = uncovered(promised_intervals(level, start, end), _level_intervals(level, start, end))
    return [Gap(s, e, _gap_reasons(level, s, e)) for s, e in holes if s < e]


def _gap_reasons(level: EscalationLevel, start: datetime, end: datetime) -> tuple[str, ...]:
    # Sampled where a state can change inside the gap: its start and each local midnight.
    moments = {start}
    people = [person for _, person in level_roles(level)] + [s.person for s in level_standins(level)]
    for person in people:
        moments |= {day_start for _, day_start, _ in _local_days(person, start, end) if start < day_start < end}
    moments |= {edge for s in level_standins(level) for edge in (s.starts_at, s.ends_at) if start < edge < end}
    reasons = [_coarse_reason(c) for moment in sorted(moments) for c in candidates_at(level, moment)]
    if level.coverage == Coverage.AFTER_HOURS and not level.after_hours_cover_id:
        reasons.append("no after-hours cover")
    return tuple(dict.fromkeys(reasons))
