"""Telling delivery leads that a gate regressed: one digest a lead a day, each regression once.

Regressions are noticed by the readiness refresh (services.gates) and kept as rows
(models.GateRegression). Beat runs the sweep daily; it fans out one digest task per delivery
lead with regressions nobody was told of. The task claims those rows (one UPDATE, in one
transaction with the send), so two sweeps at once, or a task delivered twice, tell each
regression once: the second finds them told.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from readiness.chat import ChatMessage, ChatRefused
from readiness.models import Application, GateRegression, Person, ReminderChannel
from readiness.queue import enqueue_on_commit
from readiness.services.reminders import header_safe

logger = logging.getLogger(__name__)


def regression_digests_sweep(*, dispatch: Callable[[int], None] | None = None) -> int:
    """One digest task per delivery lead with regressions not yet told (the sweep writes nothing:
    a lost task leaves them untold, and the next sweep asks again). Returns how many leads."""
    dispatch = dispatch or (lambda user_pk: enqueue_on_commit("regression_digest_send", user_pk))
    leads = sorted(set(GateRegression.objects.filter(
        notified_at__isnull=True, application__delivery_lead__isnull=False,
    ).values_list("application__delivery_lead", flat=True)))
    for user_pk in leads:
        dispatch(user_pk)
    logger.info("regression digests: %d delivery leads to tell", len(leads))
    return len(leads)


@transaction.atomic
def regression_digest_send(*, user_pk: int, now: datetime | None = None) -> int:
    """Tell one delivery lead every regression of their applications not yet told (by email, or in
    their chat channel when they chose it), claimed and sent in one transaction: a failed send
    un-claims them for the next sweep. Returns how many regressions the digest told (0: nothing
    left to tell, or the lead has no email)."""
    now = now or timezone.now()
    lead = User.objects.filter(pk=user_pk, is_active=True).exclude(email="").first()
    if lead is None:
        return 0
    applications = list(Application.objects.filter(delivery_lead=lead).values_list("pk", flat=True))
    # The claim is one UPDATE on the regression rows themselves: a second digest for the same lead
    # (two sweeps at once, a task delivered twice) waits for this one's row locks (PostgreSQL) or
    # write lock (SQLite), then finds every row told and claims none.
    claimed = GateRegression.objects.filter(notified_at__isnull=True, application_id__in=applications).update(
        notified_at=now)
    if not claimed:
        return 0
    regressions = list(GateRegression.objects.select_related("application").filter(
        application_id__in=applications, notified_at=now).order_by("application__name", "day", "gate"))
    items = [{
        "regression": regression,
        "fix_url": settings.SITE_URL + regression.application.get_absolute_url() + f"#gate-{regression.gate}",
    } for regression in regressions]
    count = len(regressions)
    subject = header_safe(f"{count} go-live gate{'s' if count != 1 else ''} regressed"
                          + (f": {regressions[0].application.name}" if count == 1 else ""))
    dashboard_url = settings.SITE_URL + reverse("readiness:home")
    context = {"lead": lead, "items": items, "dashboard_url": dashboard_url}
    body = render_to_string("emails/gate_regressions.txt", context)
    if not _posted_to_chat(lead, subject, body):
        EmailMessage(subject=subject, body=body, to=[lead.email]).send()
    return count


def _posted_to_chat(lead: User, subject: str, body: str) -> bool:
    """Post the digest to the lead's chat channel when their entry in the people directory chose
    reminders by chat. A channel that refuses (its webhook deleted) would refuse every day: the
    digest goes by email instead. One that does not answer raises, un-claiming for the next sweep."""
    person = Person.objects.filter(user=lead, reminder_channel=ReminderChannel.CHAT).exclude(chat_webhook="").first()
    if person is None:
        return False
    try:
        ChatMessage(url=person.chat_webhook, text=f"{subject}\n\n{body}").send()
    except ChatRefused:
        logger.warning("regression digest for lead %s: chat refused, sent by email", lead.pk)
        return False
    return True
