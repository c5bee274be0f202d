from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


class CalendarFeedQuerySet(models.QuerySet["CalendarFeed"]):
    def active(self) -> CalendarFeedQuerySet:
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(models.Model):
    """A user's secret iCalendar address (readiness/calendars.py feed_calendar). Only its hash is
    kept; a calendar app holding the address reads it without signing in, until it is revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # One address in use per user: a new one replaces (revokes) the old.
            models.UniqueConstraint(fields=["user"], condition=models.Q(revoked_at__isnull=True),
                                    name="readiness_calendarfeed_one_active_per_user"),
        ]

    def __str__(self) -> str:
        return f"calendar feed of {self.user}"

    @staticmethod
    def new_key() -> str:
        return secrets.token_urlsafe(32)
