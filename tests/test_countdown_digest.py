"""The weekly countdown: each delivery lead hears once a week of their applications going live in
the next 30 days (the claim-in-the-database discipline of the regression digests)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from readiness.models import Application, CountdownDigest, Stage
from readiness.services.countdown import countdown_digest_send, countdown_digests_sweep, week_of
from readiness.services.gates import readiness_snapshot_refresh
from readiness.tasks import countdown_digests_sweep as sweep_task
from tests import factories
from tests.conftest import at_once, wait_for

pytestmark = pytest.mark.django_db


def _in(days: int):
    return timezone.localdate() + timedelta(days=days)


def _apps(lead):
    """Two going live within 30 days, one beyond, one already live, one in BAU, one of another lead."""
    soon = factories.ApplicationFactory(
        delivery_lead=lead, name="Pricing service", go_live_date=_in(3), stage=Stage.HARDENING
    )
    later = factories.ApplicationFactory(delivery_lead=lead, name="Kiosk", go_live_date=_in(30))
    factories.ApplicationFactory(delivery_lead=lead, name="Far away", go_live_date=_in(31))
    factories.ApplicationFactory(delivery_lead=lead, name="Gone live", go_live_date=_in(-1))
    factories.ApplicationFactory(delivery_lead=lead, name="Handed over", go_live_date=_in(5), stage=Stage.BAU)
    factories.ApplicationFactory(name="Someone else's", go_live_date=_in(4))
    return soon, later


def test_the_lead_hears_of_each_application_going_live_in_30_days_with_days_left_and_where_it_stands(lead) -> None:
    soon, later = _apps(lead)
    readiness_snapshot_refresh(application_ids=[soon.pk])

    assert countdown_digest_send(user_pk=lead.pk) == 2

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [lead.email]
    assert message.subject == "Going live in the next 30 days: 2 applications"
    body = message.body
    assert body.startswith("Hello Dana Whitfield,")
    assert "2 of your applications go live in the next 30 days:" in body
    go_live = soon.go_live_date
    assert f"- Pricing service: go-live {go_live:%a} {go_live.day} {go_live:%b %Y}, in 3 days" in body
    assert "Not ready: " in body and " gates met, " in body  # its stored verdict
    assert f"Checklist: {django_settings.SITE_URL}/apps/{soon.slug}/" in body
    assert "- Kiosk: go-live " in body and "in 30 days\n  Not judged yet." in body
    assert body.index("Pricing service") < body.index("Kiosk")  # soonest first
    for absent in ("Far away", "Gone live", "Handed over", "Someone else's"):
        assert absent not in body
    assert CountdownDigest.objects.get().applications == 2


def test_once_a_week_however_often_it_is_asked_and_again_the_next_week(lead) -> None:
    _apps(lead)
    # The other lead's application: told in their own mail.
    other_lead = Application.objects.get(name="Someone else's").delivery_lead_id
    dispatched: list[int] = []
    assert countdown_digests_sweep(dispatch=dispatched.append) == 2
    assert dispatched == sorted([lead.pk, other_lead])
    assert countdown_digest_send(user_pk=lead.pk) == 2
    # Told this week: a second send, or a second sweep, has nothing to do for this lead.
    assert countdown_digest_send(user_pk=lead.pk) == 0
    dispatched.clear()
    assert countdown_digests_sweep(dispatch=dispatched.append) == 1 and dispatched == [other_lead]
    assert len(mail.outbox) == 1

    next_week = timezone.now() + timedelta(days=7)
    dispatched.clear()
    assert countdown_digests_sweep(now=next_week, dispatch=dispatched.append) == 1 and dispatched == [lead.pk]
    assert countdown_digest_send(user_pk=lead.pk, now=next_week) == 2  # days left counted from then
    assert len(mail.outbox) == 2 and "in 23 days" in mail.outbox[1].body
    weeks = sorted(CountdownDigest.objects.values_list("week", flat=True))
    assert weeks == [week_of(timezone.localdate()), week_of(timezone.localdate(next_week))]
    assert all(week.weekday() == 0 for week in weeks)


def test_nothing_to_count_down_sends_nothing_and_claims_no_week(lead) -> None:
    factories.ApplicationFactory(delivery_lead=lead, go_live_date=_in(45))
    assert countdown_digests_sweep(dispatch=lambda pk: None) == 0
    assert countdown_digest_send(user_pk=lead.pk) == 0
    assert not mail.outbox and not CountdownDigest.objects.exists()


def test_a_lead_without_email_or_who_left_is_not_written_to(lead) -> None:
    _apps(lead)
    lead.email = ""
    lead.save()
    assert countdown_digest_send(user_pk=lead.pk) == 0
    lead.email, lead.is_active = "dana@example.com", False
    lead.save()
    assert countdown_digest_send(user_pk=lead.pk) == 0
    assert not mail.outbox and not CountdownDigest.objects.exists()


def test_a_failed_send_leaves_the_week_unclaimed_for_the_next_try(lead, monkeypatch) -> None:
    _apps(lead)

    def refuse(*args, **kwargs):
        raise OSError("mail server away")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    with pytest.raises(OSError):
        countdown_digest_send(user_pk=lead.pk)
    assert not CountdownDigest.objects.exists()  # the claim rolled back with the send

    monkeypatch.undo()
    assert countdown_digest_send(user_pk=lead.pk) == 2 and len(mail.outbox) == 1


def test_beat_sweeps_daily_and_the_claim_is_weekly() -> None:
    entry = django_settings.CELERY_BEAT_SCHEDULE["countdown-digests"]
    assert entry["task"] == "readiness.tasks.countdown_digests_sweep"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {45}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_send_one_countdown(lead) -> None:
    _apps(lead)
    told = at_once(lambda: countdown_digest_send(user_pk=lead.pk))

    assert sorted(told) == [0, 2] and len(mail.outbox) == 1
    assert CountdownDigest.objects.count() == 1


@pytest.mark.worker
def test_two_sweeps_through_a_real_worker_send_one_countdown(celery_worker_process, lead) -> None:
    _apps(lead)

    sweep_task.delay()
    sweep_task.delay()

    other = Application.objects.select_related("delivery_lead").get(name="Someone else's").delivery_lead
    wait_for(lambda: CountdownDigest.objects.count() == 2, message="countdowns sent")
    # Each sweep asked for both leads: four sends ran, two mails left, one a lead.
    wait_for(lambda: celery_worker_process.log().count("countdown_digest_send") >= 8, message="every send ran")
    folder = Path(celery_worker_process.env["EMAIL_FILE_PATH"])
    text = "".join(f.read_text() for f in sorted(folder.glob("*.log")))
    assert sorted(re.findall(r"^To: (.+)$", text, flags=re.MULTILINE)) == sorted([lead.email, other.email])
    assert "Going live in the next 30 days: 2 applications" in text
