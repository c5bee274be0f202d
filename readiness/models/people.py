"""People and their calendars: teams, persons, working hours and leave.

Over 400 lines on purpose: a person's reachability (`reachability_at`) reads their working
hours, leave, public holidays and closure days, and those rows are kept beside the person they
describe so the rule and its data are read together; readiness/coverage.py builds on it.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from readiness.chat import validate_chat_webhook
from readiness.public_holidays import public_holiday, region_name, validate_region
from readiness.validators import in_range

from .closures import ClosureDay
from .constraints import unique_ignoring_case


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            "%(value)s is not a known IANA timezone; use a name such as Australia/Melbourne or Asia/Manila.",
            params={"value": value},
        )


class Team(models.Model):
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    is_vendor = models.BooleanField(default=False, help_text="An outside supplier, e.g. the hosting provider.")
    # The default for its people: a person saved with no region of their own takes the team's
    # (copied onto the person, so reachability never needs the team row).
    region = models.CharField(
        max_length=20, blank=True, validators=[validate_region], verbose_name="public holidays",
        help_text="Whose public holidays its people keep unless their own says otherwise, e.g. AU-NSW, IN-KA.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            unique_ignoring_case("team", "name", message="There is already a team with this name."),
        ]

    def __str__(self) -> str:
        return self.name


class Availability(models.TextChoices):
    IN_HOURS = "in_hours", "in working hours"
    OUTSIDE_HOURS = "outside_hours", "outside working hours"
    ON_LEAVE = "on_leave", "on leave"
    LEFT = "left", "has left"
    # Out of hours on a day their working hours would have them in: a public holiday where they work.
    HOLIDAY = "holiday", "on a public holiday"


@dataclass(frozen=True)
class Reachability:
    availability: Availability
    local_time: datetime
    detail: str = ""

    @property
    def in_hours(self) -> bool:
        return self.availability == Availability.IN_HOURS

    @property
    def can_be_paged(self) -> bool:
        """On call: reachable out of hours (a public holiday too), unless on leave or gone."""
        return self.availability in (Availability.IN_HOURS, Availability.OUTSIDE_HOURS, Availability.HOLIDAY)


class ReminderChannel(models.TextChoices):
    EMAIL = "email", "Email"
    CHAT = "chat", "Chat (webhook)"


class ReminderStep(models.TextChoices):
    """Where a person is in a reminder cycle; also the steps a ReminderLog records."""

    DUE = "due", "Reminder (due)"
    NAG = "nag", "Second reminder (after 3 days)"
    FINAL = "final", "Last reminder (after 7 days)"
    ESCALATED = "escalated", "Delivery and support leads told"
    LEFT = "left", "Path owners told the person has left"
    # Not sent: the person's state after escalation, waiting for a confirmation.
    WAITING = "waiting", "Waiting for a confirmation"


class PersonQuerySet(models.QuerySet["Person"]):
    def with_calendar(self) -> PersonQuerySet:
        """Prefetch what reachability needs, so a page asks once for all people."""
        return self.select_related("team").prefetch_related("working_hours", "leaves")

    def current(self) -> PersonQuerySet:
        return self.filter(left_on__isnull=True)

    def due_for_reminder(self, now: datetime) -> PersonQuerySet:
        """People with a reminder step due, oldest first (the sweep's index order)."""
        return self.filter(next_reminder_at__lte=now).order_by("next_reminder_at", "id")


class Person(models.Model):
    """Anyone who can be on an escalation path: staff, vendor contacts, managers.

    A person needs no account; `user` links one when they also sign in to Handoff.
    """

    name = models.CharField(max_length=120)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    chat_handle = models.CharField(max_length=80, blank=True)
    reminder_channel = models.CharField(
        "reminders by", max_length=10, choices=ReminderChannel.choices, default=ReminderChannel.EMAIL)
    chat_webhook = models.URLField(
        "chat webhook", max_length=500, blank=True, validators=[validate_chat_webhook],
        help_text="A Slack or Microsoft Teams incoming-webhook address, for reminders by chat.")
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="people")
    timezone = models.CharField(max_length=64, default="Australia/Melbourne", validators=[validate_timezone])
    # Whose public holidays they keep: a country, and its state where holidays differ (AU-VIC).
    region = models.CharField(
        max_length=20, blank=True, validators=[validate_region], verbose_name="public holidays",
        help_text="Country and state whose public holidays they keep, e.g. AU-VIC, AU-NSW, IN-KA; "
                  "empty for none.",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    left_on = models.DateField(null=True, blank=True, help_text="Set when the person leaves; they get no more calls.")
    # When the person last confirmed the details Handoff holds about them (reminders).
    last_confirmed_at = models.DateTimeField(null=True, blank=True)
    # --- reminder schedule: system state, written with .update() by readiness/services/reminders.py
    # and person_places.py ---
    # The shortest verification period over the paths the person is on (people_schedule_refresh).
    verification_days = models.PositiveSmallIntegerField(default=90)
    # The next moment a reminder step is due; null when none is (has left, or escalated and
    # waiting for a confirmation). Used by the reminder sweep: PersonQuerySet.due_for_reminder,
    # through the readiness_person_due_idx index.
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    # One cycle per verification period; it moves on when the person confirms, which also
    # voids the signed links of the previous cycle (they work once).
    reminder_cycle = models.PositiveIntegerField(default=1)
    reminder_step = models.CharField(max_length=20, choices=ReminderStep.choices, default=ReminderStep.DUE)
    # Set when the last nag went unanswered: the person shows as stale on paths, the lookup and gate 4.
    stale_since = models.DateTimeField(null=True, blank=True)
    # The last reminder email to or about the person that could never go (a header Django
    # refused, an address the mail server rejected), shown to the delivery lead on their pages.
    # The step still moved on; cleared when a later step's emails go or the person confirms.
    reminder_failed_at = models.DateTimeField(null=True, blank=True)
    reminder_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # The reminder schedule is the system's bookkeeping, not details anyone edited.
    history = HistoricalRecords(
        excluded_fields=["verification_days", "next_reminder_at", "reminder_cycle", "reminder_step", "stale_since",
                         "reminder_failed_at", "reminder_error",
                         # A secret: whoever holds it can post to the channel. History is everyone's to read.
                         "chat_webhook"]
    )
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            in_range("person", "left_on"),
            # Mail servers ignore the case of an address: two spellings would be one person.
            unique_ignoring_case("person", "email", message="Someone else already has this email address."),
            models.CheckConstraint(
                condition=~models.Q(reminder_channel=ReminderChannel.CHAT) | ~models.Q(chat_webhook=""),
                name="readiness_person_chat_needs_webhook",
                violation_error_message="Reminders by chat need the chat webhook address.",
            ),
        ]
        indexes = [
            # The reminder sweep walks due people in (next_reminder_at, id) order, chunk by chunk.
            models.Index(fields=["next_reminder_at", "id"], name="readiness_person_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        # A new contact is first asked to confirm one verification period after they were added.
        if self._state.adding and self.next_reminder_at is None and self.left_on is None:
            start = self.last_confirmed_at or timezone.now()
            self.next_reminder_at = start + timedelta(days=self.verification_days)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("readiness:person_detail", args=[self.pk])

    @property
    def reminders_by(self) -> str:
        """How reminders reach them, showing only the host of a chat webhook (the rest is a secret)."""
        if self.reminder_channel == ReminderChannel.CHAT and self.chat_webhook:
            return f"Chat, posted to {urlsplit(self.chat_webhook).hostname}"
        return "Email"

    def clean(self) -> None:
        if self.reminder_channel == ReminderChannel.CHAT and not self.chat_webhook:
            raise ValidationError({"chat_webhook": "Reminders by chat need the chat webhook address."})

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_time(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def has_left(self, on: date) -> bool:
        return self.left_on is not None and self.left_on <= on

    def _calendar(self, name: str) -> Iterable[Any]:
        # Rows loaded by attach_calendars or a prefetch are read as they are: going through the
        # related manager builds a manager and a queryset on every call, and a 14-day coverage
        # check asks hundreds of times. Otherwise, a query as usual.
        loaded = self.__dict__.get("_calendar_rows")
        if loaded is not None:
            return loaded[name]
        prefetched = getattr(self, "_prefetched_objects_cache", {})
        return prefetched[name] if name in prefetched else getattr(self, name).all()

    def working_hours_list(self) -> Iterable[WorkingHours]:
        return self._calendar("working_hours")

    def leave_list(self) -> Iterable[Leave]:
        return self._calendar("leaves")

    def leave_on(self, on: date) -> Leave | None:
        """Their own leave on `on`; an organisation closure is no leave (see `day_off`)."""
        for leave in self._calendar("leaves"):
            if leave.starts_on <= on <= leave.ends_on and leave.closure_id is None:
                return leave
        return None

    def closure_on(self, on: date) -> Leave | None:
        for leave in self._calendar("leaves"):
            if leave.closure_id is not None and leave.starts_on <= on <= leave.ends_on:
                return leave
        return None

    @property
    def region_label(self) -> str:
        return f"{region_name(self.region)} ({self.region})" if self.region else ""

    def day_off(self, on: date) -> str | None:
        """Why `on` is no working day for them although their hours say it is: the organisation
        is closed, or it is a public holiday where they work."""
        closure = self.closure_on(on)
        if closure is not None:
            return f"organisation closed: {closure.note}"
        return public_holiday(self.region, on)

    def working_day_at(self, local: datetime) -> date | None:
        """The day whose working window holds `local` (the day before, for a night shift past
        midnight), or None. Compared on the wall clock, so a shift keeps its hours on the
        night the clocks change."""
        wall = local.replace(tzinfo=None)
        day = wall.date()
        for started in (day, day - timedelta(days=1)):
            weekday = started.weekday()
            for hours in self.working_hours_list():
                if hours.weekday == weekday:
                    opens, closes = hours.window_on(started)
                    if opens <= wall < closes:
                        return started
        return None

    def reachability_at(self, moment: datetime) -> Reachability:
        """Whether this person can take a call at `moment`, judged on their own clock.

        A window belongs to the day it starts: a night shift from a public holiday into the
        next morning is not worked, one from the evening before a holiday is.
        """
        local = self.local_time(moment)
        if self.has_left(local.date()):
            return Reachability(Availability.LEFT, local, f"left on {self.left_on:%d %b %Y}")
        leave = self.leave_on(local.date())
        if leave is not None:
            return Reachability(Availability.ON_LEAVE, local, f"on leave until {leave.ends_on:%a %d %b}")
        started = self.working_day_at(local)
        if started is not None:
            leave = self.leave_on(started)
            if leave is not None:
                return Reachability(Availability.ON_LEAVE, local, f"on leave until {leave.ends_on:%a %d %b}")
            holiday = self.day_off(started)
            if holiday is not None:
                return Reachability(Availability.HOLIDAY, local, holiday)
            return Reachability(Availability.IN_HOURS, local)
        return Reachability(Availability.OUTSIDE_HOURS, local, f"{local:%H:%M %a} in {self.timezone}")


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WorkingHours(models.Model):
    """One working window of a weekday, in the person's own timezone. A day may hold several
    (a split shift); a window ending at or before its start runs past midnight into the next
    day (a night shift 22:00–06:00), and belongs to the day it starts."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        # person_id, not person: ordering by the relation would join people and sort by name
        # on every calendar prefetch (the lookup's slowest query before).
        ordering = ["person_id", "weekday", "starts_at"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(ends_at=models.F("starts_at")), name="readiness_workinghours_not_empty"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="readiness_workinghours_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.label}"

    @property
    def label(self) -> str:
        night = " (next day)" if self.crosses_midnight else ""
        return f"{self.starts_at:%H:%M}–{self.ends_at:%H:%M}{night}"

    @property
    def until_midnight(self) -> bool:
        """A window ending at 23:59 runs to the end of the day, not to one minute before it."""
        return self.ends_at >= time(23, 59)

    @property
    def crosses_midnight(self) -> bool:
        return self.ends_at <= self.starts_at

    def window_on(self, day: date) -> tuple[datetime, datetime]:
        """The window as it falls on `day` (one of its weekday), in wall-clock time, end excluded."""
        opens = datetime.combine(day, self.starts_at)
        if self.crosses_midnight:
            return opens, datetime.combine(day + timedelta(days=1), self.ends_at)
        if self.until_midnight:
            return opens, datetime.combine(day + timedelta(days=1), time(0))
        return opens, datetime.combine(day, self.ends_at)

    def week_minutes(self) -> tuple[int, int]:
        """Start and end in minutes from Monday 00:00; the end may pass Sunday midnight."""
        monday = date(2024, 1, 1)
        opens, closes = self.window_on(monday + timedelta(days=self.weekday))
        origin = datetime.combine(monday, time(0))
        return int((opens - origin).total_seconds() // 60), int((closes - origin).total_seconds() // 60)

    def clean(self) -> None:
        if self.starts_at is not None and self.ends_at is not None and self.ends_at == self.starts_at:
            raise ValidationError({"ends_at": "A window must end at another time than it starts."})


def overlapping_windows(windows: list[WorkingHours]) -> list[tuple[int, int]]:
    """Pairs of indexes (earlier, later) of windows that share time in the week, Sunday night
    running into Monday morning included."""
    week = 7 * 24 * 60
    spans = [window.week_minutes() for window in windows]
    pairs = []
    for j, (start_j, end_j) in enumerate(spans):
        for i in range(j):
            start_i, end_i = spans[i]
            if any(start_i < end_j + shift and start_j + shift < end_i for shift in (-week, 0, week)):
                pairs.append((i, j))
    return pairs


class Leave(models.Model):
    """Whole days away, inclusive, in the person's own timezone; or, with `closure`, a day the
    organisation is closed (out of hours, like a public holiday, not leave)."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="leaves")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)
    closure = models.ForeignKey(ClosureDay, on_delete=models.CASCADE, null=True, blank=True, related_name="leaves")
    # Imported from a calendar (readiness/calendars.py): the event's UID and the occurrence's start,
    # so the same file imported again updates these days instead of adding them twice.
    source_uid = models.CharField(max_length=200, blank=True, editable=False)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            in_range("leave", "starts_on"),
            in_range("leave", "ends_on"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="readiness_leave_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["person", "source_uid"], condition=~models.Q(source_uid=""),
                name="readiness_leave_source_uid_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} on leave {self.starts_on}–{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "Leave cannot end before it starts."})


def attach_calendars(people: Iterable[Person]) -> None:
    """Load the working hours and leave of `people` in two queries, for reachability.

    Like `prefetch_related("working_hours", "leaves")` without its per-object machinery, which
    cost more than the queries on "Who do I call?". The rows are kept beside the prefetch cache
    (read by `working_hours_list` and `leave_on`), so the related managers behave as always.
    """
    by_pk = {person.pk: person for person in people}
    loaded: dict[int, dict[str, list[Any]]] = {pk: {"working_hours": [], "leaves": []} for pk in by_pk}
    for model, name in ((WorkingHours, "working_hours"), (Leave, "leaves")):
        for row in model.objects.filter(person_id__in=list(by_pk)):
            loaded[row.person_id][name].append(row)
    for pk, person in by_pk.items():
        person.__dict__["_calendar_rows"] = loaded[pk]
