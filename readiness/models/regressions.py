"""Gate regressions: a gate an application had met that stopped being met, told once."""

from __future__ import annotations

from django.conf import settings
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


class CountdownDigest(models.Model):
    """The weekly countdown a delivery lead was sent: their applications going live in the next
    30 days. One row a lead a week, inserted in the send's own transaction (services.countdown):
    the unique constraint is the claim, so two sweeps at once, or a task delivered twice, send
    one mail, and a failed send leaves no row for the next try.
    Derived data, never edited by people: no history table.
    """

    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    week = models.DateField(help_text="The Monday of the week it was sent.")
    sent_at = models.DateTimeField()
    applications = models.PositiveIntegerField(help_text="How many applications it listed.")

    class Meta:
        ordering = ["-week", "lead_id"]
        constraints = [
            # The claim; also the index the sweep reads ("told this week?"), which leads with the lead.
            models.UniqueConstraint(fields=["lead", "week"], name="readiness_countdowndigest_once_a_week"),
        ]

    def __str__(self) -> str:
        return f"Countdown for {self.lead_id}, week of {self.week}"
