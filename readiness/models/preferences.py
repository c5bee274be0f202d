"""What a signed-in person chooses for themselves: for now, the timezone pages show times in."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .people import validate_timezone


class UserPreference(models.Model):
    """A user's own display settings. Read at sign-in and kept in the session
    (readiness.middleware.ViewerTimezoneMiddleware), so pages cost no query for it.
    A personal display choice, not a record anyone audits: no history table.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="preference")
    timezone = models.CharField(
        max_length=64,
        validators=[validate_timezone],
        help_text="Times on every page, in the handoff pack and in exports are shown in this timezone.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Preferences of {self.user_id}: {self.timezone}"
