"""Writes of alert webhooks: an application's webhook and its secret, the notifications it
receives (a firing alert matching an alert check is a verification of it), and mapping an
alert that matched none to a check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from readiness.alert_payloads import Alert, Notification
from readiness.models import AlertCheck, AlertVerification, AlertWebhook, Application, UnmatchedAlert
from readiness.models.api import hash_key
from readiness.services.evidence import evidence_save
from readiness.services.gates import application_evidence_changed


@transaction.atomic
def alert_webhook_rotate(*, application: Application) -> tuple[AlertWebhook, str]:
    """The application's webhook (created the first time) with a new secret, which is returned
    to be shown once: only its hash is kept, and the previous secret stops working at once."""
    secret = AlertWebhook.new_secret()
    webhook = AlertWebhook.objects.select_for_update().filter(application=application).first()
    if webhook is None:
        webhook = AlertWebhook(application=application)
    else:
        webhook.rotated_at = timezone.now()
    webhook.secret_hash, webhook.secret_prefix = hash_key(secret), secret[:8]
    webhook.full_clean()
    webhook.save()
    return webhook, secret


@dataclass
class Received:
    """What one notification did, as the webhook's answer reports it."""

    recorded: list[AlertVerification] = field(default_factory=list)
    repeats: int = 0
    unmatched: int = 0
    resolved: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "recorded": len(self.recorded),
            "repeats": self.repeats,
            "unmatched": self.unmatched,
            "resolved": self.resolved,
        }


def _record_firing(
    check: AlertCheck, *, at: datetime, fingerprint: str, system: str, evidence: str, evidence_url: str
) -> AlertVerification | None:
    """A verification of the check, unless this alert's firing was recorded within the repeat
    window already (Alertmanager re-sends while an alert fires; flapping alerts fire again)."""
    window = timedelta(minutes=settings.ALERT_WEBHOOK_REPEAT_MINUTES)
    if AlertVerification.objects.filter(
        alert=check, fingerprint=fingerprint, verified_at__range=(at - window, at + window)
    ).exists():
        return None
    told = {"system": system, "evidence": evidence, "evidence_url": evidence_url}
    verification = AlertVerification(alert=check, verified_at=at, fingerprint=fingerprint, **told)
    verification.full_clean()
    verification.save()
    return verification


# Rows built from a parsed notification are checked in Python only: each constraint checked by
# full_clean costs a query per row (the foreign key's existence too), inside the webhook's lock.
# The database still enforces them all, and the rows are built to meet them (a system always
# named, dates parse_notification bounded, repeats and one row per name sorted out below).
WITHOUT_QUERIES: dict[str, Any] = {"validate_unique": False, "validate_constraints": False}
# What a sighting of an unmatched alert listed already changes on its row.
UPDATED_ON_SIGHT = [
    "times_seen", "labels", "fingerprint", "fired_at", "last_seen_at", "system", "summary", "evidence_url"
]


def _firings_recorded(matched: list[tuple[Alert, datetime, list[AlertCheck]]]) -> dict[tuple[int, str], list[datetime]]:
    """When each matched check was recorded firing with each alert's fingerprint, near enough
    to these firings to make one a repeat: one query for the whole notification."""
    window = timedelta(minutes=settings.ALERT_WEBHOOK_REPEAT_MINUTES)
    checks = {check.pk for _, _, checks in matched for check in checks}
    if not checks:
        return {}
    moments = [at for _, at, _ in matched]
    recorded: dict[tuple[int, str], list[datetime]] = {}
    for check_id, fingerprint, verified_at in AlertVerification.objects.filter(
        alert_id__in=checks,
        fingerprint__in={alert.fingerprint for alert, _, _ in matched},
        verified_at__range=(min(moments) - window, max(moments) + window),
    ).order_by().values_list("alert_id", "fingerprint", "verified_at"):
        recorded.setdefault((check_id, fingerprint), []).append(verified_at)
    return recorded


def _note_unmatched(
    application_id: int, notification: Notification, firing: list[tuple[Alert, datetime]], *, now: datetime
) -> None:
    """List the alerts no check matched, one row per name (its latest firing kept, every firing
    counted), in three queries whatever their number."""
    if not firing:
        return
    rows = {
        row.alert_name: row
        for row in UnmatchedAlert.objects.select_for_update().filter(
            application_id=application_id, alert_name__in={alert.name for alert, _ in firing}
        )
    }
    seen_before = list(rows.values())
    for alert, at in firing:
        if (row := rows.get(alert.name)) is None:
            row = rows[alert.name] = UnmatchedAlert(
                application_id=application_id, alert_name=alert.name, first_seen_at=now, times_seen=0
            )
        row.times_seen += 1
        row.labels, row.fingerprint, row.fired_at, row.last_seen_at = alert.labels, alert.fingerprint, at, now
        row.system, row.summary = notification.system, notification.summary(alert)
        row.evidence_url = notification.evidence_url(alert)
    for row in rows.values():
        row.full_clean(exclude=["application"], **WITHOUT_QUERIES)
    UnmatchedAlert.objects.bulk_create([row for row in rows.values() if row.pk is None])
    if seen_before:
        UnmatchedAlert.objects.bulk_update(seen_before, fields=UPDATED_ON_SIGHT)


@transaction.atomic
def alert_webhook_receive(
    *, webhook: AlertWebhook, notification: Notification, now: datetime | None = None
) -> Received:
    """Take one notification as a whole: each firing alert matching alert checks of the
    webhook's application records a verification of each (a repeat records nothing), one
    matching none is listed for mapping; resolved alerts change nothing.

    Its queries do not grow with its alerts: what it needs is read in one go, and written in one."""
    now = now or timezone.now()
    # One notification at a time per webhook: a retried delivery racing the first waits here,
    # then finds the first one's verifications and records nothing new.
    locked = AlertWebhook.objects.select_for_update().get(pk=webhook.pk)
    checks = list(AlertCheck.objects.filter(application_id=locked.application_id).exclude(alert_name=""))
    received = Received(resolved=sum(not alert.firing for alert in notification.alerts))
    # A sender's clock ahead of ours does not date evidence in the future.
    matched = [
        (alert, min(alert.starts_at, now), [check for check in checks if check.matches(alert.name, alert.labels)])
        for alert in notification.alerts
        if alert.firing
    ]
    recorded = _firings_recorded(matched)
    window = timedelta(minutes=settings.ALERT_WEBHOOK_REPEAT_MINUTES)
    unmatched: list[tuple[Alert, datetime]] = []
    for alert, at, alert_checks in matched:
        if not alert_checks:
            unmatched.append((alert, at))
            continue
        told = {"system": notification.system, "evidence": notification.summary(alert),
                "evidence_url": notification.evidence_url(alert)}
        for check in alert_checks:
            # Alertmanager re-sends while an alert fires, and flapping alerts fire again: within
            # the window (of those recorded before or earlier in this notification), a repeat.
            earlier = recorded.setdefault((check.pk, alert.fingerprint), [])
            if any(abs(moment - at) <= window for moment in earlier):
                received.repeats += 1
                continue
            earlier.append(at)
            verification = AlertVerification(alert=check, verified_at=at, fingerprint=alert.fingerprint, **told)
            verification.full_clean(exclude=["alert"], **WITHOUT_QUERIES)
            received.recorded.append(verification)
    received.unmatched = len(unmatched)
    if received.recorded:  # with their history, as a verification saved alone gets
        bulk_create_with_history(received.recorded, AlertVerification)
    _note_unmatched(locked.application_id, notification, unmatched, now=now)
    # An update, not a save: a delivery is bookkeeping, and a save would add a history entry each time.
    AlertWebhook.objects.filter(pk=locked.pk).update(last_received_at=now, last_received_from=notification.system)
    if received.recorded:
        application_evidence_changed(application_ids=[locked.application_id])
    return received


@transaction.atomic
def unmatched_alert_map(*, unmatched: UnmatchedAlert, alert: AlertCheck) -> AlertVerification | None:
    """The check matches this alert from now on (by its name alone), and its latest firing,
    the one listed, is recorded as a verification of the check."""
    row = UnmatchedAlert.objects.select_for_update().filter(pk=unmatched.pk).first()
    if row is None:
        raise ValidationError("This alert was mapped to a check already.")
    if row.application_id != alert.application_id:
        raise ValidationError("Pick an alert check of this application.")
    if alert.alert_name and alert.alert_name != row.alert_name:
        # Mapping would silently unmap the alert it proves now, which would then turn up unmatched.
        raise ValidationError(f"“{alert}” already matches the alert {alert.alert_name}: "
                              "pick a check with no alert name, or edit this one first.")
    alert.alert_name, alert.alert_labels = row.alert_name, ""
    evidence_save(alert, application_ids=[alert.application_id], update_fields=["alert_name", "alert_labels"])
    verification = _record_firing(
        alert,
        at=row.fired_at,
        fingerprint=row.fingerprint,
        system=row.system,
        evidence=row.summary,
        evidence_url=row.evidence_url,
    )
    row.delete()
    return verification
