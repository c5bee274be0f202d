"""Gate regressions: a gate an application had met that stopped being met, told once."""

from __future__ import annotations

from django.db import models

from readiness.models.applications import Application
from readiness.models.gates import GateCode


class GateRegression(models.Model):
    """A gate met (or waived) on an application's last stored verdict and not met now: evidence
    aged out, a contact went stale, a waiver lapsed. Noticed by the refresh that judged it
    (services.gates.readiness_snapshot_refresh), at most once a gate a day, and told once to the
    application's delivery lead in their daily digest (services.regressions).
    Derived data, never edited by people: no history table.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="regressions",
                                    db_index=False)
    gate = models.CharField(max_length=30, choices=GateCode.choices)
    day = models.DateField(help_text="The day it was noticed.")
    # What the judgement found missing, in the checklist's words (the fix link is worked out
    # when the notice is sent: stored data, not addresses).
    reason = models.TextField()
    noticed_at = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application_id", "day", "gate"]
        constraints = [
            # Also the index of one application's regressions, which leads with it.
            models.UniqueConstraint(fields=["application", "gate", "day"], name="readiness_gateregression_once_a_day"),
        ]
        indexes = [
            # The digest sweep asks only for the regressions nobody was told of yet.
            models.Index(fields=["application"], condition=models.Q(notified_at__isnull=True),
                         name="readiness_regression_unsent"),
        ]

    def __str__(self) -> str:
        return f"{self.application} · {self.get_gate_display()} regressed on {self.day}"
