from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


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

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Availability(models.TextChoices):
    IN_HOURS = "in_hours", "in working hours"
    OUTSIDE_HOURS = "outside_hours", "outside working hours"
    ON_LEAVE = "on_leave", "on leave"
    LEFT = "left", "has left"


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
        """On call: reachable out of hours too, unless on leave or gone."""
        return self.availability in (Availability.IN_HOURS, Availability.OUTSIDE_HOURS)


class PersonQuerySet(models.QuerySet["Person"]):
    def with_calendar(self) -> PersonQuerySet:
        """Prefetch what reachability needs, so a page asks once for all people."""
        return self.select_related("team").prefetch_related("working_hours", "leaves")

    def current(self) -> PersonQuerySet:
        return self.filter(left_on__isnull=True)


class Person(models.Model):
    """Anyone who can be on an escalation path: staff, vendor contacts, managers.

    A person needs no account; `user` links one when they also sign in to Handoff.
    """

    name = models.CharField(max_length=120)
    email = models.EmailField()
    phone = models.CharField(max_length=40, blank=True)
    chat_handle = models.CharField(max_length=80, blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="people")
    timezone = models.CharField(max_length=64, default="Australia/Melbourne", validators=[validate_timezone])
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="person"
    )
    left_on = models.DateField(null=True, blank=True, help_text="Set when the person leaves; they get no more calls.")
    # When the person last confirmed the details Handoff holds about them (reminders).
    last_confirmed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["email"], name="readiness_person_email_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("readiness:person_detail", args=[self.pk])

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def local_time(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def has_left(self, on: date) -> bool:
        return self.left_on is not None and self.left_on <= on

    def leave_on(self, on: date) -> Leave | None:
        # .all() so a prefetch_related("leaves") is used.
        for leave in self.leaves.all():
            if leave.starts_on <= on <= leave.ends_on:
                return leave
        return None

    def in_working_hours(self, local: datetime) -> bool:
        weekday, clock = local.weekday(), local.time()
        return any(
            hours.weekday == weekday and hours.starts_at <= clock and (clock < hours.ends_at or hours.until_midnight)
            for hours in self.working_hours.all()
        )

    def reachability_at(self, moment: datetime) -> Reachability:
        """Whether this person can take a call at `moment`, judged on their own clock."""
        local = self.local_time(moment)
        if self.has_left(local.date()):
            return Reachability(Availability.LEFT, local, f"left on {self.left_on:%d %b %Y}")
        leave = self.leave_on(local.date())
        if leave is not None:
            return Reachability(Availability.ON_LEAVE, local, f"on leave until {leave.ends_on:%a %d %b}")
        if self.in_working_hours(local):
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
    """One weekday's working window, in the person's own timezone."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["person", "weekday"]
        verbose_name_plural = "working hours"
        constraints = [
            models.UniqueConstraint(fields=["person", "weekday"], name="readiness_workinghours_one_per_day"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="readiness_workinghours_ends_after_start"
            ),
            models.CheckConstraint(condition=models.Q(weekday__lte=6), name="readiness_workinghours_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts_at:%H:%M}–{self.ends_at:%H:%M}"

    @property
    def until_midnight(self) -> bool:
        """A window ending at 23:59 runs to the end of the day, not to one minute before it."""
        return self.ends_at >= time(23, 59)

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "Working hours must end after they start."})


class Leave(models.Model):
    """Whole days away, inclusive, in the person's own timezone."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="leaves")
    starts_on = models.DateField()
    ends_on = models.DateField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="readiness_leave_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} on leave {self.starts_on}–{self.ends_on}"

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "Leave cannot end before it starts."})
