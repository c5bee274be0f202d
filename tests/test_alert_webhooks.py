"""Alert webhooks: Alertmanager's and Grafana's notifications, posted as they send them (the
fixtures in tests/fixtures/alerts/ follow the payloads the two projects document), turn an
alert check's firing into a verification, once; the rest is listed for mapping or refused."""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import dateformat, timezone

from readiness import models
from readiness.alert_payloads import PayloadError, parse_notification
from readiness.forms.artefacts import AlertCheckForm
from tests import factories

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "alerts"
SECRET = "whk_the-webhooks-secret"
# Where the fixtures' alerts link to, their rule in Prometheus.
SOURCE = "http://prometheus.example.org:9090/graph"
# Just after the fixtures' alerts fired.
NOW = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def edited(name: str, change: Any) -> bytes:
    payload = json.loads(fixture(name))
    change(payload)
    return json.dumps(payload).encode()


@pytest.fixture(autouse=True)
def _at_the_fixtures_time() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def webhook() -> models.AlertWebhook:
    return factories.AlertWebhookFactory(secret=SECRET)


def post(
    webhook: models.AlertWebhook,
    body: bytes | str,
    *,
    secret: str | None = SECRET,
    content_type: str = "application/json",
) -> Any:
    headers = {"Authorization": f"Bearer {secret}"} if secret is not None else {}
    return Client().post(
        reverse("readiness:alert_webhook", args=[webhook.key]), body, content_type=content_type, headers=headers
    )


def monitoring_gate(application: models.Application) -> tuple[str, str]:
    """The monitoring gate's card on the checklist: its status and its text."""
    client = Client()
    client.force_login(application.delivery_lead)
    page = client.get(application.get_absolute_url()).content.decode()
    card = re.search(r'<article[^>]*id="gate-monitoring".*?</article>', page, re.S)
    assert card is not None
    status = re.search(r'data-status="(\w+)"', card.group(0))
    assert status is not None
    return status.group(1), re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card.group(0)))


def lead_client(application: models.Application) -> Client:
    client = Client()
    client.force_login(application.delivery_lead)
    return client


# --- Must show 2 ------------------------------------------------------------------------------------


def test_alertmanager_firing_resolved_and_firing_again_records_one_verification_and_turns_the_gate(webhook) -> None:
    app = webhook.application
    check = factories.AlertCheckFactory(
        application=app,
        signal="ERP order sync failures",
        alert_name="ErpOrderSyncFailures",
        alert_labels="severity=critical",
    )
    status, text = monitoring_gate(app)
    assert status == "not_met" and "“ERP order sync failures” has never been seen firing." in text

    answers = [
        post(webhook, fixture(name))
        for name in ("alertmanager_firing", "alertmanager_resolved", "alertmanager_firing")
    ]

    assert [a.status_code for a in answers] == [200, 200, 200]
    assert [a.json() for a in answers] == [
        {"recorded": 1, "repeats": 0, "unmatched": 0, "resolved": 0},
        {"recorded": 0, "repeats": 0, "unmatched": 0, "resolved": 1},
        {"recorded": 0, "repeats": 1, "unmatched": 0, "resolved": 0},
    ]
    verification = models.AlertVerification.objects.get(alert=check)
    assert verification.system == "Alertmanager" and verification.verified_by is None
    assert verification.verified_at == datetime(2026, 12, 6, 19, 42, 11, 364000, tzinfo=UTC)
    assert verification.fingerprint == "6f1c2a0d3e7b9c41"
    assert verification.evidence.splitlines() == [
        "Alertmanager notified that ErpOrderSyncFailures was firing since 2026-12-06 19:42 UTC "
        "(route “handoff”, http://alertmanager.example.org:9093).",
        "Labels: alertname=ErpOrderSyncFailures, instance=erp-sync-1:9102, job=erp-sync, severity=critical",
        "Summary: Orders are not reaching the ERP",
        "Description: 7 order sync failures in the last 10 minutes on erp-sync-1:9102.",
        "Fingerprint: 6f1c2a0d3e7b9c41",
    ]
    assert verification.evidence_url.startswith("http://prometheus.example.org:9090/graph?g0.expr=")
    status, text = monitoring_gate(app)
    assert status == "met"
    day = f"{timezone.localtime(verification.verified_at):%d %b %Y}"
    assert f"“ERP order sync failures”: owned by {check.owner}, seen firing {day} by Alertmanager." in text
    webhook.refresh_from_db()
    assert webhook.last_received_at == NOW and webhook.last_received_from == "Alertmanager"
    # The alert's page says who saw it: the system.
    page = lead_client(app).get(check.get_absolute_url()).content.decode()
    assert "Alertmanager" in page and "Orders are not reaching the ERP" in page


def test_a_grafana_notification_records_one_verification_and_turns_the_gate(webhook) -> None:
    app = webhook.application
    check = factories.AlertCheckFactory(
        application=app, signal="Checkout latency", alert_name="Checkout latency high", alert_labels="team=ordering"
    )

    first, again = post(webhook, fixture("grafana_firing")), post(webhook, fixture("grafana_firing"))

    assert first.json() == {"recorded": 1, "repeats": 0, "unmatched": 0, "resolved": 0}
    assert again.json() == {"recorded": 0, "repeats": 1, "unmatched": 0, "resolved": 0}
    verification = models.AlertVerification.objects.get(alert=check)
    assert verification.system == "Grafana"
    assert verification.verified_at == datetime(2026, 12, 6, 18, 50, tzinfo=UTC)  # sent as 19:50+01:00
    assert "Summary: Customers wait too long at checkout" in verification.evidence
    assert "(route “Handoff”, https://grafana.example.org/)" in verification.evidence
    assert verification.evidence_url == "https://grafana.example.org/alerting/grafana/fe2k0x1mv3668e/view?orgId=1"
    status, text = monitoring_gate(app)
    assert status == "met" and "“Checkout latency”: owned by" in text and "by Grafana." in text


def test_an_unmatched_alert_is_listed_once_and_one_click_maps_it_and_records_its_firing(webhook) -> None:
    app = webhook.application
    check = factories.AlertCheckFactory(application=app, signal="Disk space on the sync host")

    answers = [post(webhook, fixture("alertmanager_unmatched")) for _ in range(2)]

    assert [a.json()["unmatched"] for a in answers] == [1, 1]
    assert not models.AlertVerification.objects.exists()
    row = models.UnmatchedAlert.objects.get(application=app)
    assert (row.alert_name, row.times_seen, row.system) == ("DiskAlmostFull", 2, "Alertmanager")
    client = lead_client(app)
    page = client.get(reverse("readiness:monitoring", args=[app.slug]))
    html = page.content.decode()
    assert "DiskAlmostFull" in html and "<code>device=/dev/sda1</code>" in html and "from Alertmanager" in html
    assert f"2, last {dateformat.format(timezone.localtime(NOW), 'j M Y H:i')}" in html
    form = next(form for row_, form in page.context["unmatched"] if row_ == row)
    data = {"submission_key": str(form["submission_key"].value()), "unmatched": row.pk, "alert": check.pk}
    url = reverse("readiness:unmatched_alert_map", args=[app.slug])

    answer = client.post(url, data, follow=True)
    twice = client.post(url, data)  # a double-click: sent where the first went, nothing done again

    assert answer.redirect_chain == [(reverse("readiness:monitoring", args=[app.slug]), 302)]
    assert (
        "“Disk space on the sync host” now matches the alert DiskAlmostFull; recorded its firing."
        in answer.content.decode()
    )
    assert twice.status_code == 302
    check.refresh_from_db()
    assert check.alert_name == "DiskAlmostFull"
    verification = models.AlertVerification.objects.get(alert=check)
    assert verification.system == "Alertmanager" and "Disk /dev/sda1 is 91% full" in verification.evidence
    assert verification.verified_at == datetime(2026, 12, 6, 19, 31, 40, 102000, tzinfo=UTC)
    assert not models.UnmatchedAlert.objects.exists()
    assert "Every alert received so far matched a check." in answer.content.decode()
    # From now on the alert matches: its next notification is a repeat of the firing just recorded.
    assert post(webhook, fixture("alertmanager_unmatched")).json()["repeats"] == 1


def test_mapping_an_alert_mapped_meanwhile_says_so(webhook) -> None:
    app = webhook.application
    check = factories.AlertCheckFactory(application=app)
    row = factories.UnmatchedAlertFactory(application=app)
    data = {"unmatched": row.pk, "alert": check.pk}
    row.delete()

    page = lead_client(app).post(reverse("readiness:unmatched_alert_map", args=[app.slug]), data)

    assert page.status_code == 200 and "This alert was mapped to a check already." in page.content.decode()
    assert not models.AlertVerification.objects.exists()


def test_labels_narrow_what_matches(webhook) -> None:
    app = webhook.application
    factories.AlertCheckFactory(application=app, alert_name="ErpOrderSyncFailures", alert_labels="severity=warning")

    assert post(webhook, fixture("alertmanager_firing")).json()["unmatched"] == 1

    assert not models.AlertVerification.objects.exists()
    assert models.UnmatchedAlert.objects.get().alert_name == "ErpOrderSyncFailures"


def test_a_firing_again_after_the_repeat_window_is_a_new_verification(webhook, settings) -> None:
    check = factories.AlertCheckFactory(application=webhook.application, alert_name="ErpOrderSyncFailures")
    post(webhook, fixture("alertmanager_firing"))

    later = post(
        webhook, edited("alertmanager_firing", lambda p: p["alerts"][0].update(startsAt="2026-12-06T19:59:00Z"))
    )
    assert later.json()["repeats"] == 1  # 17 minutes later: flapping, within the hour
    settings.ALERT_WEBHOOK_REPEAT_MINUTES = 10
    assert (
        post(
            webhook, edited("alertmanager_firing", lambda p: p["alerts"][0].update(startsAt="2026-12-06T19:59:00Z"))
        ).json()["recorded"]
        == 1
    )
    assert models.AlertVerification.objects.filter(alert=check).count() == 2


# --- refused, and nothing written -------------------------------------------------------------------


def _nothing_written() -> bool:
    return not (models.AlertVerification.objects.exists() or models.UnmatchedAlert.objects.exists())


def test_a_wrong_or_missing_secret_is_401_and_an_unknown_address_404(webhook) -> None:
    factories.AlertCheckFactory(application=webhook.application, alert_name="ErpOrderSyncFailures")
    body = fixture("alertmanager_firing")

    wrong, missing = post(webhook, body, secret="whk_guess"), post(webhook, body, secret=None)
    basic = Client().post(
        reverse("readiness:alert_webhook", args=[webhook.key]),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {SECRET}",
    )
    unknown = Client().post(
        reverse("readiness:alert_webhook", args=["00000000-0000-4000-8000-000000000000"]),
        body,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {SECRET}",
    )

    assert [wrong.status_code, missing.status_code, basic.status_code, unknown.status_code] == [401, 401, 401, 404]
    assert wrong.json() == {"error": "Send the webhook's secret: Authorization: Bearer <secret>."}
    assert wrong["WWW-Authenticate"].startswith("Bearer")
    assert unknown.json() == {"error": "No alert webhook has this address."}
    assert _nothing_written()
    webhook.refresh_from_db()
    assert webhook.last_received_at is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"{not json", "The body is not JSON: Expecting property name enclosed in double quotes (line 1, column 2)."),
        (b"\xff\xfe\x00", "The body is not"),
        (b"[]", "The body must be a JSON object, as Alertmanager and Grafana send."),
        (b"[" * 100_000, "The body nests too deeply to be a notification."),
        (b'{"version": "3", "alerts": []}', "Unknown payload version"),
        (b'{"version": "4", "alerts": {}}', "The payload has no list of alerts."),
        (
            edited("alertmanager_firing", lambda p: p["alerts"][0]["labels"].pop("alertname")),
            "alerts[0] has no alertname label.",
        ),
        (
            edited("alertmanager_firing", lambda p: p["alerts"][0].update(status="pending")),
            "alerts[0].status must be “firing” or “resolved”.",
        ),
        (
            edited("alertmanager_firing", lambda p: p["alerts"][0].update(startsAt="yesterday")),
            "alerts[0].startsAt is not a time in RFC 3339: 'yesterday'.",
        ),
        (
            edited("alertmanager_firing", lambda p: p["alerts"][0].update(startsAt="0001-01-01T00:00:00Z")),
            "alerts[0].startsAt is not between the years 2000 and 2100.",
        ),
        (
            edited("alertmanager_firing", lambda p: p["alerts"][0]["labels"].update(severity=3)),
            "alerts[0].labels must be an object of texts",
        ),
    ],
)
def test_a_bad_payload_is_400_with_its_reason(webhook, body: bytes, reason: str) -> None:
    factories.AlertCheckFactory(application=webhook.application, alert_name="ErpOrderSyncFailures")

    answer = post(webhook, body)

    assert answer.status_code == 400 and answer.json()["error"].startswith(reason)
    assert _nothing_written()


def test_one_bad_alert_refuses_the_whole_notification(webhook) -> None:
    factories.AlertCheckFactory(application=webhook.application, alert_name="ErpOrderSyncFailures")
    unmatched = json.loads(fixture("alertmanager_unmatched"))["alerts"][0]
    body = edited("alertmanager_firing", lambda p: p["alerts"].extend([unmatched, {"status": "firing"}]))

    answer = post(webhook, body)

    assert answer.status_code == 400 and answer.json() == {"error": "alerts[2] has no alertname label."}
    assert _nothing_written()


def test_a_body_over_the_limit_is_413_and_another_content_type_415(webhook) -> None:
    big = edited("alertmanager_firing", lambda p: p.update(padding="x" * 1_000_000))

    too_big = post(webhook, big)
    as_form = post(webhook, fixture("alertmanager_firing"), content_type="application/x-www-form-urlencoded")

    assert too_big.status_code == 413 and too_big.json() == {"error": "The body is larger than 1000000 bytes."}
    assert as_form.status_code == 415 and "application/json" in as_form.json()["error"]
    assert _nothing_written()


def test_nul_and_line_breaks_in_labels_are_stored_safely_and_shown_again(webhook) -> None:
    def poison(payload: dict[str, Any]) -> None:
        alert = payload["alerts"][0]
        alert["labels"].update(alertname="Disk\u0000Full\nNow", device="/dev/\u0000sda\ud800")
        alert["annotations"]["summary"] = "Full \u0000 disk"

    answer = post(webhook, edited("alertmanager_unmatched", poison))

    assert answer.status_code == 200 and answer.json()["unmatched"] == 1
    row = models.UnmatchedAlert.objects.get()
    assert row.alert_name == "Disk\ufffdFull\ufffdNow" and row.labels["device"] == "/dev/\ufffdsda\ufffd"
    assert "\x00" not in row.summary and "Summary: Full \ufffd disk" in row.summary
    page = lead_client(webhook.application).get(reverse("readiness:monitoring", args=[webhook.application.slug]))
    assert page.status_code == 200 and "Disk\ufffdFull\ufffdNow" in page.content.decode()


@pytest.mark.parametrize("link", [f"{SOURCE}?g0.expr=up\ud800", f"{SOURCE}\u0000", f"{SOURCE}\nX-Injected: 1"])
@pytest.mark.parametrize("matched", [True, False], ids=["a check's firing", "an unmatched alert"])
def test_a_source_link_that_cannot_be_kept_is_dropped_and_the_firing_still_recorded(
    webhook, link: str, matched: bool
) -> None:
    if matched:
        factories.AlertCheckFactory(application=webhook.application, alert_name="ErpOrderSyncFailures")

    def poison(payload: dict[str, Any]) -> None:
        payload["alerts"][0]["labels"]["alertname"] = "ErpOrderSyncFailures"
        payload["alerts"][0]["generatorURL"] = link

    answer = post(webhook, edited("alertmanager_unmatched", poison))

    assert answer.status_code == 200, answer.content
    assert answer.json()["recorded" if matched else "unmatched"] == 1
    kept = models.AlertVerification if matched else models.UnmatchedAlert
    assert list(kept.objects.values_list("evidence_url", flat=True)) == [""]


# --- the webhook and its page ----------------------------------------------------------------------


def test_the_webhook_is_created_and_rotated_from_the_monitoring_page_and_the_old_secret_stops_working() -> None:
    app = factories.ApplicationFactory()
    factories.AlertCheckFactory(application=app, alert_name="ErpOrderSyncFailures")
    client = lead_client(app)
    page_url = reverse("readiness:monitoring", args=[app.slug])
    assert "This application has no alert webhook yet." in client.get(page_url).content.decode()

    created = client.post(reverse("readiness:alert_webhook_rotate", args=[app.slug]), follow=True)
    first = created.context["new_secret"]
    webhook = models.AlertWebhook.objects.get(application=app)
    html = created.content.decode()
    assert first.startswith("whk_") and first in html
    assert f"http://testserver/hooks/alerts/{webhook.key}/" in html
    assert first not in client.get(page_url).content.decode()  # shown once
    assert webhook.secret_hash != first and first.startswith(webhook.secret_prefix)

    second = client.post(reverse("readiness:alert_webhook_rotate", args=[app.slug]), follow=True).context["new_secret"]

    assert post(webhook, fixture("alertmanager_firing"), secret=first).status_code == 401
    assert post(webhook, fixture("alertmanager_firing"), secret=second).json()["recorded"] == 1
    assert "from Alertmanager" in client.get(page_url).content.decode()


def test_a_double_click_on_rotate_rotates_once_and_the_secret_shown_works() -> None:
    app = factories.ApplicationFactory()
    client = lead_client(app)
    page = client.get(reverse("readiness:monitoring", args=[app.slug]))
    key = str(page.context["rotate_key"])
    rotate = reverse("readiness:alert_webhook_rotate", args=[app.slug])
    shown = client.post(rotate, {"submission_key": key}, follow=True).context["new_secret"]
    again = client.post(rotate, {"submission_key": key}, follow=True)

    assert again.context["new_secret"] is None  # the same click: nothing rotated, nothing new shown
    webhook = models.AlertWebhook.objects.get(application=app)
    assert post(webhook, fixture("alertmanager_firing"), secret=shown).status_code == 200


def test_only_editors_see_the_buttons_of_the_monitoring_page(webhook) -> None:
    app = webhook.application
    factories.UnmatchedAlertFactory(application=app, alert_name="QueueBacklog")
    reader = Client()
    reader.force_login(factories.support_analyst())

    html = reader.get(reverse("readiness:monitoring", args=[app.slug])).content.decode()

    assert "QueueBacklog" in html and "Rotate the secret" not in html and "Map<span" not in html
    page = lead_client(app).get(reverse("readiness:monitoring", args=[app.slug]))
    assert "Rotate the secret" in page.content.decode()


def test_the_monitoring_page_costs_the_same_queries_for_one_or_many_unmatched_alerts(webhook) -> None:
    app = webhook.application
    client = lead_client(app)
    url = reverse("readiness:monitoring", args=[app.slug])
    factories.AlertCheckFactory(application=app)
    factories.UnmatchedAlertFactory(application=app)
    client.get(url)  # the session's first save
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(5):
        factories.UnmatchedAlertFactory(application=app)
        factories.AlertCheckFactory(application=app)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(one)


def test_the_alert_form_takes_an_alert_name_and_label_matchers_and_says_what_is_wrong() -> None:
    app = factories.ApplicationFactory()
    data = {
        "signal": "Sync failures",
        "threshold": "Any",
        "user_impact": "Orders stop.",
        "alert_name": "ErpOrderSyncFailures",
        "alert_labels": "severity=critical\n\njob = erp-sync",
    }
    form = AlertCheckForm(data, application=app)
    assert form.is_valid(), form.errors
    assert form.save().matches("ErpOrderSyncFailures", {"severity": "critical", "job": "erp-sync", "x": "y"})

    bad = AlertCheckForm(
        {**data, "signal": "Else", "alert_labels": "severity=critical\nnot a matcher"}, application=app
    )
    nameless = AlertCheckForm({**data, "alert_name": "", "signal": "Other"}, application=app)

    assert bad.errors == {"alert_labels": ["Line 2 is not name=value with a label name such as severity."]}
    assert nameless.errors == {"alert_name": ["Name the alert the label matchers narrow down."]}


def test_both_fixtures_parse_as_the_systems_that_sent_them() -> None:
    alertmanager, grafana = (parse_notification(fixture(name)) for name in ("alertmanager_firing", "grafana_firing"))
    assert (alertmanager.system, grafana.system) == ("Alertmanager", "Grafana")
    assert [a.name for a in grafana.alerts] == ["Checkout latency high"]
    with pytest.raises(PayloadError):
        parse_notification(b"")


# --- a race, on PostgreSQL ----------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_notification_sent_six_times_at_once_records_one_verification(live_server: Any) -> None:
    webhook = factories.AlertWebhookFactory(secret=SECRET)
    check = factories.AlertCheckFactory(application=webhook.application, alert_name="ErpOrderSyncFailures")
    url = live_server.url + reverse("readiness:alert_webhook", args=[webhook.key])
    start, answers = threading.Barrier(6), [0] * 6

    def send(i: int) -> None:
        request = urllib.request.Request(
            url,
            data=fixture("alertmanager_firing"),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {SECRET}"},
        )
        start.wait()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answers[i] = response.status
        except urllib.error.HTTPError as error:
            answers[i] = error.code

    threads = [threading.Thread(target=send, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * 6
    assert models.AlertVerification.objects.filter(alert=check).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_different_notifications_at_once_each_count_what_they_carry(live_server: Any) -> None:
    """Each carries its own firing of the check, one firing all six share, an unmatched alert all
    six carry and one of its own: the webhook's lock makes them one after the other."""
    webhook = factories.AlertWebhookFactory(secret=SECRET)
    check = factories.AlertCheckFactory(application=webhook.application, alert_name="ErpOrderSyncFailures")
    url = live_server.url + reverse("readiness:alert_webhook", args=[webhook.key])
    start, answers = threading.Barrier(6), [0] * 6

    def alert(name: str, fingerprint: str) -> dict[str, Any]:
        return {"status": "firing", "labels": {"alertname": name}, "startsAt": "2026-12-06T19:42:11Z",
                "fingerprint": fingerprint}

    def send(i: int) -> None:
        alerts = [alert("ErpOrderSyncFailures", f"own{i}"), alert("ErpOrderSyncFailures", "shared"),
                  alert("DiskFull", "disk"), alert(f"Unmatched{i}", f"u{i}")]
        request = urllib.request.Request(
            url, data=json.dumps({"version": "4", "alerts": alerts}).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {SECRET}"},
        )
        start.wait()
        with urllib.request.urlopen(request, timeout=30) as response:
            answers[i] = response.status

    threads = [threading.Thread(target=send, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert answers == [200] * 6
    fingerprints = sorted(models.AlertVerification.objects.filter(alert=check).values_list("fingerprint", flat=True))
    assert fingerprints == sorted([*(f"own{i}" for i in range(6)), "shared"])
    unmatched = dict(models.UnmatchedAlert.objects.values_list("alert_name", "times_seen"))
    assert unmatched == {"DiskFull": 6, **{f"Unmatched{i}": 1 for i in range(6)}}



def test_the_alert_list_shows_each_alerts_latest_firing_with_the_same_queries_however_many() -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app = factories.ApplicationFactory()
    client = lead_client(app)
    url = reverse("readiness:alert_list", args=[app.slug])
    alert = factories.AlertCheckFactory(application=app, alert_name="ErpOrderSyncFailures")
    melbourne = ZoneInfo("Australia/Melbourne")

    def fired(day: int) -> None:
        factories.AlertVerificationFactory(alert=alert, verified_at=datetime(2026, 11, day, 12, tzinfo=melbourne))

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    for day in (3, 9, 5):
        fired(day)
    page = client.get(url).content.decode()
    assert "9 Nov 2026" in page and "3 Nov 2026" not in page and "5 Nov 2026" not in page
    few = queries()
    for day in range(10, 30):
        fired(day)
    assert queries() == few
    assert "29 Nov 2026" in client.get(url).content.decode()


def test_mapping_to_a_check_that_already_matches_another_alert_is_refused_and_keeps_its_match(webhook) -> None:
    app = webhook.application
    mapped = factories.AlertCheckFactory(application=app, alert_name="ErpOrderSyncFailures")
    row = factories.UnmatchedAlertFactory(application=app, alert_name="QueueBacklog")
    client = lead_client(app)
    page = client.post(reverse("readiness:unmatched_alert_map", args=[app.slug]),
                       {"unmatched": row.pk, "alert": mapped.pk})
    assert page.status_code == 200
    assert "already matches the alert ErpOrderSyncFailures" in page.content.decode()
    mapped.refresh_from_db()
    assert mapped.alert_name == "ErpOrderSyncFailures" and models.UnmatchedAlert.objects.filter(pk=row.pk).exists()
