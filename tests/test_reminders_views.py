"""Reminder pages: the public signed links (confirm, change), the history page, reachability tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from readiness.models import (
    ConfirmationKind,
    ContactConfirmation,
    Person,
    ReachabilityResult,
    ReachabilityTest,
    ReminderStep,
)
from readiness.services.reachability import reachability_test_email
from readiness.services.reminders import contact_changes_notify, link_token, reminder_send
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def person() -> Person:
    level = factories.EscalationLevelFactory(position=1)
    return Person.objects.get(pk=level.primary_id)


def _urls(person: Person) -> tuple[str, str]:
    token = link_token(person, person.reminder_cycle)
    return reverse("readiness:reminder_confirm", args=[token]), reverse("readiness:reminder_change", args=[token])


def test_all_correct_shows_the_details_and_confirms_only_on_the_button(client, person) -> None:
    confirm, _ = _urls(person)
    page = client.get(confirm)
    assert page.status_code == 200
    assert person.phone in page.content.decode() and "Yes, all correct" in page.content.decode()
    person.refresh_from_db()
    assert person.last_confirmed_at is None  # a mail scanner's GET answers nothing

    done = client.post(confirm)
    assert done.status_code == 200 and "Your details are confirmed" in done.content.decode()
    person.refresh_from_db()
    assert person.last_confirmed_at is not None
    assert person.reminder_cycle == 2 and person.reminder_step == ReminderStep.DUE
    assert person.next_reminder_at == person.last_confirmed_at + timedelta(days=person.verification_days)
    assert ContactConfirmation.objects.get(person=person).kind == ConfirmationKind.CONFIRMED
    assert person.history.first().history_change_reason.startswith(f"Confirmed all correct by {person.name}")


def test_a_used_link_gets_a_clear_page_not_an_error(client, person) -> None:
    confirm, change = _urls(person)
    client.post(confirm)
    for url in (confirm, change):
        again = client.get(url)
        assert again.status_code == 410
        assert "already been used" in again.content.decode()
    assert client.post(confirm).status_code == 410
    assert ContactConfirmation.objects.count() == 1


def test_an_expired_link_gets_a_clear_page(client, person) -> None:
    confirm, change = _urls(person)
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1)):
        for url in (confirm, change):
            page = client.get(url)
            assert page.status_code == 410 and "This link has expired" in page.content.decode()
        assert client.post(confirm).status_code == 410
    person.refresh_from_db()
    assert person.last_confirmed_at is None


def test_a_tampered_link_gets_a_clear_page(client, person) -> None:
    token = link_token(person, person.reminder_cycle)
    other = factories.PersonFactory()
    forged = f"{other.pk}.1" + token[token.index(":"):]
    for bad in (token[:-3] + "abc", forged, "nonsense"):
        page = client.get(reverse("readiness:reminder_confirm", args=[bad]))
        assert page.status_code == 400 and "This link is not valid" in page.content.decode()
    assert client.post(reverse("readiness:reminder_change", args=[forged]), {"name": "X"}).status_code == 400
    assert not ContactConfirmation.objects.exists()


def test_something_changed_is_prefilled_and_bad_input_is_explained_beside_the_field(client, person) -> None:
    _, change = _urls(person)
    page = client.get(change)
    assert page.status_code == 200 and f'value="{person.phone}"' in page.content.decode()
    bad = client.post(change, {"name": person.name, "phone": "12", "chat_handle": "", "timezone": "Mars/Olympus"})
    assert bad.status_code == 200
    form = bad.context["form"]
    assert "at least 6 digits" in form.errors["phone"][0]
    assert "not a known IANA timezone" in form.errors["timezone"][0]
    person.refresh_from_db()
    assert person.timezone == "Australia/Melbourne" and not ContactConfirmation.objects.exists()


def test_something_changed_saves_with_history_and_tells_the_leads(client, person,
                                                                 django_capture_on_commit_callbacks) -> None:
    _, change = _urls(person)
    data = {"name": person.name, "phone": "+63 917 555 0101", "chat_handle": "@new", "timezone": "Asia/Manila",
            "note": "Moving to the Manila office; my backup is now Jomar."}
    with django_capture_on_commit_callbacks() as callbacks:
        done = client.post(change, data)
    assert done.status_code == 200 and "Your details are saved" in done.content.decode()
    person.refresh_from_db()
    assert (person.phone, person.chat_handle, person.timezone) == ("+63 917 555 0101", "@new", "Asia/Manila")
    assert person.reminder_cycle == 2 and person.last_confirmed_at is not None
    record = person.history.first()
    assert record.history_change_reason.startswith(f"Changed by {person.name} (reminder link): phone")
    assert record.prev_record.phone == "+61 3 9000 0000"
    confirmation = ContactConfirmation.objects.get(person=person)
    assert confirmation.kind == ConfirmationKind.CHANGED
    assert confirmation.changes["timezone"] == ["Australia/Melbourne", "Asia/Manila"]
    assert "Jomar" in confirmation.note
    # Enqueued on commit: the refresh of the verdicts of the applications naming them (gate 4),
    # and the note to the leads.
    assert len(callbacks) == 2
    assert contact_changes_notify(confirmation_pk=confirmation.pk)
    application = person.primary_levels.get().application
    assert set(mail.outbox[0].to) == {application.delivery_lead.email, application.support_lead.email}
    assert "Australia/Melbourne → Asia/Manila" in mail.outbox[0].body and "Jomar" in mail.outbox[0].body
    assert client.get(change).status_code == 410


def test_reminder_history_page_needs_sign_in_and_shows_what_was_sent_and_answered(client, lead, person) -> None:
    url = reverse("readiness:person_reminders", args=[person.pk])
    assert client.get(url).status_code == 302
    Person.objects.filter(pk=person.pk).update(next_reminder_at=timezone.now())
    reminder_send(person_pk=person.pk, cycle=1, step=ReminderStep.DUE)
    client.post(_urls(person)[0])
    client.force_login(lead)
    page = client.get(url).content.decode()
    assert "Reminder (due)" in page and person.email in page
    assert "Confirmed all correct" in page and "Send a reachability test" in page


def test_reminder_history_page_asks_a_fixed_number_of_queries(client, lead, person,
                                                              django_assert_max_num_queries) -> None:
    client.force_login(lead)
    url = reverse("readiness:person_reminders", args=[person.pk])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for cycle in range(1, 6):
        factories.ReminderLogFactory(person=person, cycle=cycle)
        factories.ContactConfirmationFactory(person=person, cycle=cycle)
        factories.ReachabilityTestFactory(person=person, channel="phone", sent_by=lead)
    with django_assert_max_num_queries(len(few)):
        client.get(url)


def test_only_roles_with_the_permission_send_or_record_reachability_tests(client, analyst, person) -> None:
    client.force_login(analyst)
    send = reverse("readiness:reachability_test_send", args=[person.pk])
    assert client.post(send, {"channels": ["email"]}).status_code == 403
    test = factories.ReachabilityTestFactory(person=person, channel="phone", sent_by=analyst)
    record = reverse("readiness:reachability_test_record", args=[person.pk, test.pk])
    assert client.post(record, {"result": "reached"}).status_code == 403
    test.refresh_from_db()
    assert test.result == ReachabilityResult.PENDING
    page = client.get(reverse("readiness:person_reminders", args=[person.pk])).content.decode()
    assert "Send a reachability test" not in page


def test_delivery_lead_sends_a_reachability_test_and_records_the_result(client, lead, person,
                                                                      django_capture_on_commit_callbacks) -> None:
    client.force_login(lead)
    send = reverse("readiness:reachability_test_send", args=[person.pk])
    bad = client.post(send, {})
    assert bad.status_code == 400 and "This field is required" in bad.content.decode()
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(send, {"channels": ["email", "phone"]})
    assert response.status_code == 302 and len(callbacks) == 1
    email_test = ReachabilityTest.objects.get(channel="email")
    phone_test = ReachabilityTest.objects.get(channel="phone")

    # The email test: the contact acknowledges through a signed link, signed out.
    assert reachability_test_email(test_pk=email_test.pk)
    ack = mail.outbox[0].body.split("http://127.0.0.1:8000", 1)[1].split()[0]
    client.logout()
    assert client.get(ack).status_code == 200
    assert client.post(ack).status_code == 200
    email_test.refresh_from_db()
    assert email_test.result == ReachabilityResult.REACHED and email_test.recorded_by is None
    assert client.post(ack).status_code == 410

    # The phone test: the lead calls, then records how it went.
    client.force_login(lead)
    record = reverse("readiness:reachability_test_record", args=[person.pk, phone_test.pk])
    assert client.post(record, {"result": "unreachable", "note": "voicemail after 6 rings"}).status_code == 302
    phone_test.refresh_from_db()
    assert phone_test.result == ReachabilityResult.UNREACHABLE and phone_test.recorded_by == lead
    page = client.get(reverse("readiness:person_reminders", args=[person.pk])).content.decode()
    assert "voicemail after 6 rings" in page and "acknowledged by the contact" in page


def test_a_stale_contact_shows_as_stale_on_the_path_and_the_person_page(client, analyst, person) -> None:
    Person.objects.filter(pk=person.pk).update(stale_since=timezone.now())
    level = person.primary_levels.get()
    client.force_login(analyst)
    path = client.get(reverse("readiness:path_detail", args=[level.application.slug])).content.decode()
    assert "stale: unconfirmed since" in path
    detail = client.get(reverse("readiness:person_detail", args=[person.pk])).content.decode()
    assert "stale: unconfirmed since" in detail
    assert reverse("readiness:person_reminders", args=[person.pk]) in detail
