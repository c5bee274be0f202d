from __future__ import annotations

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
