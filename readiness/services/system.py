from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from readiness.models import FormSubmission, Heartbeat, UserSession


def heartbeat_record(*, name: str, at: datetime | None = None) -> Heartbeat:
    heartbeat, _ = Heartbeat.objects.update_or_create(name=name, defaults={"beat_at": at or timezone.now()})
    return heartbeat


@transaction.atomic
def sessions_prune(*, now: datetime | None = None) -> int:
    """Delete the sessions that expired (signed out by time, never by the button); returns how
    many. Django leaves them to `clearsessions`; nothing else removes them."""
    deleted, _ = UserSession.objects.filter(expire_date__lt=now or timezone.now()).delete()
    return deleted


def form_submissions_prune(*, older_than: timedelta, now: datetime | None = None) -> int:
    """Forget the one-time keys (readiness.submissions) of forms sent more than `older_than` ago;
    returns how many. They guard against a double-click, a refresh or the back button, all
    within minutes: a form sent again days later runs as a new one. Nothing else reads them, so
    without this the table only grows, by one row per form sent."""
    deleted, _ = FormSubmission.objects.filter(created_at__lt=(now or timezone.now()) - older_than).delete()
    return deleted
