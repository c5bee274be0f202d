"""What one notification costs the database: the alert webhook holds the lock on its row while it
records, so its queries must not grow with the number of alerts Alertmanager groups together."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness import models
from tests import factories

pytestmark = pytest.mark.django_db

SECRET = "whk_the-webhooks-secret"
FIRED = "2026-12-06T19:42:11Z"
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def _alert(name: str, fingerprint: str, status: str = "firing") -> dict[str, Any]:
    return {"status": status, "labels": {"alertname": name, "severity": "critical"}, "annotations": {},
            "startsAt": FIRED, "fingerprint": fingerprint}


def _notification(size: int) -> dict[str, Any]:
    """`size` new firings of checks and `size` new unmatched alerts, with one of each kind of
    repeat (recorded before; twice in this notification), an unmatched alert seen before, and a
    resolved alert."""
    alerts = [_alert("Seen", "seen"), *(_alert(f"Matched{i}", f"m{i}") for i in range(size)), _alert("Matched0", "m0"),
              _alert("Known", "known"), *(_alert(f"Unmatched{i}", f"u{i}") for i in range(size)),
              _alert("Gone", "gone", status="resolved")]
    return {"version": "4", "receiver": "handoff", "status": "firing", "alerts": alerts}


def _post_counting(size: int) -> tuple[models.AlertWebhook, dict[str, int], int]:
    webhook = factories.AlertWebhookFactory(secret=SECRET)
    app = webhook.application
    seen = factories.AlertCheckFactory(application=app, alert_name="Seen")
    factories.AlertVerificationFactory(alert=seen, verified_by=None, system="Alertmanager", fingerprint="seen",
                                       verified_at=datetime.fromisoformat(FIRED))
    for i in range(size):
        factories.AlertCheckFactory(application=app, alert_name=f"Matched{i}")
    factories.UnmatchedAlertFactory(application=app, alert_name="Known", times_seen=3)
    url = reverse("readiness:alert_webhook", args=[webhook.key])
    with CaptureQueriesContext(connection) as queries:
        answer = Client().post(url, json.dumps(_notification(size)), content_type="application/json",
                               headers={"Authorization": f"Bearer {SECRET}"})
    assert answer.status_code == 200, answer.content
    return webhook, answer.json(), len(queries)


@time_machine.travel(NOW, tick=False)
def test_a_notification_costs_the_same_queries_for_one_or_twenty_alerts_of_each_kind() -> None:
    _, one, queries_for_one = _post_counting(1)
    webhook, twenty, queries_for_twenty = _post_counting(20)

    assert one == {"recorded": 1, "repeats": 2, "unmatched": 2, "resolved": 1}
    assert twenty == {"recorded": 20, "repeats": 2, "unmatched": 21, "resolved": 1}
    assert queries_for_twenty == queries_for_one <= 15
    app = webhook.application
    recorded = models.AlertVerification.objects.filter(alert__application=app, system="Alertmanager")
    assert sorted(recorded.values_list("fingerprint", flat=True)) == sorted(["seen", *(f"m{i}" for i in range(20))])
    # Each new verification has its history entry, as one saved alone has.
    history = models.AlertVerification.history.filter(alert__application=app, history_type="+")
    fingerprints = sorted(recorded.values_list("fingerprint", flat=True))
    assert sorted(history.values_list("fingerprint", flat=True)) == fingerprints
    unmatched = {row.alert_name: row for row in models.UnmatchedAlert.objects.filter(application=app)}
    assert sorted(unmatched) == sorted(["Known", *(f"Unmatched{i}" for i in range(20))])
    assert unmatched["Known"].times_seen == 4 and unmatched["Known"].fingerprint == "known"
    assert unmatched["Known"].last_seen_at == NOW and unmatched["Unmatched7"].first_seen_at == NOW
    assert unmatched["Unmatched7"].times_seen == 1 and unmatched["Unmatched7"].labels["alertname"] == "Unmatched7"
    webhook.refresh_from_db()
    assert webhook.last_received_at == NOW


def test_deliveries_leave_the_webhooks_history_to_its_rotations() -> None:
    webhook = factories.AlertWebhookFactory(secret=SECRET)
    url = reverse("readiness:alert_webhook", args=[webhook.key])
    for _ in range(3):
        answer = Client().post(url, json.dumps(_notification(1)), content_type="application/json",
                               headers={"Authorization": f"Bearer {SECRET}"})
        assert answer.json()["unmatched"] == 5

    assert [entry.history_type for entry in webhook.history.all()] == ["+"]
    webhook.refresh_from_db()
    assert webhook.last_received_from == "Alertmanager" and webhook.last_received_at is not None
