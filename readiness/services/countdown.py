"""The weekly countdown: each delivery lead is told, once a week, of their applications going
live in the next 30 days, with the days left and where each stands.

Beat runs the sweep daily; it fans out one task per delivery lead with such applications and
no countdown yet this week. The task claims the lead's week by inserting its CountdownDigest
row (unique per lead and week) in one transaction with the send: two sweeps at once, or a task
delivered twice, send one mail (the second insert waits for the first and finds the week
claimed); a failed send rolls the claim back for the next try. The same discipline as the
regression digests (services.regressions), with a unique row as the claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from readiness.models import Application, CountdownDigest, ReadinessSnapshot, Stage
from readiness.queue import enqueue_on_commit
from readiness.services.reminders import header_safe

logger = logging.getLogger(__name__)

COUNTDOWN_DAYS = 30


def week_of(day: date) -> date:
    """The Monday of the day's week: a lead's countdown is claimed once per such week."""
    return day - timedelta(days=day.weekday())


def going_live(today: date) -> QuerySet[Application]:
    """Applications going live from today to 30 days on, not yet in business as usual."""
    return Application.objects.filter(
        go_live_date__range=(today, today + timedelta(days=COUNTDOWN_DAYS)), delivery_lead__isnull=False
    ).exclude(stage=Stage.BAU)


def countdown_digests_sweep(*, now: datetime | None = None, dispatch: Callable[[int], None] | None = None) -> int:
    """One countdown task per delivery lead with an application going live within 30 days and no
    countdown this week (the sweep writes nothing: a lost task is asked for again by the next
    sweep). Returns how many leads."""
    dispatch = dispatch or (lambda user_pk: enqueue_on_commit("countdown_digest_send", user_pk))
    today = timezone.localdate(now)
    told = CountdownDigest.objects.filter(week=week_of(today)).values("lead_id")
    leads = sorted(set(going_live(today).exclude(delivery_lead__in=told).values_list("delivery_lead", flat=True)))
    for user_pk in leads:
        dispatch(user_pk)
    logger.info("countdown digests: %d delivery leads to tell", len(leads))
    return len(leads)


@transaction.atomic
def countdown_digest_send(*, user_pk: int, now: datetime | None = None) -> int:
    """Email one delivery lead the countdown of their applications going live within 30 days,
    once this week. Returns how many applications it listed (0: none, already told this week, or
    the lead has no email)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    lead = User.objects.filter(pk=user_pk, is_active=True).exclude(email="").first()
    if lead is None:
        return 0
    applications = list(going_live(today).filter(delivery_lead=lead).order_by("go_live_date", "name"))
    if not applications:
        return 0
    try:
        # The claim: a second send this week (another sweep, a redelivered task) waits here for
        # this transaction, then fails the unique constraint and sends nothing.
        with transaction.atomic():
            CountdownDigest.objects.create(lead=lead, week=week_of(today), sent_at=now, applications=len(applications))
    except IntegrityError:
        logger.info("countdown digest for user %s: already sent the week of %s", user_pk, week_of(today))
        return 0
    # Where each stands: its latest stored verdict (one query for all of them, one row each).
    latest_day = ReadinessSnapshot.objects.filter(application=OuterRef("application"), day__lte=today).order_by(
        "-day").values("day")[:1]
    latest = {snapshot.application_id: snapshot for snapshot in ReadinessSnapshot.objects.filter(
        application__in=applications, day=Subquery(latest_day))}
    items = [
        {
            "application": application,
            "days": (application.go_live_date - today).days if application.go_live_date else None,
            "snapshot": latest.get(application.pk),
            "url": settings.SITE_URL + application.get_absolute_url(),
        }
        for application in applications
    ]
    count = len(items)
    subject = header_safe(
        f"Going live in the next {COUNTDOWN_DAYS} days: {count} application{'s' if count != 1 else ''}"
    )
    context = {
        "lead": lead,
        "items": items,
        "days": COUNTDOWN_DAYS,
        "dashboard_url": settings.SITE_URL + reverse("readiness:home"),
    }
    EmailMessage(subject=subject, body=render_to_string("emails/countdown_digest.txt", context), to=[lead.email]).send()
    logger.info("countdown digest for user %s: %d applications", user_pk, count)
    return count
