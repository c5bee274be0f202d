"""One-time form keys are forgotten once they are two days old: the table does not only grow."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from readiness import tasks
from readiness.models import FormSubmission, Team
from readiness.services.system import form_submissions_prune
from tests import factories

pytestmark = pytest.mark.django_db


def _sent(user, *, ago: timedelta) -> FormSubmission:
    with time_machine.travel(timezone.now() - ago, tick=False):
        return factories.FormSubmissionFactory(user=user, result_url="/people/")


def test_keys_older_than_the_limit_are_deleted_and_younger_ones_kept(lead) -> None:
    old = _sent(lead, ago=timedelta(days=3))
    just_over = _sent(lead, ago=timedelta(days=2, minutes=1))
    recent = _sent(lead, ago=timedelta(hours=47))
    fresh = _sent(lead, ago=timedelta(seconds=5))

    assert form_submissions_prune(older_than=timedelta(days=2)) == 2

    left = set(FormSubmission.objects.values_list("pk", flat=True))
    assert left == {recent.pk, fresh.pk}
    assert old.pk not in left and just_over.pk not in left


def test_the_daily_task_keeps_two_days_and_beat_runs_it_at_night(lead, settings) -> None:
    _sent(lead, ago=timedelta(days=2, hours=1))
    kept = _sent(lead, ago=timedelta(days=1))

    assert tasks.form_submissions_prune() == 1

    assert list(FormSubmission.objects.values_list("pk", flat=True)) == [kept.pk]
    entry = settings.CELERY_BEAT_SCHEDULE["form-submissions-prune"]
    assert entry["task"] == "readiness.tasks.form_submissions_prune"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {20}


def test_a_form_sent_again_within_two_days_still_lands_where_the_first_did(client, lead) -> None:
    key = str(uuid.uuid4())
    client.force_login(lead)
    first = client.post(reverse("readiness:team_create"), {"name": "Hosting", "submission_key": key})
    assert first.status_code == 302

    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert tasks.form_submissions_prune() == 0
        again = client.post(reverse("readiness:team_create"), {"name": "Hosting", "submission_key": key})

    assert again.status_code == 302 and again["Location"] == first["Location"]
    assert Team.objects.filter(name="Hosting").count() == 1
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert tasks.form_submissions_prune() == 1
    assert not FormSubmission.objects.exists()
