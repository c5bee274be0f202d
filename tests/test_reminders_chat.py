"""Reminders by chat: a person who prefers a Slack or Teams channel gets the reminder posted to its
incoming webhook, exactly once, with the same signed links as the email; the address is checked
against the allowed chat hosts and never shown beyond its host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from readiness.chat import chat_payload
from readiness.models import ContactConfirmation, Person, ReminderChannel, ReminderLog, ReminderStep
from readiness.services.reminders import reminder_send, reminder_sweep
from tests import factories
from tests.chat_listener import Listener
from tests.conftest import WorkerProcess, wait_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener(settings: Any) -> Iterator[Listener]:
    settings.CHAT_WEBHOOK_HOSTS = ["hooks.slack.com", "*.webhook.office.com", "127.0.0.1"]
    served = Listener()
    yield served
    served.close()


def _chat_person(url: str, **fields: Any) -> Person:
    person = factories.PersonFactory(name="Noor Haddad", email="noor.haddad@harbourlane.example",
                                     reminder_channel=ReminderChannel.CHAT, chat_webhook=url, **fields)
    factories.EscalationLevelFactory(primary=person)
    Person.objects.filter(pk=person.pk).update(next_reminder_at=timezone.now() - timedelta(hours=1))
    person.refresh_from_db()
    return person


def _sweep() -> list[str]:
    decisions: list[str] = []
    reminder_sweep(dispatch=lambda pk, cycle, step: decisions.append(
        reminder_send(person_pk=pk, cycle=cycle, step=step)))
    return decisions


def test_a_reminder_by_chat_is_posted_once_and_its_signed_link_confirms(listener: Listener, client: Any) -> None:
    person = _chat_person(listener.url)

    assert _sweep() == ["sent"]
    assert reminder_send(person_pk=person.pk, cycle=1, step=ReminderStep.DUE) == "not due"  # the task again
    assert _sweep() == []

    assert len(listener.posts) == 1 and mail.outbox == []
    post = listener.posts[0]
    assert post["path"] == "/services/T000/B000/secret-part" and post["type"].startswith("application/json")
    text = post["json"]["text"]
    assert text.startswith("Please confirm your contact details in Handoff")
    assert "Hello Noor Haddad" in text and "noor.haddad@harbourlane.example" in text
    log = ReminderLog.objects.get(person=person)
    assert log.recipients == "chat: 127.0.0.1"  # the host only: the webhook's path is a secret

    confirm = re.search(r"https?://\S+/confirm/\S+", text)
    assert confirm is not None
    path = confirm.group(0).split("://", 1)[1].split("/", 1)[1]
    page = client.get("/" + path)
    assert page.status_code == 200 and "Noor Haddad" in page.content.decode()
    client.post("/" + path)
    assert ContactConfirmation.objects.filter(person=person).count() == 1


def test_a_webhook_that_refuses_is_recorded_on_the_person_and_the_step_moves_on(listener: Listener) -> None:
    listener.status = 404  # the channel's webhook was deleted
    person = _chat_person(listener.url)
    assert _sweep() == ["email failed"]
    person.refresh_from_db()
    assert "refused the message: HTTP 404" in person.reminder_error and person.reminder_step == ReminderStep.NAG
    assert ReminderLog.objects.filter(person=person).count() == 1


def test_a_webhook_in_trouble_rolls_the_step_back_for_the_retry(listener: Listener) -> None:
    listener.status = 503
    person = _chat_person(listener.url)
    with pytest.raises(OSError, match="HTTP 503"):
        reminder_send(person_pk=person.pk, cycle=1, step=ReminderStep.DUE)
    assert not ReminderLog.objects.exists()
    listener.status = 200
    assert reminder_send(person_pk=person.pk, cycle=1, step=ReminderStep.DUE) == "sent"
    assert len(listener.posts) == 2  # the refused one, then the retry


@pytest.mark.parametrize(("url", "message"), [
    ("https://evil.example/services/x", "Handoff posts only to these chat hosts"),
    ("http://hooks.slack.com/services/x", "must start with https://"),
    ("https://user:pw@hooks.slack.com/services/x", "no user name or password"),
    ("https://hooks.slack.com:99999/services/x", "a port that cannot be"),
    ("https://hooks.slack.com/services/a\x00b", "invalid-feedback"),
    ("", "Reminders by chat need the chat webhook address."),
])
def test_the_person_form_refuses_a_webhook_beside_the_field(
    admin_client: Any, settings: Any, url: str, message: str,
) -> None:
    settings.CHAT_WEBHOOK_HOSTS = ["hooks.slack.com"]
    person = factories.PersonFactory()
    response = admin_client.post(reverse("readiness:person_edit", args=[person.pk]), {
        "name": person.name, "email": person.email, "timezone": "Australia/Melbourne",
        "reminder_channel": "chat", "chat_webhook": url, "hours-TOTAL_FORMS": "0", "hours-INITIAL_FORMS": "0",
    })
    assert response.status_code == 200
    assert message in response.content.decode()
    person.refresh_from_db()
    assert person.reminder_channel == ReminderChannel.EMAIL and person.chat_webhook == ""


def test_the_person_page_shows_the_channel_and_only_the_webhook_host(admin_client: Any, settings: Any) -> None:
    settings.CHAT_WEBHOOK_HOSTS = ["hooks.slack.com"]
    person = factories.PersonFactory()
    response = admin_client.post(reverse("readiness:person_edit", args=[person.pk]), {
        "name": person.name, "email": person.email, "timezone": "Australia/Melbourne",
        "reminder_channel": "chat", "chat_webhook": "https://hooks.slack.com/services/T1/B2/s3cr3t",
        "hours-TOTAL_FORMS": "0", "hours-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302
    page = admin_client.get(reverse("readiness:person_detail", args=[person.pk])).content.decode()
    assert "Chat, posted to hooks.slack.com" in page and "s3cr3t" not in page
    # History is everyone's to read: the secret is not kept there, the channel is.
    fields = {field.name for field in Person.history.model._meta.get_fields()}
    assert "reminder_channel" in fields and "chat_webhook" not in fields
    assert person.history.latest().reminder_channel == ReminderChannel.CHAT


def test_teams_webhooks_get_an_adaptive_card_and_slack_plain_text() -> None:
    teams: Any = chat_payload("https://contoso.webhook.office.com/webhookb2/abc", "Hello")
    assert teams["type"] == "message"
    assert teams["attachments"][0]["content"]["body"][0] == {"type": "TextBlock", "text": "Hello", "wrap": True}
    assert chat_payload("https://hooks.slack.com/services/a", "Hello") == {"text": "Hello"}


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_posts_the_reminder_once(celery_worker_process: WorkerProcess, listener: Listener) -> None:
    from readiness.tasks import reminder_sweep as sweep_task

    worker = celery_worker_process
    worker.stop()
    worker.env.update(CHAT_WEBHOOK_HOSTS="127.0.0.1")
    worker.start()
    person = _chat_person(listener.url)
    sweep_task.delay()
    wait_for(lambda: ReminderLog.objects.filter(person=person).exists() and len(listener.posts) == 1,
             timeout=60, message="the reminder posted")
    sweep_task.delay()
    wait_for(lambda: "reminder sweep: 0 people due" in worker.log(), timeout=60, message="a second sweep")
    assert len(listener.posts) == 1, worker.log()[-2000:]
    assert "Hello Noor Haddad" in listener.posts[0]["json"]["text"]


def test_slack_text_is_escaped_so_a_name_cannot_ping_the_channel() -> None:
    assert chat_payload("https://hooks.slack.com/services/a", "Hello <!channel> & <@U123>") == {
        "text": "Hello &lt;!channel&gt; &amp; &lt;@U123&gt;"}


def test_a_webhook_that_redirects_is_refused_and_not_followed(listener: Listener) -> None:
    from readiness.chat import ChatMessage, ChatRefused

    elsewhere = Listener()
    try:
        listener.status = 302
        listener.location = elsewhere.url
        with pytest.raises(ChatRefused, match="HTTP 302"):
            ChatMessage(url=listener.url, text="Hello").send()
        assert len(listener.posts) == 1 and elsewhere.posts == []
    finally:
        elsewhere.close()
