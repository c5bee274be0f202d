"""Hypercare: the agreed window after go-live, its extensions and the escalation log.

Its exit criteria are in exit_criteria.py, the sign-off in signoffs.py."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from readiness.validators import DATE_MAX, DATE_MIN, in_range

from .applications import Application
from .escalation import EscalationLevel, OwnershipRule
from .exit_criteria import ExitCriterion, criteria_fingerprint

MIN_WINDOW_DAYS = 14
MAX_WINDOW_DAYS = 28

DEFAULT_RULES_IN_FORCE = (
    "Support is the first responder for every call.\n"
    "Engineering is second line only: support escalates to them, users do not.\n"
    "Every escalation is logged in Handoff the same day.\n"
    "The build team steps back as incident patterns settle."
)


class HypercareStatus(models.TextChoices):
    ACTIVE = "active"
    EXTENDED = "extended"
    EXITED = "exited"


class Hypercare(models.Model):
    """The period of elevated support after go-live, agreed with the business owner beforehand.

    `planned_end_on` is the end agreed up front (2–4 weeks after go-live); extensions are kept
    as rows of their own, so the agreed plan and every later decision stay visible.
    """

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="hypercare")
    starts_on = models.DateField(help_text="The go-live date: hypercare starts then.")
    planned_end_on = models.DateField(help_text="Two to four weeks after go-live.")
    rules_in_force = models.TextField(default=DEFAULT_RULES_IN_FORCE)
    status = models.CharField(max_length=20, choices=HypercareStatus.choices, default=HypercareStatus.ACTIVE)
    # The business owner's agreement to the window and the criteria; the fingerprint says which
    # criteria definitions were agreed, so a later edit asks for a new agreement.
    agreed_at = models.DateTimeField(null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    agreed_fingerprint = models.CharField(max_length=64, blank=True)
    exited_at = models.DateTimeField(null=True, blank=True)
    # The head of this application's sign-off chain, written in the sign-off's own transaction
    # (readiness/signoffs.py): removing the newest sign-off leaves these ahead of the table.
    signoff_count = models.PositiveIntegerField(default=0)
    signoff_head = models.CharField(max_length=64, blank=True)
    # Set when a redefined criterion undid the sign-off and brought the application back into
    # hypercare: the dashboard and the checklist say why (services.hypercare_reopen_if_invalidated).
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "hypercare periods"
        constraints = [
            in_range("hypercare", "starts_on"),
            in_range("hypercare", "planned_end_on"),
            models.CheckConstraint(
                condition=models.Q(planned_end_on__gt=models.F("starts_on")),
                name="readiness_hypercare_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Hypercare of {self.application}: {self.starts_on}–{self.current_end_on}"

    def clean(self) -> None:
        # clean() runs even when a date failed its range check (clean_fields): that error is the
        # one to show, and the window's ends could not be computed from 31 Dec 9999.
        if self.starts_on and self.planned_end_on and DATE_MIN <= self.starts_on <= DATE_MAX:
            days = (self.planned_end_on - self.starts_on).days
            if not MIN_WINDOW_DAYS <= days <= MAX_WINDOW_DAYS:
                earliest, latest = (self.starts_on + timedelta(days=n) for n in (MIN_WINDOW_DAYS, MAX_WINDOW_DAYS))
                raise ValidationError({"planned_end_on": (
                    f"Hypercare lasts two to four weeks: end it between {earliest:%d %b %Y} and {latest:%d %b %Y} "
                    f"(this is {days} days)."
                )})

    @property
    def current_end_on(self) -> date:
        """The agreed end, or the latest extension's date. Uses a prefetch of `extensions` if present."""
        extensions = list(self.extensions.all())
        return max([self.planned_end_on, *(e.new_end_on for e in extensions)])

    @property
    def rules_list(self) -> list[str]:
        return [line.strip() for line in self.rules_in_force.splitlines() if line.strip()]

    def needs_decision(self, today: date) -> bool:
        """Past its end and not exited: nothing closes by itself, someone must extend or exit."""
        return self.status != HypercareStatus.EXITED and today >= self.current_end_on

    def is_agreed(self, criteria: Iterable[ExitCriterion]) -> bool:
        """Agreed, and nothing agreed has changed since (window, rules or criteria definitions)."""
        return self.agreed_at is not None and self.agreed_fingerprint == plan_fingerprint(self, criteria)


class HypercareExtension(models.Model):
    """A decision, at or before the planned end, to keep hypercare going until a new date."""

    hypercare = models.ForeignKey(Hypercare, on_delete=models.CASCADE, related_name="extensions")
    reason = models.TextField()
    new_end_on = models.DateField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    history = HistoricalRecords()

    class Meta:
        constraints = [
            in_range("hypercareextension", "new_end_on"),
        ]
        ordering = ["decided_at"]

    def __str__(self) -> str:
        return f"Extended to {self.new_end_on:%d %b %Y}"


def plan_fingerprint(hypercare: Hypercare, criteria: Iterable[ExitCriterion]) -> str:
    """What the business owner agrees before go-live: the window, the rules and the criteria."""
    parts = [str(hypercare.starts_on), str(hypercare.planned_end_on), hypercare.rules_in_force]
    payload = "|".join([*parts, criteria_fingerprint(criteria)])
    return hashlib.sha256(payload.encode()).hexdigest()


def whole_minutes(start: datetime, end: datetime) -> int:
    """Whole minutes from `start` to `end`: how a time to answer is counted, on the log and the path."""
    return int((end - start).total_seconds() // 60)


class Severity(models.IntegerChoices):
    SEV1 = 1, "1 — critical: many users stopped"
    SEV2 = 2, "2 — major: a key workflow impaired"
    SEV3 = 3, "3 — minor: a workaround exists"
    SEV4 = 4, "4 — question or cosmetic"


class ResolvedBy(models.TextChoices):
    SUPPORT = "support", "Support alone"
    ENGINEERING = "engineering", "Engineering"
    BUSINESS = "business", "Business owner"


class EscalationQuerySet(models.QuerySet["Escalation"]):
    def for_list(self) -> EscalationQuerySet:
        return self.select_related("problem_class", "from_level", "to_level", "logged_by")


class Escalation(models.Model):
    """One entry in the hypercare escalation log, recorded by support as it happens."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="escalations")
    occurred_at = models.DateTimeField()
    severity = models.PositiveSmallIntegerField(choices=Severity.choices)
    problem_class = models.ForeignKey(
        OwnershipRule, on_delete=models.PROTECT, related_name="escalations", help_text="The class of problem."
    )
    from_level = models.ForeignKey(EscalationLevel, on_delete=models.PROTECT, related_name="escalations_from")
    # Empty when support kept it at the first level: hypercare logs every call, not only hand-ons.
    to_level = models.ForeignKey(
        EscalationLevel, on_delete=models.PROTECT, related_name="escalations_to", null=True, blank=True
    )
    resolved_by = models.CharField(max_length=20, choices=ResolvedBy.choices, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # When someone on the called level (to_level, else from_level) picked up; optional, as it is
    # not always known. Measured against the level's response target (readiness/answer_times.py).
    answered_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField()
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EscalationQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        indexes = [
            # The log page, its CSV export and every metric read one application's entries by date.
            models.Index(fields=["application", "occurred_at"], name="readiness_escalation_app_when"),
        ]
        constraints = [
            in_range("escalation", "occurred_at", moment=True),
            in_range("escalation", "resolved_at", moment=True),
            in_range("escalation", "answered_at", moment=True),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True) | models.Q(answered_at__gte=models.F("occurred_at")),
                name="readiness_escalation_answered_after_occurred",
                violation_error_message="It cannot be answered before it happened.",
            ),
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=4), name="readiness_escalation_severity_valid"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(resolved_by="", resolved_at__isnull=True)
                    | (~models.Q(resolved_by="") & models.Q(resolved_at__gte=models.F("occurred_at")))
                ),
                name="readiness_escalation_resolution_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Sev {self.severity} {self.occurred_at:%d %b %H:%M}: {self.summary[:40]}"

    @property
    def called_level(self) -> EscalationLevel:
        """The level whose answer is timed: the one it was passed to, else the one that took it."""
        return self.to_level or self.from_level

    @property
    def minutes_to_answer(self) -> int | None:
        return None if self.answered_at is None else whole_minutes(self.occurred_at, self.answered_at)

    @property
    def time_to_resolve(self) -> timedelta | None:
        if self.resolved_at is None:
            return None
        return self.resolved_at - self.occurred_at

    @property
    def time_to_resolve_text(self) -> str:
        delta = self.time_to_resolve
        if delta is None:
            return "open"
        minutes = int(delta.total_seconds() // 60)
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"

    def clean(self) -> None:
        errors: dict[str, str] = {}
        for field in ("problem_class", "from_level", "to_level"):
            related = getattr(self, field, None) if getattr(self, f"{field}_id") else None
            if related is not None and related.application_id != self.application_id:
                errors[field] = "Choose one of this application's own entries."
        if self.from_level_id and self.from_level_id == self.to_level_id:
            errors["to_level"] = "An escalation goes to a different level than the one it came from."
        if bool(self.resolved_by) != (self.resolved_at is not None):
            errors["resolved_by"] = "Give both who resolved it and when, or neither while it is still open."
        if self.resolved_at and self.occurred_at and self.resolved_at < self.occurred_at:
            errors["resolved_at"] = "It cannot be resolved before it happened."
        if self.answered_at and self.occurred_at and self.answered_at < self.occurred_at:
            errors["answered_at"] = "It cannot be answered before it happened."
        if errors:
            raise ValidationError(errors)
