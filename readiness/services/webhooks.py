"""Writes of alert webhooks: an application's webhook and its secret, the notifications it
receives (a firing alert matching an alert check is a verification of it), and mapping an
alert that matched none to a check."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

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


def _note_unmatched(
    application_id: int, notification: Notification, alert: Alert, *, at: datetime, now: datetime
) -> None:
    row = UnmatchedAlert.objects.filter(application_id=application_id, alert_name=alert.name).first()
    if row is None:
        row = UnmatchedAlert(application_id=application_id, alert_name=alert.name, first_seen_at=now, times_seen=0)
    row.times_seen += 1
    row.labels, row.fingerprint, row.fired_at, row.last_seen_at = alert.labels, alert.fingerprint, at, now
    row.system, row.summary = notification.system, notification.summary(alert)
    row.evidence_url = notification.evidence_url(alert)
    row.full_clean()
    row.save()


@transaction.atomic
def alert_webhook_receive(
    *, webhook: AlertWebhook, notification: Notification, now: datetime | None = None
) -> Received:
    """Take one notification as a whole: each firing alert matching alert checks of the
    webhook's application records a verification of each (a repeat records nothing), one
    matching none is listed for mapping; resolved alerts change nothing."""
    now = now or timezone.now()
    # One notification at a time per webhook: a retried delivery racing the first waits here,
    # then finds the first one's verifications and records nothing new.
    locked = AlertWebhook.objects.select_for_update().get(pk=webhook.pk)
    checks = list(AlertCheck.objects.filter(application_id=locked.application_id).exclude(alert_name=""))
    received = Received()
    for alert in notification.alerts:
        if not alert.firing:
            received.resolved += 1
            continue
        at = min(alert.starts_at, now)  # a sender's clock ahead of ours does not date evidence in the future
        matched = [check for check in checks if check.matches(alert.name, alert.labels)]
        if not matched:
            _note_unmatched(locked.application_id, notification, alert, at=at, now=now)
            received.unmatched += 1
        for check in matched:
            verification = _record_firing(
                check,
                at=at,
                fingerprint=alert.fingerprint,
                system=notification.system,
                evidence=notification.summary(alert),
                evidence_url=notification.evidence_url(alert),
            )
            if verification is None:
                received.repeats += 1
            else:
                received.recorded.append(verification)
    locked.last_received_at, locked.last_received_from = now, notification.system
    locked.save(update_fields=["last_received_at", "last_received_from"])
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
