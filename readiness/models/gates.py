"""Waivers of go-live gates, and each application's stored daily verdict. The gates themselves
are rules in readiness/gates/rules.py, not rows."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from readiness.validators import in_range

from .applications import Application


class GateCode(models.TextChoices):
    """The catalogue of shared/domain.md, in its order."""

    RUNBOOKS = "runbooks", "1. Runbooks"
    MONITORING = "monitoring", "2. Monitoring"
    SUPPORT_MODEL = "support_model", "3. Support model"
    ESCALATION_PATH = "escalation_path", "4. Escalation path"
    ACCESS = "access", "5. Access"
    REHEARSAL = "rehearsal", "6. Rehearsal"
    KNOWN_ISSUES = "known_issues", "7. Known issues"
    KNOWLEDGE = "knowledge", "8. Knowledge transfer"
    HYPERCARE_PLAN = "hypercare_plan", "9. Hypercare plan"


class WaiverStatus(models.TextChoices):
    PENDING = "pending", "Waiting for approval"
    ACTIVE = "active", "In force"
    EXPIRING = "expiring", "In force, expiring soon"
    REVOKED = "revoked", "Revoked"
    LAPSED = "lapsed", "Lapsed"


class GateWaiver(models.Model):
    """A named person asks to go live without one gate, for a reason, until a date; a second
    person holding the same right approves it, and from then until the date, or until someone
    revokes it, the gate counts as waived.

    The waiver lapses at the start of `expires_on`: from that day on the gate is judged on
    its evidence again. A revoked waiver stops counting the day it is revoked.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="waivers")
    gate = models.CharField(max_length=30, choices=GateCode.choices)
    reason = models.TextField(help_text="Why going live without this gate is acceptable, and what covers the risk.")
    expires_on = models.DateField(help_text="The waiver lapses on this day.")
    # Who asked for it (and so cannot approve it).
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="requested by")
    created_at = models.DateTimeField(auto_now_add=True)
    # Empty approver with an approval time: approved before two-person approval existed (0021).
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=200, blank=True, verbose_name="why revoked")

    history = HistoricalRecords()

    class Meta:
        ordering = ["application_id", "gate", "-created_at"]
        constraints = [
            in_range("gatewaiver", "expires_on"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="readiness_gatewaiver_reason_required"),
            # Two people: whoever asked for a waiver does not approve it.
            models.CheckConstraint(condition=~models.Q(approved_by=models.F("waived_by")),
                                   name="readiness_gatewaiver_approver_not_requester"),
            models.CheckConstraint(condition=models.Q(revoked_at__isnull=True) | ~models.Q(revoke_reason=""),
                                   name="readiness_gatewaiver_revoked_with_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_gate_display()} waived until {self.expires_on:%d %b %Y}"

    def clean(self) -> None:
        # A waiver is a short, reviewed exception, not a way around a gate for good: it lapses
        # within WAIVER_MAX_DAYS. Judged when it is given; an old waiver stays readable.
        if self._state.adding and self.expires_on is not None:
            today = timezone.localdate()
            if self.expires_on <= today:
                raise ValidationError({"expires_on": "The expiry must be after today: a waiver lapses on this day."})
            latest = today + timedelta(days=settings.WAIVER_MAX_DAYS)
            if self.expires_on > latest:
                raise ValidationError({"expires_on": (
                    f"A waiver lasts at most {settings.WAIVER_MAX_DAYS} days: choose {latest:%d %b %Y} or earlier, "
                    "then review it again."
                )})
        if self.approved_by_id is not None and self.approved_by_id == self.waived_by_id:
            raise ValidationError("A waiver is approved by a second person, not the one who asked for it.")
        if self.revoked_at is not None and not self.revoke_reason.strip():
            raise ValidationError({"revoke_reason": "Say why the waiver is revoked."})

    def in_force_on(self, on: date) -> bool:
        """Approved on or before `on`, not lapsed, not revoked by then."""
        if self.approved_at is None:
            return False
        revoked = self.revoked_at is not None and timezone.localdate(self.revoked_at) <= on
        return timezone.localdate(self.approved_at) <= on < self.expires_on and not revoked

    def status_on(self, on: date) -> WaiverStatus:
        if self.revoked_at is not None:
            return WaiverStatus.REVOKED
        if on >= self.expires_on:
            return WaiverStatus.LAPSED
        if self.approved_at is None:
            return WaiverStatus.PENDING
        soon = (self.expires_on - on).days <= settings.WAIVER_EXPIRING_DAYS
        return WaiverStatus.EXPIRING if soon else WaiverStatus.ACTIVE


def current_q(now: datetime, rules: str, prefix: str = "") -> models.Q:
    """The condition of `ReadinessSnapshot.is_current` as a filter (rows that may stand in for
    judging afresh now), `prefix` naming the relation."""
    return models.Q(**{
        f"{prefix}day": timezone.localdate(now),
        f"{prefix}rules": rules,
        f"{prefix}computed_at__gt": now - snapshot_max_age(),
        f"{prefix}computed_at__lte": now,
    })


def snapshot_max_age() -> timedelta:
    return timedelta(minutes=settings.READINESS_SNAPSHOT_MAX_AGE_MINUTES)


class ReadinessSnapshot(models.Model):
    """One application's verdict on one day, stored: the dashboard sorts and pages these rows
    and the readiness chart draws them, instead of judging every gate on every request.

    The row of a day is the last judgement made that day, so past rows are real history. The
    current day's row also keeps the whole checklist (`verdict`), and stands in for judging
    afresh while it is current: a write to the application's evidence deletes it
    (services.gates.application_evidence_changed, called by every writing service), it is older
    than READINESS_SNAPSHOT_MAX_AGE_MINUTES (coverage gaps move with the clock), or the rules
    changed (`rules`, see gates.rules_version). The writer's refresh task stores it again on
    commit and beat re-judges every application hourly; a page that finds no current row judges
    it live and stores nothing.
    Derived data, never edited by people: no history table.
    """

    # Indexed by the unique (application, day) constraint, which leads with it.
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="snapshots",
                                    db_index=False)
    day = models.DateField()
    gates_met = models.PositiveSmallIntegerField(help_text="Gates met or waived.")
    gates_total = models.PositiveSmallIntegerField()
    blockers = models.PositiveSmallIntegerField(help_text="Missing evidence on gates not met and not waived.")
    stale_items = models.PositiveSmallIntegerField(help_text="Evidence that existed but aged past its window.")
    ready = models.BooleanField()
    computed_at = models.DateTimeField()
    # Which rules judged it (a hash of the gate code and its settings): another version is not current.
    rules = models.CharField(max_length=16)
    # The checklist (gates.Verdict.as_data) on the current day; emptied once the day is history.
    verdict = models.JSONField(null=True, blank=True)
    # Whether the pace of the recorded days leads past go-live (gates.chart.project), worked out
    # when the day is stored so the dashboard can flag it; None: nothing to project (no go-live
    # ahead, ready already, or too little history).
    misses_go_live = models.BooleanField(null=True, blank=True)
    # The gates met or waived that day (codes), kept on past days too: the next refresh compares
    # against them to notice a regression (models.GateRegression).
    gates_passing = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["application_id", "day"]
        constraints = [
            # Also the index of one application's days: the checklist's chart and its current row.
            models.UniqueConstraint(fields=["application", "day"], name="readiness_readinesssnapshot_one_per_day"),
            models.CheckConstraint(condition=models.Q(gates_met__lte=models.F("gates_total")),
                                   name="readiness_readinesssnapshot_met_within_total"),
        ]
        indexes = [
            # The dashboard joins the current day's row of every application; the nightly run
            # empties the checklists of past days.
            models.Index(fields=["day"], name="readiness_snapshot_day_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id} on {self.day}: {self.gates_met} of {self.gates_total}"

    def is_current(self, now: datetime, rules: str) -> bool:
        return (
            self.day == timezone.localdate(now)
            and self.rules == rules
            and now - snapshot_max_age() < self.computed_at <= now
        )
