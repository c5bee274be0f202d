from __future__ import annotations

from django.conf import settings
from django.db import models


class Heartbeat(models.Model):
    """The last time a scheduled task ran; /health/workers/ reads its age.

    The beat process schedules `readiness.tasks.heartbeat` and a worker runs it, so a fresh
    row proves both are alive. Stored in the database so it works with or without Redis.
    """

    name = models.CharField(max_length=50, unique=True)
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.beat_at:%Y-%m-%d %H:%M:%S}"


class FormSubmission(models.Model):
    """A create form that was sent, by the one-time key it was rendered with.

    A double-click sends the same form twice: readiness.submissions.once_per_submission claims
    the key in the same transaction as the write, so the second POST finds it and is sent to the
    first one's result instead of creating again (or waits on the key's unique index and then
    does the same, when both arrive together).
    """

    key = models.UUIDField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the first POST sent the user; a repeat is sent there too.
    result_url = models.CharField(max_length=500)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="readiness_formsubmission_key_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.result_url}"
