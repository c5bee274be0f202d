"""iCalendar in and out: a person's leave read from an .ics file, and each user's feed of dates.

Import: every event of the file (recurring ones expanded with recurring-ical-events, each in its
own timezone) becomes whole days of leave on the person's own clock, keyed by the event's UID and
the occurrence's start, so importing the same file again changes nothing and an edited event
updates its days. `leave_import_plan` reads and says what an import would do without writing;
services.calendars.leave_import writes exactly that plan, all or nothing.

Feed: `feed_calendar` builds the RFC 5545 calendar of the applications a user belongs to:
go-live dates, hypercare windows and their planned-end decisions, coverage gaps of the next
14 days and stand-ins (built with `icalendar`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import icalendar
import recurring_ical_events
from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from readiness.coverage import GAP_DAYS, coverage_gaps
from readiness.directory import levels_with_people
from readiness.models import Application, EscalationLevel, Hypercare, Leave, Person, StandIn
from readiness.validators import DATE_MAX, DATE_MIN, one_line

MAX_ICS_BYTES = 1_000_000
# Occurrences are read from a year back to two years ahead: leave further out is not useful yet,
# and an endless RRULE must not be expanded for ever.
PAST_DAYS, FUTURE_DAYS = 365, 2 * 365
MAX_OCCURRENCES = 2_000


class CalendarProblem(ValueError):
    """The file cannot be imported; the message says why (with a line number where known)."""


@dataclass(frozen=True)
class LeaveDays:
    source_uid: str
    starts_on: date
    ends_on: date
    note: str


@dataclass
class LeavePlan:
    """What an import would do: new leave, leave whose days or note change, leave left as it is."""

    person: Person
    create: list[LeaveDays] = field(default_factory=list)
    update: list[tuple[Leave, LeaveDays]] = field(default_factory=list)
    unchanged: list[Leave] = field(default_factory=list)
    fingerprint: str = ""

    @property
    def writes(self) -> int:
        return len(self.create) + len(self.update)


def _local_date(value: date | datetime, zone: Any, *, end: bool) -> date:
    """A DTSTART/DTEND on the person's clock; an end is exclusive, so it is the day before it."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=zone)  # floating time: their own clock
        local = moment.astimezone(zone)
        if end:
            local -= timedelta(microseconds=1)
        return local.date()
    return value - timedelta(days=1) if end else value


def _line_of(text: str, uid: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("UID") and uid in line:
            return number
    return 0


def read_leave(text: str, person: Person, *, today: date | None = None) -> list[LeaveDays]:
    """Every occurrence in the file as days of leave of `person`, or CalendarProblem."""
    if len(text.encode()) > MAX_ICS_BYTES:
        raise CalendarProblem("The file is over 1 MB: export a shorter period.")
    if "\x00" in text:
        raise CalendarProblem("The file holds a NUL character: it is not an iCalendar file.")
    try:
        calendar = icalendar.Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError) as error:
        raise CalendarProblem(f"This is not an iCalendar file: {error}") from error
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise CalendarProblem("This is not an iCalendar file: it has no VCALENDAR.")
    today = today or timezone.localdate()
    window = (today - timedelta(days=PAST_DAYS), today + timedelta(days=FUTURE_DAYS))
    zone = person.zone
    try:
        occurrences = list(recurring_ical_events.of(calendar).between(*window))
    except Exception as error:  # the library raises many kinds for a broken RRULE or TZID
        raise CalendarProblem(f"An event's dates or repeat rule cannot be read: {error}") from error
    if len(occurrences) > MAX_OCCURRENCES:
        raise CalendarProblem(f"The file repeats into more than {MAX_OCCURRENCES} days of leave in three years.")
    found: dict[str, LeaveDays] = {}
    for event in occurrences:
        if event.name != "VEVENT" or str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        uid = str(event.get("UID", "")).strip()
        start = event.decoded("DTSTART") if "DTSTART" in event else None
        if not uid or start is None:
            raise CalendarProblem(f"An event (line {_line_of(text, uid)}) has no UID or no start." if uid
                                  else "An event has no UID: Handoff could not find it again on the next import.")
        if "DTEND" in event:
            end = event.decoded("DTEND")
        elif "DURATION" in event:
            end = start + event.decoded("DURATION")
        else:  # RFC 5545: a date lasts that day; a moment, no time at all
            end = start if isinstance(start, datetime) else start + timedelta(days=1)
        starts_on = _local_date(start, zone, end=False)
        ends_on = max(starts_on, _local_date(end, zone, end=True))
        if not (DATE_MIN <= starts_on and ends_on <= DATE_MAX):
            raise CalendarProblem(f"The event on line {_line_of(text, uid)} is outside the years 2000–2100.")
        key = f"{uid[:150]}@{start.isoformat() if isinstance(start, datetime) else start.isoformat()}"
        summary = one_line(str(event.get("SUMMARY", "")))[:200]
        found[key] = LeaveDays(source_uid=key, starts_on=starts_on, ends_on=ends_on, note=summary)
    return sorted(found.values(), key=lambda days: (days.starts_on, days.source_uid))


def leave_import_plan(text: str, person: Person, *, today: date | None = None) -> LeavePlan:
    """What importing `text` as `person`'s leave would do. Reads, never writes."""
    wanted = read_leave(text, person, today=today)
    existing = {leave.source_uid: leave for leave in Leave.objects.filter(person=person).exclude(source_uid="")}
    plan = LeavePlan(person=person)
    for days in wanted:
        leave = existing.get(days.source_uid)
        if leave is None:
            plan.create.append(days)
        elif (leave.starts_on, leave.ends_on, leave.note) != (days.starts_on, days.ends_on, days.note):
            plan.update.append((leave, days))
        else:
            plan.unchanged.append(leave)
    # The file and what it would do to the leave as it stands: a confirm after someone changed the
    # person's imported leave meanwhile finds another fingerprint and writes nothing.
    done = [("create", d.source_uid, d) for d in plan.create] + [("update", d.source_uid, d) for _, d in plan.update]
    plan.fingerprint = hashlib.sha256(repr((text, done, [leave.pk for leave in plan.unchanged])).encode()).hexdigest()
    return plan


# --- the feed ------------------------------------------------------------------------------------


def _event(uid: str, summary: str, start: date | datetime, end: date | datetime, description: str = "",
           url: str = "") -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{uid}@handoff")
    event.add("dtstamp", datetime.now(UTC))
    event.add("summary", summary)
    event.add("dtstart", start)
    event.add("dtend", end)
    if description:
        event.add("description", description)
    if url:
        event.add("url", url)
    return event


def applications_of(user: Any) -> list[Application]:
    """The applications a user belongs to (lead, owner, support lead or member), by name."""
    return list(Application.objects.filter(
        Q(delivery_lead=user) | Q(business_owner=user) | Q(support_lead=user) | Q(members=user)
    ).distinct().order_by("name"))


def feed_calendar(user: Any, *, now: datetime | None = None) -> icalendar.Calendar:
    now = now or timezone.now()
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Handoff//Go-live calendar//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Handoff")
    applications = applications_of(user)
    site = settings.SITE_URL
    for app in applications:
        url = f"{site}{app.get_absolute_url()}"
        if app.go_live_date:
            calendar.add_component(_event(f"go-live-{app.pk}", f"{app.name} goes live", app.go_live_date,
                                          app.go_live_date + timedelta(days=1), url=url))
    by_pk = {app.pk: app for app in applications}
    for plan in Hypercare.objects.filter(application_id__in=by_pk).order_by("application_id"):
        app = by_pk[plan.application_id]
        calendar.add_component(_event(f"hypercare-{plan.pk}", f"{app.name}: hypercare", plan.starts_on,
                                      plan.planned_end_on + timedelta(days=1), url=url_of(app, "hypercare")))
        calendar.add_component(_event(
            f"hypercare-end-{plan.pk}", f"{app.name}: hypercare planned end: extend or sign off",
            plan.planned_end_on, plan.planned_end_on + timedelta(days=1), url=url_of(app, "hypercare")))
    levels = levels_with_people(EscalationLevel.objects.filter(application_id__in=by_pk).order_by(
        "application_id", "position"), now)
    for level in levels:
        app = by_pk[level.application_id]
        for gap in coverage_gaps(level, now, days=GAP_DAYS):
            calendar.add_component(_event(
                f"gap-{level.pk}-{int(gap.start.timestamp())}", f"{app.name}: coverage gap on {level.name}",
                gap.start, gap.end, description=gap.reason, url=url_of(app, "path")))
    for standin in StandIn.objects.filter(level__application_id__in=by_pk, ends_at__gt=now).select_related(
            "person", "level").order_by("starts_at"):
        app = by_pk[standin.level.application_id]
        calendar.add_component(_event(
            f"standin-{standin.pk}", f"{app.name}: {standin.person.name} stands in on {standin.level.name}",
            standin.starts_at, standin.ends_at, description=standin.reason, url=url_of(app, "path")))
    return calendar


def url_of(app: Application, page: str) -> str:
    return f"{settings.SITE_URL}{reverse(f'readiness:{page}_detail', args=[app.slug])}"
