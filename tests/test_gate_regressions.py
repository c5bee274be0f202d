"""A gate that was met and stops being met is noticed once and told once to the delivery lead."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from django.core import mail
from django.db import connection

from readiness.models import GateRegression
from readiness.services.gates import readiness_snapshot_refresh
from readiness.services.regressions import regression_digest_send, regression_digests_sweep
from readiness.tasks import regression_digests_sweep as sweep_task
from tests import factories
from tests.chat_listener import Listener
from tests.conftest import wait_for


def _known_issue_gate_regresses(lead):
    """An application whose known-issues gate is met, then an open issue tied to an old release."""
    application = factories.ApplicationFactory(delivery_lead=lead, current_release="2.0.0")
    readiness_snapshot_refresh(application_ids=[application.pk])
    factories.KnownIssueFactory(application=application, title="Totals round twice", release="1.9.0")
    return application


def test_a_gate_that_stops_being_met_is_noticed_once_with_why(lead) -> None:
    application = _known_issue_gate_regresses(lead)
    assert not GateRegression.objects.exists()  # met on the first judgement: nothing regressed

    readiness_snapshot_refresh(application_ids=[application.pk])  # as the writer's refresh or beat
    readiness_snapshot_refresh(application_ids=[application.pk])  # judged again the same day

    regression = GateRegression.objects.get()
    assert (regression.application, regression.gate, regression.notified_at) == (application, "known_issues", None)
    assert "Totals round twice" in regression.reason and "1.9.0" in regression.reason


def test_the_lead_is_told_once_in_a_digest_with_the_fix_link(lead, settings) -> None:
    application = _known_issue_gate_regresses(lead)
    readiness_snapshot_refresh(application_ids=[application.pk])
    other = factories.GateRegressionFactory(application=factories.ApplicationFactory(delivery_lead=lead, name="Kiosk"))
    dispatched: list[int] = []

    assert regression_digests_sweep(dispatch=dispatched.append) == 1 and dispatched == [lead.pk]
    assert regression_digest_send(user_pk=lead.pk) == 2

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [lead.email] and message.subject == "2 go-live gates regressed"
    assert "7. Known issues" in message.body and "Totals round twice" in message.body
    assert f"{settings.SITE_URL}/apps/{application.slug}/#gate-known_issues" in message.body
    assert "Kiosk: 2. Monitoring (since" in message.body
    assert f"/apps/{other.application.slug}/#gate-monitoring" in message.body
    # Told: a second digest, or a second sweep, has nothing to say.
    assert regression_digest_send(user_pk=lead.pk) == 0 and len(mail.outbox) == 1
    assert regression_digests_sweep(dispatch=dispatched.append) == 0
    assert not GateRegression.objects.filter(notified_at__isnull=True).exists()


def test_a_failed_send_leaves_the_regressions_for_the_next_sweep(lead, monkeypatch) -> None:
    factories.GateRegressionFactory(application=factories.ApplicationFactory(delivery_lead=lead))

    def refuse(*args, **kwargs):
        raise OSError("mail server away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(OSError):
        regression_digest_send(user_pk=lead.pk)

    assert GateRegression.objects.get().notified_at is None  # the claim rolled back with the send


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_digests_at_once_tell_each_regression_once(lead) -> None:
    for _ in range(3):
        factories.GateRegressionFactory(application=factories.ApplicationFactory(delivery_lead=lead))
    start = threading.Barrier(2)
    told: list[int] = []

    def digest() -> None:
        try:
            start.wait()
            told.append(regression_digest_send(user_pk=lead.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=digest) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(told) == [0, 3] and len(mail.outbox) == 1


@pytest.mark.worker
def test_two_sweeps_through_a_real_worker_send_one_digest(celery_worker_process, lead) -> None:
    for _ in range(2):
        factories.GateRegressionFactory(application=factories.ApplicationFactory(delivery_lead=lead))

    sweep_task.delay()
    sweep_task.delay()

    wait_for(lambda: not GateRegression.objects.filter(notified_at__isnull=True).exists(), message="digests sent")
    wait_for(lambda: celery_worker_process.log().count("regression_digest_send") >= 4, message="both digests ran")
    folder = Path(celery_worker_process.env["EMAIL_FILE_PATH"])
    text = "".join(f.read_text() for f in sorted(folder.glob("*.log")))
    assert re.findall(r"^To: (.+)$", text, flags=re.MULTILINE) == [lead.email]
    assert "2 go-live gates regressed" in text


def test_a_lead_who_chose_chat_gets_the_digest_posted_once_and_email_when_the_chat_refuses(lead, settings) -> None:
    settings.CHAT_WEBHOOK_HOSTS = ["127.0.0.1"]
    listener = Listener()
    try:
        factories.PersonFactory(user=lead, reminder_channel="chat", chat_webhook=listener.url)
        application = _known_issue_gate_regresses(lead)
        readiness_snapshot_refresh(application_ids=[application.pk])

        assert regression_digest_send(user_pk=lead.pk) == 1
        assert regression_digest_send(user_pk=lead.pk) == 0  # told: nothing posted twice
        assert len(listener.posts) == 1 and mail.outbox == []
        text = listener.posts[0]["json"]["text"]
        assert text.startswith("1 go-live gate regressed: ") and "Totals round twice" in text
        assert f"/apps/{application.slug}/#gate-known_issues" in text

        listener.status = 404  # the channel's webhook was deleted: the next digest goes by email
        factories.GateRegressionFactory(application=application)
        assert regression_digest_send(user_pk=lead.pk) == 1
        assert len(listener.posts) == 2 and [m.to for m in mail.outbox] == [[lead.email]]
    finally:
        listener.close()
