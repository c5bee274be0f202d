"""The reminder sweep and sender: cadence, exactly-once, leave and leavers, verification periods."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.management import call_command
from django.utils import timezone

from readiness.gates import verdict_for
from readiness.models import Application, GateCode, Person, ReminderLog, ReminderStep
from readiness.services.escalation import level_save
from readiness.services.person_places import people_schedule_refresh, verification_days_for
from readiness.services.reminders import reminder_send, reminder_sweep
from tests import factories

pytestmark = pytest.mark.django_db

DUE_EMAILS = {"tom.rees@harbourlane.example", "raj.patel@harbourlane.example", "andrea.reyes@harbourlane.example"}
WEEKDAYS = range(0, 5)


@pytest.fixture
def portal(lead: User, analyst: User) -> Application:
    """The ordering portal's service desk and ERP level; Tom, Raj and Andrea are due a reminder, nobody else."""
    application = factories.ApplicationFactory(name="Trade Ordering Portal", slug="ordering-portal",
                                               delivery_lead=lead, support_lead=analyst)
    factories.EscalationLevelFactory(
        application=application, position=1, name="Service desk",
        primary=factories.PersonFactory(name="Mia Chen", email="mia.chen@harbourlane.example"),
        backup=factories.PersonFactory(name="Tom Rees", email="tom.rees@harbourlane.example", phone="+61 2 8011 2290",
                                       timezone="Australia/Sydney", hours=(time(8, 30), time(17, 30), WEEKDAYS)),
        after_hours_cover=factories.PersonFactory(name="Andrea Reyes", email="andrea.reyes@harbourlane.example",
                                                  timezone="Asia/Manila", hours=(time(16), time(23, 59), range(7))))
    factories.EscalationLevelFactory(
        application=application, position=3, name="ERP integration",
        primary=factories.PersonFactory(name="Raj Patel", email="raj.patel@harbourlane.example",
                                        timezone="Australia/Sydney"),
        backup=factories.PersonFactory(name="Grace O'Neill", email="grace.oneill@harbourlane.example"))
    Person.objects.filter(email__in=DUE_EMAILS).update(next_reminder_at=timezone.now() - timedelta(days=1))
    return application


def sweep_and_send(now: datetime | None = None) -> list[str]:
    """One sweep whose fan-out runs each send here (the real worker runs them in test_reminders_worker)."""
    decisions: list[str] = []
    reminder_sweep(now=now, dispatch=lambda pk, cycle, step: decisions.append(
        reminder_send(person_pk=pk, cycle=cycle, step=step, now=now)))
    return decisions


def test_three_due_contacts_get_one_email_each_and_a_second_sweep_sends_none(portal: Application) -> None:
    assert sweep_and_send() == ["sent", "sent", "sent"]
    assert sorted(m.to[0] for m in mail.outbox) == sorted(DUE_EMAILS)
    assert all(m.subject == "Please confirm your contact details in Handoff" for m in mail.outbox)
    tom = next(m for m in mail.outbox if m.to == ["tom.rees@harbourlane.example"])
    # What Handoff holds, and the two signed links, in text and HTML.
    assert "+61 2 8011 2290" in tom.body and "Australia/Sydney" in tom.body
    assert "Trade Ordering Portal, L1 Service desk: backup; primary: Mia Chen" in tom.body
    assert "Monday 08:30–17:30" in tom.body
    assert isinstance(tom, EmailMultiAlternatives)
    html = tom.alternatives[0][0]
    assert isinstance(html, str)
    assert ">All correct</a>" in html and ">Something changed</a>" in html and "/changed/" in html
    # One Message-ID per person, cycle and step, the same however often it were sent.
    person = Person.objects.get(email="tom.rees@harbourlane.example")
    assert tom.message()["Message-ID"].startswith(f"<handoff.{person.pk}.{person.reminder_cycle}.due@")
    assert len({m.message()["Message-ID"] for m in mail.outbox}) == 3

    mail.outbox.clear()
    assert sweep_and_send() == []
    assert mail.outbox == []
    assert ReminderLog.objects.count() == 3


def test_nags_after_three_days_and_the_lead_is_told_and_the_gate_shows_stale_after_seven(portal: Application) -> None:
    start = timezone.now()
    sweep_and_send(start)
    mail.outbox.clear()

    with time_machine.travel(start + timedelta(days=2, hours=23)):
        assert sweep_and_send() == []
    with time_machine.travel(start + timedelta(days=3, minutes=1)):
        assert sweep_and_send() == ["sent", "sent", "sent"]
        assert {m.to[0] for m in mail.outbox} == DUE_EMAILS
        assert all(m.subject.startswith("Reminder:") for m in mail.outbox)
        assert not Person.objects.filter(stale_since__isnull=False).exists()
    mail.outbox.clear()

    with time_machine.travel(start + timedelta(days=7, minutes=1)):
        assert sweep_and_send() == ["sent", "sent", "sent"]
        last = [m for m in mail.outbox if m.subject.startswith("Last reminder")]
        told = [m for m in mail.outbox if m.subject.endswith("has not confirmed their contact details")]
        assert {m.to[0] for m in last} == DUE_EMAILS
        leads = {portal.delivery_lead.email, portal.support_lead.email}
        assert len(told) == 3 and all(set(m.to) == leads for m in told)
        assert "Tom Rees" in told[0].body or "Raj Patel" in told[0].body or "Andrea Reyes" in told[0].body
        stale = set(Person.objects.filter(stale_since__isnull=False).values_list("email", flat=True))
        assert stale == DUE_EMAILS

        gate = next(r for r in verdict_for(portal).results
                    if r.gate.code == GateCode.ESCALATION_PATH)
        text = " ".join(m.text for m in gate.missing)
        assert "the backup, Tom Rees, has not confirmed their details" in text
        assert "Raj Patel, has not confirmed" in text
        assert gate.status == "not_met"

    mail.outbox.clear()
    with time_machine.travel(start + timedelta(days=30)):
        # Escalated exactly once: nothing more about these three until they confirm.
        sweep_and_send()
    assert not [m for m in mail.outbox if set(m.to) & DUE_EMAILS or "has not confirmed" in m.subject]
    for email in DUE_EMAILS:
        steps = ReminderLog.objects.filter(person__email=email).values_list("step", flat=True)
        assert sorted(steps) == sorted([ReminderStep.DUE, ReminderStep.NAG, ReminderStep.FINAL, ReminderStep.ESCALATED])


def test_the_same_task_twice_or_two_overlapping_sweeps_send_once(portal: Application) -> None:
    first: list[tuple[int, int, str]] = []
    second: list[tuple[int, int, str]] = []
    reminder_sweep(dispatch=lambda *task: first.append(task))
    reminder_sweep(dispatch=lambda *task: second.append(task))
    assert first == second and len(first) == 3
    decisions = [reminder_send(person_pk=pk, cycle=c, step=s) for pk, c, s in first + second + first]
    assert decisions.count("sent") == 3 and decisions.count("not due") == 6
    assert len(mail.outbox) == 3


def test_a_claimed_step_is_never_sent_again_even_if_the_person_still_looks_due(portal: Application) -> None:
    """As after a crash between the commit of another sender and its bookkeeping: the log row wins."""
    tom = Person.objects.get(email="tom.rees@harbourlane.example")
    factories.ReminderLogFactory(person=tom, cycle=1, step=ReminderStep.DUE, subject="earlier")
    assert reminder_send(person_pk=tom.pk, cycle=1, step=ReminderStep.DUE) == "already sent"
    assert mail.outbox == []
    tom.refresh_from_db()
    assert tom.reminder_step == ReminderStep.NAG


def test_a_person_on_leave_is_reminded_the_morning_they_return() -> None:
    person = factories.PersonFactory(timezone="Australia/Sydney")
    now = timezone.now()
    Person.objects.filter(pk=person.pk).update(next_reminder_at=now - timedelta(hours=1))
    today = timezone.localtime(now, person.zone).date()
    factories.LeaveFactory(person=person, starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=4))
    assert sweep_and_send(now) == ["on leave"]
    assert mail.outbox == []
    person.refresh_from_db()
    back = datetime.combine(today + timedelta(days=5), time(9, 0), tzinfo=person.zone)
    assert person.next_reminder_at == back
    with time_machine.travel(back + timedelta(minutes=1)):
        assert sweep_and_send() == ["sent"]
    assert mail.outbox[0].to == [person.email]


def test_a_person_who_left_gets_nothing_and_the_path_owners_hear_once() -> None:
    level = factories.EscalationLevelFactory(position=2)
    gone = level.primary
    Person.objects.filter(pk=gone.pk).update(left_on=date(2020, 1, 1), next_reminder_at=timezone.now())
    assert sweep_and_send() == ["left"]
    assert len(mail.outbox) == 1
    owners = {level.application.delivery_lead.email, level.application.support_lead.email}
    assert set(mail.outbox[0].to) == owners and gone.email not in mail.outbox[0].to
    assert "has left" in mail.outbox[0].subject
    assert sweep_and_send() == []
    assert ReminderLog.objects.get(person=gone).step == ReminderStep.LEFT


def test_verification_period_is_the_shortest_over_every_path() -> None:
    long_app = factories.ApplicationFactory(contact_verification_days=120, first_level_verification_days=40)
    short_app = factories.ApplicationFactory(contact_verification_days=60, first_level_verification_days=20)
    engineer, cover, first_level, nobody = (factories.PersonFactory() for _ in range(4))
    factories.EscalationLevelFactory(application=long_app, position=2, primary=engineer, after_hours_cover=cover)
    factories.EscalationLevelFactory(application=short_app, position=1, primary=first_level)
    factories.EscalationLevelFactory(application=short_app, position=3, backup=engineer)
    days = verification_days_for([engineer.pk, cover.pk, first_level.pk, nobody.pk])
    # engineer: 120 on one path, 60 on the other; after-hours cover and first level take the short period.
    assert days == {engineer.pk: 60, cover.pk: 40, first_level.pk: 20, nobody.pk: 90}


def test_a_shorter_period_moves_the_next_reminder_forward(django_capture_on_commit_callbacks) -> None:
    person = factories.PersonFactory()
    added = person.created_at
    assert abs(person.next_reminder_at - (added + timedelta(days=90))) < timedelta(seconds=5)
    with django_capture_on_commit_callbacks(execute=True):
        # Put on a first level through the service, which derives their period again.
        level_save(level=factories.EscalationLevelFactory.build(
            application=factories.ApplicationFactory(), position=1, primary=person, backup=None))
    person.refresh_from_db()
    assert person.verification_days == 30
    assert person.next_reminder_at == added + timedelta(days=30)
    assert people_schedule_refresh(person_ids=[person.pk]) == 0


def test_sweep_asks_the_database_once_per_chunk_however_many_are_due(django_assert_num_queries) -> None:
    now = timezone.now()
    people = [factories.PersonFactory(hours=(time(9), time(17), [])) for _ in range(25)]
    with django_assert_num_queries(1):
        assert reminder_sweep(now=now, chunk_size=10, dispatch=lambda *a: None) == 0
    Person.objects.filter(pk__in=[p.pk for p in people[:5]]).update(next_reminder_at=now - timedelta(days=1))
    with django_assert_num_queries(1):
        assert reminder_sweep(now=now, chunk_size=10, dispatch=lambda *a: None) == 5
    # Equal due times too: the keyset breaks ties on the primary key, so nobody is skipped or repeated.
    Person.objects.filter(pk__in=[p.pk for p in people]).update(next_reminder_at=now - timedelta(days=1))
    seen: list[int] = []
    with django_assert_num_queries(3):
        assert reminder_sweep(now=now, chunk_size=10, dispatch=lambda pk, c, s: seen.append(pk)) == 25
    assert sorted(seen) == sorted(p.pk for p in people)
    seen.clear()
    more = [factories.PersonFactory(hours=(time(9), time(17), [])).pk for _ in range(5)]
    Person.objects.filter(pk__in=more).update(next_reminder_at=now - timedelta(hours=1))
    with django_assert_num_queries(4):  # 30 due: three full chunks and the empty fourth that ends it
        assert reminder_sweep(now=now, chunk_size=10, dispatch=lambda pk, c, s: seen.append(pk)) == 30
    assert len(set(seen)) == 30


def test_send_reminders_dry_run_lists_who_is_due_and_sends_nothing(portal: Application, capsys) -> None:
    call_command("send_reminders", "--dry-run")
    out = capsys.readouterr().out
    assert "Tom Rees" in out and "Raj Patel" in out and "Andrea Reyes" in out and "3 due; dry run" in out
    assert mail.outbox == [] and not ReminderLog.objects.exists()
    call_command("send_reminders", "--inline")
    assert "3 due; 3 sent here." in capsys.readouterr().out
    assert len(mail.outbox) == 3


def test_levels_and_applications_load_with_deferred_fields() -> None:
    """Loading with .only() must not recurse through the change-tracking signal."""
    from readiness.models import Application, EscalationLevel

    level = factories.EscalationLevelFactory()
    assert EscalationLevel.objects.only("pk").get(pk=level.pk).primary_id == level.primary_id
    assert Application.objects.only("name").get(pk=level.application_id).contact_verification_days == 90
