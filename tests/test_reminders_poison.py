"""A contact whose reminder email can never go must not hold up the sweep or escape being marked stale."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from smtplib import SMTPRecipientsRefused

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.urls import reverse
from django.utils import timezone

from readiness.models import Person, ReminderLog, ReminderStep
from readiness.services import reminders
from readiness.services.reminders import header_safe
from tests import factories
from tests.test_reminders_sweep import sweep_and_send

pytestmark = pytest.mark.django_db

POISON = "poison@example.com"
REFUSED = {POISON}


class RefusingBackend(locmem.EmailBackend):
    """A mail server that rejects one mailbox for good (550), as a real one would a dead address."""

    def send_messages(self, messages):
        for message in messages:
            refused = set(message.recipients()) & REFUSED
            if refused:
                raise SMTPRecipientsRefused({address: (550, b"5.1.1 mailbox unavailable") for address in refused})
        return super().send_messages(messages)


@pytest.fixture
def due_people() -> tuple[Person, Person, Person]:
    """Three contacts on one path, all due now; the first has a line break in its name.

    Written straight to the table, as rows were saved before forms refused line breaks.
    """
    level = factories.EscalationLevelFactory(position=2)
    other = factories.EscalationLevelFactory(application=level.application, position=3)
    poison, normal, other_normal = level.primary, level.backup, other.primary
    Person.objects.filter(pk=poison.pk).update(name="Sam\nPoison", email=POISON)
    Person.objects.filter(pk__in=[poison.pk, normal.pk, other_normal.pk]).update(
        next_reminder_at=timezone.now() - timedelta(minutes=1)
    )
    Person.objects.filter(pk=other.backup_id).update(next_reminder_at=None)
    return Person.objects.get(pk=poison.pk), normal, other_normal


def _every_step(start: datetime) -> None:
    """Run the sweep at the first reminder, the nag (+3 days) and the last reminder (+7 days)."""
    for days in (0, 3, 7):
        with time_machine.travel(start + timedelta(days=days, hours=days)):
            sweep_and_send()


def test_a_name_with_a_line_break_goes_out_on_one_line_at_every_step(due_people) -> None:
    poison, normal, other = due_people
    start = timezone.now()
    _every_step(start)

    to_poison = [m for m in mail.outbox if m.to == [POISON]]
    assert [m.subject.split(":")[0] for m in to_poison] == [
        "Please confirm your contact details in Handoff", "Reminder", "Last reminder"]
    told = [m for m in mail.outbox if "has not confirmed" in m.subject]
    assert "Sam Poison has not confirmed their contact details" in [m.subject for m in told]
    assert len(told) == 3
    poison.refresh_from_db()
    assert poison.stale_since is not None
    assert poison.reminder_failed_at is None
    assert ReminderLog.objects.get(person=poison, step=ReminderStep.ESCALATED).subject == (
        "Sam Poison has not confirmed their contact details")


def test_a_refused_mailbox_is_recorded_shown_and_still_marked_stale(due_people, settings, client, lead, caplog) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    poison, normal, other = due_people
    start = timezone.now()

    with time_machine.travel(start), caplog.at_level(logging.ERROR, "readiness.services"):
        assert sorted(sweep_and_send()) == ["email failed", "sent", "sent"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted([normal.email, other.email])
    failure = next(r for r in caplog.records if r.exc_info)
    assert failure.getMessage() == f"reminder email failed for person {poison.pk}"
    # The next sweep re-sends nothing: the failed step counted too.
    mail.outbox.clear()
    with time_machine.travel(start + timedelta(minutes=20)):
        assert sweep_and_send() == []
    assert mail.outbox == []

    with time_machine.travel(start + timedelta(days=3, hours=1)):
        sweep_and_send()
    with time_machine.travel(start + timedelta(days=7, hours=1), tick=False):
        sweep_and_send()
        final_at = timezone.now()
    poison.refresh_from_db()
    # Unreachable by email is exactly what stale means: the last step marks them, and the leads hear.
    assert poison.stale_since == final_at
    assert poison.reminder_failed_at == final_at
    assert "Sam Poison has not confirmed their contact details" in [m.subject for m in mail.outbox]
    for person in (normal, other):
        assert Person.objects.get(pk=person.pk).stale_since == final_at
        assert ReminderLog.objects.filter(person=person).count() == 4
    assert not Person.objects.filter(pk__in=[normal.pk, other.pk], reminder_failed_at__isnull=False).exists()

    client.force_login(lead)
    shown = f"Reminder email failed on {timezone.localtime(final_at):%-d %b %Y %H:%M}: SMTPRecipientsRefused"
    for page in (reverse("readiness:person_detail", args=[poison.pk]),
                 reverse("readiness:person_reminders", args=[poison.pk]),
                 reverse("readiness:people_list")):
        body = client.get(page).content.decode()
        assert shown in body
        assert "mailbox unavailable" in body
    assert client.get(reverse("readiness:people_list")).content.decode().count("Reminder email failed") == 1


def test_a_header_django_refuses_is_caught_for_that_contact_only(due_people, monkeypatch) -> None:
    """As before subjects were made safe: Django's BadHeaderError stays with the one contact."""
    poison, normal, other = due_people
    monkeypatch.setattr(reminders, "header_safe", lambda text: text)
    Person.objects.filter(pk__in=[poison.pk, normal.pk, other.pk]).update(reminder_step=ReminderStep.FINAL)
    decisions = sweep_and_send()
    assert sorted(decisions) == ["email failed", "sent", "sent"]
    poison.refresh_from_db()
    assert poison.stale_since is not None
    assert poison.reminder_error.startswith("BadHeaderError: Header values can't contain newlines")
    last = {m.to[0] for m in mail.outbox if m.subject.startswith("Last reminder")}
    assert last == {POISON, normal.email, other.email}


def test_mail_server_trouble_rolls_the_step_back_for_a_retry(due_people, monkeypatch) -> None:
    poison, normal, other = due_people

    def down(self, messages):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", down)
    with pytest.raises(ConnectionRefusedError):
        reminders.reminder_send(person_pk=normal.pk, cycle=1, step=ReminderStep.DUE)
    normal.refresh_from_db()
    assert normal.reminder_step == ReminderStep.DUE and normal.reminder_failed_at is None
    assert not ReminderLog.objects.filter(person=normal).exists()


def test_confirming_clears_a_recorded_failure(due_people, settings) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"
    poison = due_people[0]
    sweep_and_send()
    poison.refresh_from_db()
    assert poison.reminder_failed_at is not None
    reminders.person_confirm(token=reminders.link_token(poison, poison.reminder_cycle))
    poison.refresh_from_db()
    assert poison.reminder_failed_at is None and poison.reminder_error == ""


@pytest.mark.parametrize(("name", "safe"), [
    ("Sam\nPoison", "Sam Poison"), ("Sam\r\n Poison", "Sam Poison"), ("A\x00B\tC", "A B C"),
    ("Zoë\u2028Smith", "Zoë Smith"), ("  plain  ", "plain"),
])
def test_header_safe_collapses_line_breaks_and_control_characters(name: str, safe: str) -> None:
    assert header_safe(name) == safe


def test_send_reminders_inline_goes_on_past_a_contact_whose_send_raises(due_people, monkeypatch, capsys) -> None:
    from django.core.management import call_command

    poison, normal, other = due_people
    real_send = reminders.reminder_send

    def send(*, person_pk: int, **kwargs):
        if person_pk == poison.pk:
            raise ConnectionResetError("mail server hung up")
        return real_send(person_pk=person_pk, **kwargs)

    monkeypatch.setattr("readiness.management.commands.send_reminders.reminder_send", send)
    call_command("send_reminders", "--inline")
    assert "3 due; 2 sent here. 1 failed (see the log)." in capsys.readouterr().out
    assert sorted(m.to[0] for m in mail.outbox) == sorted([normal.email, other.email])
