from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from .constraints import unique_ignoring_case

TOKEN_PREFIX = "hnd_"


def hash_key(key: str) -> str:
    # A token is 32 random bytes, so one unsalted SHA-256 is enough: nothing to brute-force.
    return hashlib.sha256(key.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A per-user key for the lookup API (chat tools) and the REST API (/api/v1/). Only its hash is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=80, help_text="Where it is used, e.g. Teams bot")
    # Looked up on every API request by the bearer's hash.
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # The first characters, shown so a user can tell their tokens apart.
    key_prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Refused by every write of the REST API (403): for a dashboard or a bot that only reads.
    read_only = models.BooleanField(default=False, help_text="Only reads: every write with it is refused.")

    history = HistoricalRecords(excluded_fields=["last_used_at"])
    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            unique_ignoring_case("apitoken", "name", "user", message="You already have a token with this name."),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def new_key() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
