"""Writes of calendars: leave imported from an .ics file, and each user's feed address."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness.calendars import CalendarProblem, LeavePlan, leave_import_plan
from readiness.models import CalendarFeed, Leave, Person
from readiness.models.api import hash_key
from readiness.services.gates import application_evidence_changed


@transaction.atomic
def leave_import(*, person: Person, text: str, fingerprint: str) -> LeavePlan:
    """Write the plan of `text` for `person`: all of it or nothing. `fingerprint` is the file's as
    previewed: if the file or the person's imported leave changed since, nothing is written."""
    Person.objects.select_for_update().filter(pk=person.pk).first()  # one import of a person at a time
    plan = leave_import_plan(text, person)
    if plan.fingerprint != fingerprint:
        raise CalendarProblem("The file is not the one previewed: preview it again.")
    new = [Leave(person=person, starts_on=d.starts_on, ends_on=d.ends_on, note=d.note, source_uid=d.source_uid)
           for d in plan.create]
    for leave, days in plan.update:
        leave.starts_on, leave.ends_on, leave.note = days.starts_on, days.ends_on, days.note
    # The model's own rules (bounds, one-line note) for every row written: bulk_create skips them.
    for leave in [*new, *(leave for leave, _ in plan.update)]:
        try:
            leave.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise CalendarProblem(f"Leave from {leave.starts_on}: {' '.join(error.messages)}") from error
    Leave.objects.bulk_create(new)
    for leave, _ in plan.update:
        leave.save(update_fields=["starts_on", "ends_on", "note"])
    if plan.writes:
        # Leave changes who is reachable: every path naming the person is judged again.
        application_evidence_changed(person_ids=[person.pk])
    return plan


@transaction.atomic
def calendar_feed_create(*, user: Any) -> tuple[CalendarFeed, str]:
    """A new feed address for `user` (the key is shown once); the previous one stops working."""
    calendar_feed_revoke(user=user)
    key = CalendarFeed.new_key()
    return CalendarFeed.objects.create(user=user, key_hash=hash_key(key)), key


@transaction.atomic
def calendar_feed_revoke(*, user: Any) -> int:
    return CalendarFeed.objects.active().filter(user=user).update(revoked_at=timezone.now())


def calendar_feed_user(key: str) -> Any | None:
    """The active user whose feed `key` is; None when unknown, revoked or the user is inactive."""
    feed = CalendarFeed.objects.active().select_related("user").filter(key_hash=hash_key(key)).first()
    return feed.user if feed is not None and feed.user.is_active else None
