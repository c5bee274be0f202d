from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from readiness.validators import MOMENT_MAX, MOMENT_MIN, in_range

from .escalation import EscalationLevel
from .people import Person

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .applications import Application

# Longer than this is no stand-in but a new holder of the role: edit the level instead.
STANDIN_MAX_DAYS = 92


class StandInRole(models.TextChoices):
    """The role of a level a stand-in covers; the values are the level's own field names."""

    PRIMARY = "primary", "Primary"
    BACKUP = "backup", "Backup"
    AFTER_HOURS = "after_hours_cover", "After-hours cover"


class StandInQuerySet(models.QuerySet["StandIn"]):
    def not_over(self, now: datetime) -> StandInQuerySet:
        """Current and upcoming ones: what the path page lists and the lookup reads."""
        return self.filter(ends_at__gt=now)

    def overlapping(self, level_id: int, role: str, starts_at: datetime, ends_at: datetime) -> StandInQuerySet:
        return self.filter(level_id=level_id, role=role, starts_at__lt=ends_at, ends_at__gt=starts_at)


class StandIn(models.Model):
    """A named person covering one role of a level for a period (an override): someone's leave
    week, a swapped on-call week. In the period the lookup calls them in that role, and coverage
    counts their reachability (their hours, leave and holidays) instead of the role holder's.

    One stand-in per role at a time (`clean`, and the service under a lock on the level): two
    would leave the analyst to choose.
    """

    level = models.ForeignKey(EscalationLevel, on_delete=models.CASCADE, related_name="standins")
    role = models.CharField(
        max_length=20, choices=StandInRole.choices, default=StandInRole.PRIMARY, verbose_name="covers"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="standins", verbose_name="stand-in")
    starts_at = models.DateTimeField(verbose_name="from")
    ends_at = models.DateTimeField(verbose_name="until")
    reason = models.CharField(max_length=200, help_text="Why, in a line the analyst reads: e.g. Ben on leave.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = StandInQuerySet.as_manager()

    class Meta:
        # level_id, not level: ordering by the relation would join levels on every load.
        ordering = ["level_id", "starts_at", "id"]
        constraints = [
            in_range("standin", "starts_at", moment=True),
            in_range("standin", "ends_at", moment=True),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="readiness_standin_ends_after_start"
            ),
        ]
        indexes = [
            # The lookup's directory and the path page read a level's stand-ins not yet over.
            models.Index(fields=["level", "ends_at"], name="readiness_standin_level_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} for {self.get_role_display().lower()}"

    @property
    def application(self) -> Application:
        """Its level's application, for the permission table."""
        return self.level.application

    @property
    def covered_id(self) -> int | None:
        """The person the stand-in replaces: whoever holds the role on the level now."""
        return getattr(self.level, f"{self.role}_id", None) if self.level_id else None

    @property
    def covered(self) -> Person | None:
        return getattr(self.level, self.role, None) if self.level_id else None

    def active_at(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at

    @property
    def flag(self) -> str:
        """Why the stand-in may not answer, as any contact is flagged: they left (or leave before
        it ends), or have leave in its period. Empty when neither; reads their loaded calendar."""
        person, zone = self.person, self.person.zone
        first, last = self.starts_at.astimezone(zone).date(), self.ends_at.astimezone(zone).date()
        if person.left_on is not None and person.left_on <= last:
            return f"{person.name} {'left' if person.left_on <= first else 'leaves'} on {person.left_on:%a %d %b %Y}"
        away = [
            leave
            for leave in person.leave_list()
            if leave.closure_id is None and leave.starts_on <= last and leave.ends_on >= first
        ]
        if away:
            return f"{person.name} is on leave {away[0].starts_on:%a %d %b}–{away[0].ends_on:%a %d %b} during it"
        return ""

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.starts_at and self.ends_at:
            if self.ends_at <= self.starts_at:
                errors["ends_at"] = "The stand-in must end after it starts."
            elif self.ends_at - self.starts_at > timedelta(days=STANDIN_MAX_DAYS):
                errors["ends_at"] = (
                    f"A stand-in lasts {STANDIN_MAX_DAYS} days at most; for longer, "
                    "edit the level to name them instead."
                )
        if self.level_id and self.role in StandInRole.values:
            covered_id = self.covered_id
            if covered_id is None:
                errors["role"] = (
                    f"L{self.level.position} has no {self.get_role_display().lower()} to stand in "
                    "for; edit the level to name one."
                )
            elif self.person_id and covered_id == self.person_id:
                errors["person"] = "The stand-in must be someone other than the person they replace."
        # Out of bounds is refused beside the field already (apply_input_bounds): no query then.
        if (
            not errors
            and self.level_id
            and self.starts_at
            and self.ends_at
            and MOMENT_MIN <= self.starts_at
            and self.ends_at <= MOMENT_MAX
        ):
            clash = (
                StandIn.objects.overlapping(self.level_id, self.role, self.starts_at, self.ends_at)
                .exclude(pk=self.pk)
                .select_related("person")
                .first()
            )
            if clash is not None:
                starts, ends = timezone.localtime(clash.starts_at), timezone.localtime(clash.ends_at)
                errors["starts_at"] = (
                    f"{clash.person.name} already stands in for this role from "
                    f"{starts:%a %d %b %H:%M} until {ends:%a %d %b %H:%M}; "
                    "one stand-in per role at a time."
                )
        if errors:
            raise ValidationError(errors)


# How far back ended stand-ins are still loaded with a path: gate 4's chart judges the last
# 30 days, and a lookup may ask about a moment just past.
STANDIN_LOOKBACK = timedelta(days=31)


def attach_standins(levels: Iterable[EscalationLevel], now: datetime) -> list[Person]:
    """Load the stand-ins of `levels` not over by `now` - STANDIN_LOOKBACK with their people, in
    one query, and keep them on each level (read by `level_standins`). Returns their people, for
    the caller to load their calendars with everyone else's."""
    by_pk = {level.pk: level for level in levels}
    for level in by_pk.values():
        level.__dict__["_standins"] = []
    rows = StandIn.objects.filter(level_id__in=list(by_pk)).not_over(now - STANDIN_LOOKBACK).select_related("person")
    people = []
    for standin in rows:
        level = by_pk[standin.level_id]
        standin.level = level
        level.__dict__["_standins"].append(standin)
        people.append(standin.person)
    return people


def level_standins(level: EscalationLevel) -> list[StandIn]:
    """The stand-ins kept on `level` by `attach_standins` (or the stored directory); none otherwise."""
    return level.__dict__.get("_standins", [])
