"""Waivers of go-live gates. The gates themselves are rules in readiness/gates.py, not rows."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

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


class GateWaiverQuerySet(models.QuerySet["GateWaiver"]):
    def in_force(self, on: date) -> GateWaiverQuerySet:
        return self.filter(created_at__date__lte=on, expires_on__gt=on)


class GateWaiver(models.Model):
    """A named person accepts going live without one gate, for a reason, until a date.

    The waiver lapses at the start of `expires_on`: from that day on the gate is judged on
    its evidence again.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="waivers")
    gate = models.CharField(max_length=30, choices=GateCode.choices)
    reason = models.TextField(help_text="Why going live without this gate is acceptable, and what covers the risk.")
    expires_on = models.DateField(help_text="The waiver lapses on this day.")
    waived_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()
    objects = GateWaiverQuerySet.as_manager()

    class Meta:
        ordering = ["application_id", "gate", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="readiness_gatewaiver_reason_required"),
        ]

    def __str__(self) -> str:
        return f"{self.application}: {self.get_gate_display()} waived until {self.expires_on:%d %b %Y}"

    def in_force_on(self, on: date) -> bool:
        created = self.created_at.date() if self.created_at else on
        return created <= on < self.expires_on
