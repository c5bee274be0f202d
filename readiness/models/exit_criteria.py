"""Hypercare exit criteria: what must hold before the business owner signs hypercare off."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from .applications import Application


class CriterionKind(models.TextChoices):
    METRIC = "metric", "Metric (computed)"
    ATTESTATION = "attestation", "Attestation with evidence"


class MetricCode(models.TextChoices):
    """Metrics Handoff computes from its own records; readiness/hypercare.py computes each one."""

    NO_SEV1_LAST_7_DAYS = "no_sev1_last_7_days", "Severity-1 escalations in the last 7 days (at most)"
    SUPPORT_RESOLUTION_RATE_7_DAYS = (
        "support_resolution_rate_7_days",
        "% of last 7 days' escalations resolved by support alone (at least)",
    )
    ESCALATIONS_PER_WEEK_FALLING = (
        "escalations_per_week_falling",
        "Escalations per week falling (or at most this many in the last 7 days)",
    )
    OPEN_KNOWN_ISSUES_HAVE_WORKAROUND = (
        "open_known_issues_have_workaround",
        "Open known issues without a workaround (at most)",
    )
    SUPPORT_FULL_CYCLE_ALONE = (
        "support_full_cycle_alone",
        "Severity 1–2 incidents support handled start to finish alone (at least)",
    )


def _threshold_text(threshold: Decimal | None) -> str:
    if threshold is None:
        return ""
    return format(Decimal(threshold).quantize(Decimal("0.1")), "f")


class ExitCriterion(models.Model):
    """One condition for leaving hypercare: a computed metric or an attestation with evidence.

    Its *definition* (name, kind, metric, threshold, description) is what the business owner
    agrees and signs; evidence and acceptance are facts recorded against it later.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="exit_criteria")
    position = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=CriterionKind.choices, default=CriterionKind.METRIC)
    metric = models.CharField(max_length=50, choices=MetricCode.choices, blank=True)
    threshold = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    # Attestation: what shows it is true, who said so, when.
    evidence = models.TextField(blank=True)
    attested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    attested_at = models.DateTimeField(null=True, blank=True)
    # The business owner may sign off with this criterion unmet, but only explicitly and with a reason.
    accepted_unmet = models.BooleanField(default=False)
    accepted_reason = models.TextField(blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["application_id", "position", "pk"]
        verbose_name_plural = "exit criteria"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="metric", threshold__isnull=False) & ~models.Q(metric="")
                    | models.Q(kind="attestation", metric="")
                ),
                name="readiness_exitcriterion_metric_has_code_and_threshold",
            ),
            models.CheckConstraint(
                condition=models.Q(accepted_unmet=False) | ~models.Q(accepted_reason=""),
                name="readiness_exitcriterion_acceptance_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == CriterionKind.METRIC:
            if not self.metric:
                errors["metric"] = "Choose which metric Handoff computes for this criterion."
            if self.threshold is None:
                errors["threshold"] = "A metric needs a threshold to compare against."
            elif self.threshold < 0:
                errors["threshold"] = "The threshold cannot be negative."
            elif self.metric == MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS and self.threshold > 100:
                errors["threshold"] = "A percentage threshold must be between 0 and 100."
        elif self.metric:
            errors["metric"] = "An attestation has no metric; choose the kind 'Metric' to compute one."
        if self.accepted_unmet and not self.accepted_reason.strip():
            errors["accepted_reason"] = "Say why signing off with this criterion unmet is acceptable."
        if errors:
            raise ValidationError(errors)

    @property
    def threshold_text(self) -> str:
        return _threshold_text(self.threshold)

    def withdraw_acceptance(self) -> None:
        """Forget an acceptance of this criterion unmet (its definition or its owner changed)."""
        self.accepted_unmet = False
        self.accepted_reason = ""
        self.accepted_by = None
        self.accepted_at = None

    def definition(self) -> dict[str, Any]:
        return {
            "id": self.pk,
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "metric": self.metric,
            "threshold": self.threshold_text,
        }


def criteria_fingerprint(criteria: Iterable[ExitCriterion]) -> str:
    """A digest of the criteria *definitions*: adding, removing or redefining one changes it."""
    definitions = sorted((c.definition() for c in criteria), key=lambda d: d["id"] or 0)
    payload = json.dumps(definitions, sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(payload.encode()).hexdigest()
