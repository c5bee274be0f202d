"""Alert webhooks: where Alertmanager and Grafana post their notifications for one application,
and the firing alerts that matched none of its alert checks (waiting to be mapped to one).

A webhook's address names it by a random key (not its primary key, so addresses cannot be
counted through); the secret the monitoring system sends is kept only as a hash, like an API
token's.
"""

from __future__ import annotations

import hmac
import re
import secrets
import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from readiness.validators import in_range

from .api import hash_key
from .applications import Application

SECRET_PREFIX = "whk_"

# Prometheus's rule for label names; Grafana's labels follow it too.
LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
LABELS_HELP = "Only alerts carrying these labels match, one per line: name=value (e.g. severity=critical)."


def parse_label_matchers(text: str) -> dict[str, str]:
    """The `name=value` lines of an alert check's label matchers, as a dict; ValidationError
    naming the first line that is not one."""
    matchers: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        name = name.strip()
        if not equals or not LABEL_NAME.match(name):
            raise ValidationError(f"Line {number} is not name=value with a label name such as severity.")
        matchers[name] = value.strip()
    return matchers


class AlertMatching(models.Model):
    """What an alert webhook's firing alert must carry to count as an alert check firing (the
    fields and row rules AlertCheck takes from here)."""

    alert_name = models.CharField(
        "Alert name",
        max_length=200,
        blank=True,
        help_text="The alertname label Alertmanager or Grafana sends, e.g. ErpOrderSyncFailures.",
    )
    alert_labels = models.TextField("Label matchers", blank=True, help_text=LABELS_HELP)

    class Meta:
        abstract = True

    def clean(self) -> None:
        try:
            parse_label_matchers(self.alert_labels)
        except ValidationError as error:
            raise ValidationError({"alert_labels": error.messages}) from error
        if self.alert_labels.strip() and not self.alert_name.strip():
            raise ValidationError({"alert_name": "Name the alert the label matchers narrow down."})

    def matches(self, name: str, labels: dict[str, str]) -> bool:
        """Whether a firing alert with this name and these labels is this check firing."""
        if not self.alert_name or self.alert_name != name:
            return False
        return all(labels.get(key) == value for key, value in parse_label_matchers(self.alert_labels).items())


class AlertWebhook(models.Model):
    """The address an application's monitoring posts its alert notifications to."""

    application = models.OneToOneField(Application, on_delete=models.CASCADE, related_name="alert_webhook")
    # The address's last part: looked up on every notification.
    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    # The first characters of the secret, so a team can tell which one its configuration holds.
    secret_prefix = models.CharField(max_length=12, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)
    last_received_at = models.DateTimeField(null=True, blank=True)
    last_received_from = models.CharField(max_length=40, blank=True)

    # Rotations are kept; deliveries are bookkeeping, not edits.
    history = HistoricalRecords(excluded_fields=["last_received_at", "last_received_from"])

    class Meta:
        constraints = [
            in_range("alertwebhook", "rotated_at", moment=True),
            in_range("alertwebhook", "last_received_at", moment=True),
        ]

    def __str__(self) -> str:
        return f"Alert webhook of {self.application} ({self.secret_prefix}…)"

    def get_absolute_url(self) -> str:
        return reverse("readiness:alert_webhook", args=[self.key])

    @staticmethod
    def new_secret() -> str:
        return SECRET_PREFIX + secrets.token_urlsafe(32)

    def accepts(self, secret: str) -> bool:
        """Whether `secret` is this webhook's (compared in constant time)."""
        return bool(secret) and hmac.compare_digest(self.secret_hash, hash_key(secret))


class UnmatchedAlertQuerySet(models.QuerySet["UnmatchedAlert"]):
    def of(self, application: Application) -> UnmatchedAlertQuerySet:
        return self.filter(application=application).order_by("-last_seen_at")


class UnmatchedAlert(models.Model):
    """A firing alert no alert check of the application matched: listed on its monitoring page,
    one row per alert name (its latest firing kept), until someone maps it to a check."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="unmatched_alerts")
    alert_name = models.CharField(max_length=200)
    labels = models.JSONField(default=dict)
    fingerprint = models.CharField(max_length=64, blank=True)
    fired_at = models.DateTimeField("Firing since")
    system = models.CharField(max_length=40)
    summary = models.TextField()
    evidence_url = models.URLField(blank=True)
    times_seen = models.PositiveIntegerField(default=1)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    objects = UnmatchedAlertQuerySet.as_manager()

    class Meta:
        constraints = [
            # Notifications repeat every few hours while an alert fires: one row, counted.
            models.UniqueConstraint(fields=["application", "alert_name"], name="readiness_unmatchedalert_one_per_name"),
            in_range("unmatchedalert", "fired_at", moment=True),
            in_range("unmatchedalert", "first_seen_at", moment=True),
            in_range("unmatchedalert", "last_seen_at", moment=True),
        ]

    def __str__(self) -> str:
        return self.alert_name

    def label_lines(self) -> list[str]:
        return [f"{name}={value}" for name, value in sorted(self.labels.items())]
