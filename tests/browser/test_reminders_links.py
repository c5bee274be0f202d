"""A contact, signed out, answers a reminder in real Chromium: confirm, change, and the link pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from readiness.models import ContactConfirmation, Person
from readiness.services.reminders import link_token
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _contact() -> Person:
    level = factories.EscalationLevelFactory(position=1)
    return Person.objects.get(pk=level.primary_id)


def test_all_correct_confirms_and_a_used_expired_or_tampered_link_gets_a_clear_page(checked_page) -> None:
    person = _contact()
    page = checked_page.page
    url = reverse("readiness:reminder_confirm", args=[link_token(person, 1)])

    response = checked_page.goto(url)
    assert response.status == 200
    assert page.get_by_role("heading", level=1).inner_text() == f"Are these details still right, {person.name}?"
    assert person.phone in page.content()
    page.get_by_role("button", name="Yes, all correct").click()
    page.wait_for_load_state()
    checked_page.check()
    assert page.get_by_role("heading", level=1).inner_text() == f"Thank you, {person.name}"
    person.refresh_from_db()
    assert person.last_confirmed_at is not None and person.reminder_cycle == 2

    again = checked_page.goto(url)
    assert again.status == 410
    assert page.get_by_role("heading", level=1).inner_text() == "This link has already been used"

    with time_machine.travel(timezone.now() - timedelta(days=15)):
        old = link_token(person, 2)
    expired = checked_page.goto(reverse("readiness:reminder_confirm", args=[old]))
    assert expired.status == 410
    assert page.get_by_role("heading", level=1).inner_text() == "This link has expired"

    token = link_token(person, 2)
    tampered = checked_page.goto(reverse("readiness:reminder_confirm", args=[token[:-4] + "AAAA"]))
    assert tampered.status == 400
    assert page.get_by_role("heading", level=1).inner_text() == "This link is not valid"
    assert ContactConfirmation.objects.count() == 1


def test_something_changed_saves_the_edited_details_with_history(checked_page) -> None:
    person = _contact()
    page = checked_page.page
    checked_page.goto(reverse("readiness:reminder_change", args=[link_token(person, 1)]))
    assert page.get_by_label("Phone").input_value() == person.phone

    page.get_by_label("Timezone").fill("Sydney")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "not a known IANA timezone" in page.locator("#id_timezone").locator("xpath=..").inner_text()

    page.get_by_label("Phone").fill("+61 2 9555 0199")
    page.get_by_label("Timezone").fill("Australia/Sydney")
    page.get_by_label("Anything else that changed?").fill("I now work Tuesday to Saturday.")
    page.get_by_role("button", name="Save my details").click()
    page.wait_for_load_state()
    checked_page.check()
    assert page.get_by_role("heading", level=1).inner_text() == f"Thank you, {person.name}"

    person.refresh_from_db()
    assert (person.phone, person.timezone) == ("+61 2 9555 0199", "Australia/Sydney")
    latest = person.history.first()
    assert latest.history_change_reason == f"Changed by {person.name} (reminder link): phone, timezone"
    assert latest.prev_record.phone == "+61 3 9000 0000"
    assert ContactConfirmation.objects.get(person=person).note == "I now work Tuesday to Saturday."


def test_delivery_lead_sees_the_reminder_history_and_records_a_reachability_test(checked_page) -> None:
    factories.delivery_lead(username="dana", first_name="Dana", last_name="Whitfield")
    person = _contact()
    checked_page.sign_in("dana")
    page = checked_page.page
    checked_page.goto(reverse("readiness:person_reminders", args=[person.pk]))
    assert page.get_by_role("heading", level=1).inner_text().startswith(f"Reminders for {person.name}")
    page.get_by_label("Email").uncheck()
    page.get_by_role("button", name="Send test").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Reachability test started on phone" in page.content()
    page.get_by_label("Result of the phone test").select_option("unreachable")
    page.get_by_label("Note").fill("no answer, voicemail full")
    page.get_by_role("button", name="Record").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Not reached" in page.content() and "no answer, voicemail full" in page.content()
