"""Reachability tests: a lead checks that a contact answers on each channel they list.

The email test carries a signed link the contact opens to acknowledge it; phone and chat tests
are recorded by the lead who made the call.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from readiness.models import Channel, Person, ReachabilityResult, ReachabilityTest
from readiness.queue import enqueue_on_commit
from readiness.services.links import LinkProblem, link_parse

REACHABILITY_SALT = "readiness.reachability.link"


def person_channels(person: Person) -> list[str]:
    channels = [Channel.EMAIL.value]
    if person.phone:
        channels.append(Channel.PHONE.value)
    if person.chat_handle:
        channels.append(Channel.CHAT.value)
    return channels


@transaction.atomic
def reachability_test_send(
    *, person: Person, channels: list[str], sent_by: User, now: datetime | None = None
) -> list[ReachabilityTest]:
    """Start a test on each channel; the email test is sent by a task, phone and chat are the lead's call."""
    now = now or timezone.now()
    unknown = set(channels) - set(person_channels(person))
    if unknown or not channels:
        raise ValidationError({"channels": "Pick at least one channel this contact has."})
    tests = []
    for channel in channels:
        test = ReachabilityTest(person=person, channel=channel, sent_by=sent_by, sent_at=now)
        test.full_clean()
        test.save()
        tests.append(test)
        if channel == Channel.EMAIL:
            enqueue_on_commit("reachability_test_email", test.pk)
    return tests


def reachability_test_email(*, test_pk: int) -> bool:
    test = ReachabilityTest.objects.select_related("person", "sent_by").filter(pk=test_pk).first()
    if test is None or test.result != ReachabilityResult.PENDING:
        return False
    token = signing.TimestampSigner(salt=REACHABILITY_SALT).sign(f"{test.pk}.0")
    ack_url = settings.SITE_URL + reverse("readiness:reachability_ack", args=[token])
    body = render_to_string("emails/reachability_test.txt", {"test": test, "ack_url": ack_url})
    send_mail("Handoff reachability test: please acknowledge", body, None, [test.person.email])
    return True


def reachability_link_check(token: str) -> ReachabilityTest:
    test_pk, _ = link_parse(token, salt=REACHABILITY_SALT)
    test = ReachabilityTest.objects.select_related("person").filter(pk=test_pk).first()
    if test is None:
        raise LinkProblem("gone", "This test no longer exists", "Nothing to acknowledge. You can close this page.", 410)
    if test.result != ReachabilityResult.PENDING:
        raise LinkProblem("used", "This test was already answered",
                          "Its result is recorded. Nothing more to do; each link works once.", 410)
    return test


@transaction.atomic
def reachability_test_record(
    *, test: ReachabilityTest, result: str, note: str = "", recorded_by: User | None,
    now: datetime | None = None,
) -> ReachabilityTest:
    """Record how a test went; the contact acknowledging their email records "reached" themselves."""
    locked = ReachabilityTest.objects.select_for_update().get(pk=test.pk)
    if locked.result != ReachabilityResult.PENDING:
        raise ValidationError({"result": "This test already has a result."})
    locked.result, locked.note = result, note.strip()
    locked.recorded_at = now or timezone.now()
    locked.recorded_by = recorded_by
    locked.full_clean()
    locked.save()
    return locked
