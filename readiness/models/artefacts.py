"""Readiness artefacts: the evidence the go-live gates are computed from.

Every artefact belongs to one application. Dates that say when something was checked
(reviewed, exercised, verified, held) are what make a gate go stale, so they are plain
dates or datetimes the rules in readiness/gates/ compare with a freshness window.

Just over 400 lines on purpose: the six kinds of artefact share one base (`Artefact`) and one
page set (readiness/views/artefacts.py), and reading them side by side is how their rules stay
alike; exercises and alert matching already live in their own modules.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from readiness.validators import in_range

from .applications import Application
from .constraints import unique_ignoring_case
from .escalation import EscalationLevel
from .people import Person
from .webhooks import AlertMatching


class Artefact(models.Model):
    """What every artefact shares: it belongs to an application, has a page of its own, a title
    (most of them), a history and the moment it was recorded (a gate judging a past day ignores
    artefacts recorded after it)."""

    DETAIL_URL: ClassVar[str]
    if TYPE_CHECKING:
        application: Application
        title: str

    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(self.DETAIL_URL, args=[self.application.slug, self.pk])


class Runbook(Artefact):
    """What to do when one scenario happens: short, task-based, with the level to call."""

    DETAIL_URL = "readiness:runbook_detail"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="runbooks")
    title = models.CharField(max_length=160, help_text="The scenario, e.g. Customer sees the wrong price")
    symptom = models.TextField(help_text="What the user or the monitoring sees.")
    normal_looks_like = models.TextField("What normal looks like")
    problem_signs = models.TextField("How to tell it is a problem")
    steps = models.TextField(help_text="Numbered steps, one per line.")
    escalation_level = models.ForeignKey(
        EscalationLevel,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runbooks",
        help_text="The level of the path to call when the steps do not fix it.",
    )
    is_critical = models.BooleanField(
        default=True, help_text="Critical scenarios must have a reviewed, exercised runbook."
    )
    last_reviewed_on = models.DateField(null=True, blank=True)
    # Before issue 15 an exercise was a date typed in (or one click). Kept so it stays visible, but
    # it is not evidence: the gate counts RunbookExercise rows (who, how, what happened) only.
    exercised_without_evidence_on = models.DateField(
        "Marked exercised (no evidence)", null=True, blank=True, editable=False,
        help_text="A date recorded without who, how or what happened; the runbook gate does not count it.",
    )

    class Meta:
        ordering = ["application_id", "title"]
        constraints = [
            in_range("runbook", "last_reviewed_on"),
            in_range("runbook", "exercised_without_evidence_on"),
            # Titles differing only in case are one scenario, listed twice.
            unique_ignoring_case(
                "runbook", "title", "application", message="This application already has a runbook with this title."
            ),
        ]

    def clean(self) -> None:
        level = self.escalation_level if self.escalation_level_id else None
        if level is not None and self.application_id and level.application_id != self.application_id:
            raise ValidationError({"escalation_level": "Pick a level of this application's own escalation path."})
        _not_in_future(self, "last_reviewed_on", "A review cannot be dated in the future.")

    @property
    def last_exercised_on(self) -> date | None:
        """The date of the latest recorded exercise (from the prefetched exercises, newest first)."""
        latest = next(iter(self.exercises.all()), None)
        return latest.exercised_on if latest else None


class AlertCheck(Artefact, AlertMatching):
    """An alert or dashboard, why it matters to users, and who owns it."""

    DETAIL_URL = "readiness:alert_detail"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="alerts")
    signal = models.CharField(max_length=160, help_text="What is measured, e.g. ERP order sync failures")
    threshold = models.CharField(max_length=160, help_text="When it fires, e.g. more than 5 failures in 10 minutes")
    user_impact = models.TextField("Why it matters to users")
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts")
    dashboard_url = models.URLField("Dashboard link", blank=True)
    class Meta:
        ordering = ["application_id", "signal"]
        constraints = [
            unique_ignoring_case(
                "alertcheck", "signal", "application", message="This application already has an alert for this signal."
            ),
        ]

    def __str__(self) -> str:
        return self.signal


class AlertVerification(models.Model):
    """Someone saw the alert fire, or a monitoring system's webhook said it fired, with evidence:
    what makes the monitoring gate met."""

    alert = models.ForeignKey(AlertCheck, on_delete=models.CASCADE, related_name="verifications")
    verified_at = models.DateTimeField("Seen firing at")
    # A person, or (from a webhook) the system that sent it: one of the two, never both.
    verified_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="alert_verifications")
    system = models.CharField("Sent by", max_length=40, blank=True)
    # The firing alert's fingerprint: a repeated notification of it records nothing new.
    fingerprint = models.CharField(max_length=64, blank=True)
    evidence = models.TextField(
        help_text="What was done and what was seen, e.g. the page received on the on-call phone."
    )
    evidence_url = models.URLField("Evidence link", blank=True, help_text="A screenshot or incident ticket.")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            in_range("alertverification", "verified_at", moment=True),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=False, system="")
                | models.Q(verified_by__isnull=True) & ~models.Q(system=""),
                name="readiness_alertverification_person_or_system",
            ),
            # One firing is one verification, however often (and however concurrently) it is sent.
            models.UniqueConstraint(fields=["alert", "fingerprint", "verified_at"], condition=~models.Q(fingerprint=""),
                                    name="readiness_alertverification_one_per_firing"),
        ]
        ordering = ["-verified_at"]
        # The monitoring gate reads the latest verification of each alert.
        indexes = [models.Index(fields=["alert", "-verified_at"], name="readiness_alertver_latest")]

    def __str__(self) -> str:
        return f"{self.alert} seen firing {self.verified_at:%d %b %Y}"

    def clean(self) -> None:
        if self.verified_by_id is None and not self.system:
            raise ValidationError({"verified_by": "Say who saw it firing."})

    @property
    def seen_by(self) -> str:
        return str(self.verified_by) if self.verified_by_id else self.system


def latest_firing() -> models.Prefetch[Any]:
    """Each alert's latest verification only (`alert.latest_firing`, a list of at most one): one
    query for a page of alerts, however often a webhook has recorded them firing."""
    return models.Prefetch("verifications", queryset=AlertVerification.objects.order_by("-verified_at", "-pk")[:1],
                           to_attr="latest_firing")


class AccessKind(models.TextChoices):
    LOGS = "logs", "Logs"
    ADMIN = "admin", "Admin functions"
    HOSTING_CONSOLE = "hosting_console", "Hosting console"
    REPORTING = "reporting", "Read-only reporting back to source"


class AccessCheck(Artefact):
    """Something support must reach, verified by a named person on a date."""

    DETAIL_URL = "readiness:access_detail"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="access_checks")
    kind = models.CharField(max_length=20, choices=AccessKind.choices)
    description = models.CharField(max_length=200, help_text="What exactly, e.g. Kibana index portal-*")
    verified_by = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="access_checks"
    )
    verified_on = models.DateField(null=True, blank=True)
    class Meta:
        ordering = ["application_id", "kind", "description"]
        constraints = [
            in_range("accesscheck", "verified_on"),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True, verified_on__isnull=True)
                | models.Q(verified_by__isnull=False, verified_on__isnull=False),
                name="readiness_accesscheck_verified_together",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.description}"

    def clean(self) -> None:
        if self.verified_by_id and not self.verified_on:
            raise ValidationError({"verified_on": "Say when the access was verified."})
        if self.verified_on and not self.verified_by_id:
            raise ValidationError({"verified_by": "Say who verified the access."})
        _not_in_future(self, "verified_on", "A verification cannot be dated in the future.")


class KnownIssueStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    WONT_FIX = "wont_fix", "Accepted, will not fix"


class KnownIssue(Artefact):
    """A known defect of a release, and how support works around it."""

    DETAIL_URL = "readiness:knownissue_detail"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="known_issues")
    release = models.CharField(max_length=40, help_text="The release it affects, e.g. 1.4.0")
    title = models.CharField(max_length=160)
    symptom = models.TextField()
    workaround = models.TextField(blank=True)
    support_script = models.TextField(blank=True, help_text="What support tells the user.")
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="known_issues")
    status = models.CharField(max_length=20, choices=KnownIssueStatus.choices, default=KnownIssueStatus.OPEN)
    class Meta:
        ordering = ["application_id", "status", "title"]


class DrillScenario(models.TextChoices):
    LOGIN_FAILURE = "login_failure", "Login failure"
    DATA_MISMATCH = "data_mismatch", "Data mismatch"
    INTEGRATION_OUTAGE = "integration_outage", "Downstream integration outage"
    OTHER = "other", "Other"


# The three rehearsals the rehearsal gate asks for.
REQUIRED_DRILL_SCENARIOS = [
    DrillScenario.LOGIN_FAILURE,
    DrillScenario.DATA_MISMATCH,
    DrillScenario.INTEGRATION_OUTAGE,
]


class Drill(Artefact):
    """An incident rehearsal in the real tools, and what it taught."""

    DETAIL_URL = "readiness:drill_detail"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="drills")
    scenario = models.CharField(max_length=30, choices=DrillScenario.choices)
    title = models.CharField(max_length=160)
    held_on = models.DateField()
    after_hours = models.BooleanField("Ran after hours", default=False)
    support_attended = models.BooleanField("Support took part", default=False)
    engineering_attended = models.BooleanField("Engineering took part", default=False)
    business_owner_attended = models.BooleanField("The business owner took part", default=False)
    contacts_answered = models.BooleanField(
        "The path's contacts answered", default=False, help_text="Everyone called on the escalation path picked up."
    )
    answer_minutes = models.PositiveIntegerField(
        "Minutes to answer", null=True, blank=True, help_text="How long the slowest contact took to answer."
    )
    findings = models.TextField(blank=True)
    class Meta:
        ordering = ["application_id", "-held_on"]
        constraints = [
            in_range("drill", "held_on"),
            models.CheckConstraint(
                condition=models.Q(contacts_answered=True) | models.Q(answer_minutes__isnull=True),
                name="readiness_drill_answer_minutes_needs_answer",
            ),
        ]

    def clean(self) -> None:
        if self.answer_minutes is not None and not self.contacts_answered:
            raise ValidationError({"answer_minutes": "Only give a time to answer when the contacts answered."})
        _not_in_future(self, "held_on", "Record a drill once it has been held; this date is in the future.")

    @property
    def participants(self) -> str:
        """Who took part, in words, from the attendance ticks ("" when none is ticked)."""
        roles = [name for name, ticked in (("support", self.support_attended),
                                           ("engineering", self.engineering_attended),
                                           ("the business owner", self.business_owner_attended)) if ticked]
        text = " and ".join([", ".join(roles[:-1]), roles[-1]] if len(roles) > 1 else roles)
        return text[:1].upper() + text[1:]

    @property
    def all_roles_attended(self) -> bool:
        return self.support_attended and self.engineering_attended and self.business_owner_attended


class ActionStatus(models.TextChoices):
    OPEN = "open"
    CLOSED = "closed"


class DrillAction(models.Model):
    """A follow-up from a drill; the rehearsal gate wants them closed."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=200)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True, related_name="drill_actions")
    status = models.CharField(max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["drill_id", "pk"]
        constraints = [
            in_range("drillaction", "closed_on"),
            models.CheckConstraint(
                condition=models.Q(status=ActionStatus.OPEN, closed_on__isnull=True)
                | models.Q(status=ActionStatus.CLOSED, closed_on__isnull=False),
                name="readiness_drillaction_closed_on_when_closed",
            ),
        ]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        if self.status == ActionStatus.CLOSED and not self.closed_on:
            raise ValidationError({"closed_on": "Say when the action was closed."})
        if self.status == ActionStatus.OPEN and self.closed_on:
            raise ValidationError({"closed_on": "An open action has no closing date."})
        if self.closed_on and self.drill_id and self.closed_on < self.drill.held_on:
            raise ValidationError({"closed_on": "An action cannot be closed before its drill was held."})


class DecisionStatus(models.TextChoices):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    SUPERSEDED = "superseded"


class DecisionRecord(Artefact):
    """Why the system is built as it is: what support needs when the obvious fix is wrong."""

    DETAIL_URL = "readiness:decision_detail"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    title = models.CharField(max_length=160)
    context = models.TextField()
    decision = models.TextField()
    alternatives = models.TextField(blank=True, help_text="What else was considered.")
    constraints = models.TextField(blank=True)
    edge_cases = models.TextField("Known edge cases", blank=True)
    what_failed = models.TextField("What was tried and did not work", blank=True)
    status = models.CharField(max_length=20, choices=DecisionStatus.choices, default=DecisionStatus.PROPOSED)
    superseded_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supersedes"
    )
    is_key = models.BooleanField(
        "Key decision", default=False, help_text="Support must know it; the knowledge gate asks for it."
    )
    decided_on = models.DateField(null=True, blank=True)
    class Meta:
        ordering = ["application_id", "title"]
        constraints = [
            in_range("decisionrecord", "decided_on"),
            models.CheckConstraint(
                condition=~models.Q(superseded_by=models.F("pk")), name="readiness_decisionrecord_not_self_superseded"
            ),
            models.CheckConstraint(
                condition=models.Q(status=DecisionStatus.SUPERSEDED, superseded_by__isnull=False)
                | (~models.Q(status=DecisionStatus.SUPERSEDED) & models.Q(superseded_by__isnull=True)),
                name="readiness_decisionrecord_superseded_has_successor",
            ),
        ]

    def clean(self) -> None:
        if self.superseded_by_id:
            if self.pk and self.superseded_by_id == self.pk:
                raise ValidationError({"superseded_by": "A record cannot supersede itself."})
            if self.application_id and self.superseded_by and self.superseded_by.application_id != self.application_id:
                raise ValidationError({"superseded_by": "Pick a record of the same application."})
            if self.status != DecisionStatus.SUPERSEDED:
                raise ValidationError({"status": "A record with a successor is superseded."})
        elif self.status == DecisionStatus.SUPERSEDED:
            raise ValidationError({"superseded_by": "Say which record supersedes this one."})
        _not_in_future(self, "decided_on", "A decision cannot be dated in the future.")


def _not_in_future(instance: models.Model, field: str, message: str) -> None:
    from django.utils import timezone

    value: date | None = getattr(instance, field)
    if value is not None and value > timezone.localdate():
        raise ValidationError({field: message})
