"""Staleness reminders: what was sent to whom (exactly once), what contacts confirmed or changed,
and the reachability tests a delivery lead ran on a contact's channels."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .people import Person, ReminderStep


class ReminderLog(models.Model):
    """One reminder step for one person in one cycle; the row is the claim that it was sent.

    The unique constraint is what makes sending exactly-once: the sender inserts this row in the
    same transaction as the send, so a redelivered task, a second worker or an overlapping sweep
    either waits on the key and then finds it taken, or finds it already committed.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reminder_logs")
    cycle = models.PositiveIntegerField()
    step = models.CharField(max_length=20, choices=ReminderStep.choices)
    sent_at = models.DateTimeField()
    recipients = models.TextField(help_text="Addresses the email went to, one per line.")
    subject = models.CharField(max_length=200)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["person", "cycle", "step"], name="readiness_reminderlog_once_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.person} cycle {self.cycle}: {self.get_step_display()}"

    @property
    def recipient_list(self) -> list[str]:
        return [line for line in self.recipients.splitlines() if line]


class ConfirmationKind(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed all correct"
    CHANGED = "changed", "Sent changes"


class ContactConfirmation(models.Model):
    """A contact answering a reminder: all correct, or these details changed (with what changed).

    Person's own history (django-simple-history) holds the before/after rows with this as the
    change reason; this row is the readable summary on the person's reminder page.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="confirmations")
    cycle = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=ConfirmationKind.choices)
    at = models.DateTimeField()
    # {"field label": ["before", "after"], ...}
    changes = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True, help_text="Anything else the contact told us (hours, backup, leaving…).")

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            # A cycle's signed links work once: one answer per cycle.
            models.UniqueConstraint(fields=["person", "cycle"], name="readiness_contactconfirmation_once_per_cycle"),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.get_kind_display()} ({self.at:%d %b %Y})"


class Channel(models.TextChoices):
    EMAIL = "email"
    PHONE = "phone"
    CHAT = "chat"


class ReachabilityResult(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    REACHED = "reached", "Reached"
    UNREACHABLE = "unreachable", "Not reached"


class ReachabilityTest(models.Model):
    """A delivery lead checking that a contact's channel works: sent, then answered or not."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="reachability_tests")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField()
    result = models.CharField(max_length=20, choices=ReachabilityResult.choices, default=ReachabilityResult.PENDING)
    recorded_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True,
        help_text="Empty when the contact acknowledged the test themselves.",
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(result="pending") | models.Q(recorded_at__isnull=False),
                name="readiness_reachabilitytest_result_dated",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} by {self.get_channel_display()}: {self.get_result_display()}"
