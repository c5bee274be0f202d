"""Staleness reminders: sweep, send (exactly once), escalate; the contact confirms or submits changes.

Cadence of one cycle: the reminder when the verification period runs out, a second one 3 days
later, a last one 7 days after the first, together with a note to the delivery and support
leads of every application whose path names the person, who from then on shows as stale.
Confirming (either signed link) starts the next cycle and voids the links of this one.

Exactly once: `reminder_send` locks the person's row, checks the step is still the one the
task was made for, and inserts the `ReminderLog` row (unique per person, cycle and step) in
the same transaction as the send, which comes last, right before the commit. A second worker
waits on the row lock and then finds the step moved on; a redelivered task finds the log row;
a worker killed before the commit rolls its claim back, so the redelivery sends. Only a kill
between the mail server's acceptance and the commit (about a millisecond) could repeat a mail,
and it would carry the same Message-ID. `make bench` drills a worker killed mid-sweep.

A mail that can never go (a header Django refuses, an address the mail server rejects) does not
roll the step back: it is logged with the person's id and recorded on the person for the
delivery lead to see, and the step moves on, so the final one still marks them stale. Only mail
server trouble rolls back, for the task to retry.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import partial
from smtplib import SMTPRecipientsRefused, SMTPResponseException
from typing import Any, cast

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.mail.utils import DNS_NAME
from django.db import IntegrityError, transaction
from django.db.models import Field, Q
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from readiness.chat import ChatMessage, chat_target_label
from readiness.models import ConfirmationKind, ContactConfirmation, Person, ReminderChannel, ReminderLog, ReminderStep
from readiness.queue import enqueue_on_commit
from readiness.services.gates import application_evidence_changed
from readiness.services.links import LINK_MAX_AGE, LinkProblem, link_parse
from readiness.services.person_places import PathPlace, path_leads, person_path_places

logger = logging.getLogger(__name__)

SWEEP_CHUNK = 1000
LINK_SALT = "readiness.reminders.link"
# After a step is sent, the next one is due this long after the cycle's first reminder (+3, +7 days).
NEXT_STEP: dict[str, tuple[str, timedelta | None]] = {
    ReminderStep.DUE: (ReminderStep.NAG, timedelta(days=3)),
    ReminderStep.NAG: (ReminderStep.FINAL, timedelta(days=7)),
    ReminderStep.FINAL: (ReminderStep.WAITING, None),
}
# A person back from leave is reminded at this hour of their own first working day back.
RETURN_HOUR = time(9, 0)


# --- sweep -------------------------------------------------------------------------------------


Dispatch = Callable[[int, int, str], None]


def _enqueue_send(person_pk: int, cycle: int, step: str) -> None:
    enqueue_on_commit("reminder_send", person_pk, cycle, step)


def reminder_sweep(*, now: datetime | None = None, chunk_size: int = SWEEP_CHUNK,
                   dispatch: Dispatch | None = None) -> int:
    """Fan out one send task per person due, walking the due index in chunks: one query a chunk.

    The sweep writes nothing: a task that is lost (broker down) leaves the person due, so the
    next sweep enqueues them again, and a duplicate task finds its step already sent.
    """
    now = now or timezone.now()
    dispatch = dispatch or _enqueue_send
    total = 0
    after: tuple[datetime | None, int] | None = None
    while True:
        due = Person.objects.due_for_reminder(now)
        if after is not None:
            moment, pk = after
            # Keyset pagination in index order: the range keeps the index scan, the OR breaks ties.
            due = due.filter(next_reminder_at__gte=moment).filter(
                Q(next_reminder_at__gt=moment) | Q(pk__gt=pk)
            )
        rows = list(due.values_list("pk", "reminder_cycle", "reminder_step", "next_reminder_at")[:chunk_size])
        for pk, cycle, step, _ in rows:
            dispatch(pk, cycle, step)
        total += len(rows)
        if len(rows) < chunk_size:
            break
        after = (rows[-1][3], rows[-1][0])
    logger.info("reminder sweep: %d people due", total)
    return total


# --- send --------------------------------------------------------------------------------------


def link_token(person: Person, cycle: int) -> str:
    return signing.TimestampSigner(salt=LINK_SALT).sign(f"{person.pk}.{cycle}")


def _absolute(path: str) -> str:
    return settings.SITE_URL + path


_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def header_safe(text: str) -> str:
    """`text` fit for a mail header: line breaks and other control characters become one space.

    Subjects carry people's names, and a name saved with a line break (before forms refused
    one) makes Django refuse the whole message (BadHeaderError), on every sweep.
    """
    return " ".join(_CONTROL_CHARACTERS.sub(" ", text).split())


def _message(
    *, template: str, to: list[str], subject: str, context: dict[str, Any], key: str = ""
) -> EmailMultiAlternatives:
    text = render_to_string(f"emails/{template}.txt", context)
    # A step of a cycle always goes out under the same Message-ID: were it ever sent twice,
    # mail systems that drop a repeated Message-ID show it once.
    headers = {"Message-ID": f"<handoff.{key}@{DNS_NAME}>"} if key else {}
    message = EmailMultiAlternatives(subject=header_safe(subject), body=text, to=to, headers=headers)
    try:
        message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    except TemplateDoesNotExist:  # the notes to leads are plain text only
        pass
    return message


def _chat_message(*, url: str, subject: str, context: dict[str, Any]) -> ChatMessage:
    """The reminder's plain text, headed by its subject, for a chat channel's webhook."""
    return ChatMessage(url=url, text=f"{header_safe(subject)}\n\n{render_to_string('emails/reminder.txt', context)}")


def _claim(person: Person, cycle: int, step: str, *, now: datetime, to: list[str], subject: str) -> bool:
    """Insert the log row; False when this step of this cycle was already sent."""
    try:
        with transaction.atomic():
            ReminderLog.objects.create(
                person=person, cycle=cycle, step=step, sent_at=now, recipients="\n".join(to),
                subject=header_safe(subject)[:200],
            )
    except IntegrityError:
        return False
    return True


def reminder_context(person: Person, cycle: int, step: str, places: list[PathPlace]) -> dict[str, Any]:
    token = link_token(person, cycle)
    return {
        "person": person,
        "step": step,
        "step_label": ReminderStep(step).label,
        "hours": list(person.working_hours.all()),
        "places": places,
        "confirm_url": _absolute(reverse("readiness:reminder_confirm", args=[token])),
        "change_url": _absolute(reverse("readiness:reminder_change", args=[token])),
        "expires_days": LINK_MAX_AGE.days,
        "site_url": settings.SITE_URL,
    }


@transaction.atomic
def reminder_send(*, person_pk: int, cycle: int, step: str, now: datetime | None = None) -> str:
    """Send one step of one cycle if it is still due; returns the decision taken (for the log)."""
    now = now or timezone.now()
    person = Person.objects.select_for_update().filter(pk=person_pk).first()
    if person is None:
        return "gone"
    if (person.reminder_cycle, person.reminder_step) != (cycle, step) or person.next_reminder_at is None \
            or person.next_reminder_at > now:
        return "not due"
    today = person.local_time(now).date()
    places = person_path_places(person)

    # Mail goes out last, right before the commit, once every row is written: a worker killed
    # before it rolls the claim back and the redelivered task sends; only a kill between the
    # mail server taking the message and the commit (a millisecond) could repeat one.
    outbox: Outbox = []
    if person.has_left(today):
        # People who left get nothing; the owners of the paths naming them hear instead.
        to = path_leads(places)
        subject = f"{person.name} has left but is still on an escalation path"
        if places and to and _claim(person, cycle, ReminderStep.LEFT, now=now, to=to, subject=subject):
            outbox.append(partial(_message, template="reminder_left", to=to, subject=subject,
                                  context={"person": person, "places": places, "site_url": settings.SITE_URL},
                                  key=f"{person.pk}.{cycle}.{ReminderStep.LEFT}"))
        Person.objects.filter(pk=person.pk).update(next_reminder_at=None)
        return "left" if _post(person, outbox, now=now) else "left, email failed"

    leave = person.leave_on(today)
    if leave is not None:
        back = datetime.combine(leave.ends_on + timedelta(days=1), RETURN_HOUR, tzinfo=person.zone)
        Person.objects.filter(pk=person.pk).update(next_reminder_at=back)
        return "on leave"

    subject = {
        ReminderStep.DUE: "Please confirm your contact details in Handoff",
        ReminderStep.NAG: "Reminder: please confirm your contact details in Handoff",
        ReminderStep.FINAL: "Last reminder: please confirm your contact details in Handoff",
    }[ReminderStep(step)]
    # By chat when they chose it: the same claim, so a chat post goes out once like an email.
    by_chat = person.reminder_channel == ReminderChannel.CHAT and bool(person.chat_webhook)
    to = [chat_target_label(person.chat_webhook)] if by_chat else [person.email]
    sent = _claim(person, cycle, step, now=now, to=to, subject=subject)
    if sent:
        context = reminder_context(person, cycle, step, places)
        outbox.append(partial(_chat_message, url=person.chat_webhook, subject=subject, context=context) if by_chat
                      else partial(_message, template="reminder", to=to, subject=subject, context=context,
                                   key=f"{person.pk}.{cycle}.{step}"))
    update: dict[str, Any] = {}
    if step == ReminderStep.FINAL:
        reminder_escalate(person=person, cycle=cycle, places=places, now=now, outbox=outbox)
        update["stale_since"] = now
        # A stale contact fails gate 4 on every path naming them.
        application_evidence_changed(person_ids=[person.pk])
    next_step, wait = NEXT_STEP[step]
    first = now
    if step != ReminderStep.DUE:
        first = ReminderLog.objects.filter(person=person, cycle=cycle, step=ReminderStep.DUE).values_list(
            "sent_at", flat=True).first() or now
    update.update(reminder_step=next_step, next_reminder_at=first + wait if wait else None)
    Person.objects.filter(pk=person.pk).update(**update)
    if not _post(person, outbox, now=now):
        return "email failed"
    return "sent" if sent else "already sent"


# Each message of a step, composed only when it is sent: a template that cannot render for this
# person fails like a message the mail server refused, not before the step's rows are written.
Outbox = list[Callable[[], EmailMultiAlternatives | ChatMessage]]


def _is_transient(exc: Exception) -> bool:
    """Mail server trouble that a retry may get past (the task retries OSError, with backoff)."""
    if isinstance(exc, SMTPRecipientsRefused):
        return any(code < 500 for code, _ in exc.recipients.values())
    if isinstance(exc, SMTPResponseException):
        return exc.smtp_code < 500
    return isinstance(exc, OSError)


def _post(person: Person, outbox: Outbox, *, now: datetime) -> bool:
    """Send every message; False when one can never go, which is then recorded on the person.

    Retrying such a message fails the same way and rolls the step back every time, so the
    contact would never move on nor show as stale: it is logged, recorded and skipped, and
    the other messages still go. Mail server trouble is raised, rolling the step back.
    """
    errors: list[str] = []
    for compose in outbox:
        try:
            compose().send()
        except Exception as exc:
            if _is_transient(exc):
                raise
            logger.exception("reminder email failed for person %s", person.pk)
            errors.append(f"{type(exc).__name__}: {exc}")
    if errors:
        Person.objects.filter(pk=person.pk).update(
            reminder_failed_at=now, reminder_error=header_safe("; ".join(errors))[:300]
        )
    elif outbox and person.reminder_failed_at is not None:
        Person.objects.filter(pk=person.pk).update(reminder_failed_at=None, reminder_error="")
    return not errors


def reminder_escalate(*, person: Person, cycle: int, places: list[PathPlace], now: datetime, outbox: Outbox) -> bool:
    """Tell the delivery and support leads once that the person did not answer three reminders:
    the note is added to `outbox`, for the caller to send before its commit."""
    to = path_leads(places)
    subject = f"{person.name} has not confirmed their contact details"
    if not to or not _claim(person, cycle, ReminderStep.ESCALATED, now=now, to=to, subject=subject):
        return False
    compose = partial(_message, template="reminder_escalated", to=to, subject=subject, context={
        "person": person, "places": places, "site_url": settings.SITE_URL,
        "person_url": _absolute(reverse("readiness:person_reminders", args=[person.pk])),
    }, key=f"{person.pk}.{cycle}.{ReminderStep.ESCALATED}")
    outbox.append(compose)
    return True


# --- signed links: confirm, change -----------------------------------------------------------


def link_check(token: str, *, for_update: bool = False) -> tuple[Person, int]:
    """The person and cycle a reminder link is for, or LinkProblem (used, expired, tampered)."""
    person_pk, cycle = link_parse(token, salt=LINK_SALT)
    people = Person.objects.select_for_update() if for_update else Person.objects
    person = people.filter(pk=person_pk).first()
    if person is None:
        raise LinkProblem("gone", "This contact is no longer in Handoff",
                          "Nothing needs confirming. You can close this page.", 410)
    if cycle != person.reminder_cycle:
        answered = person.confirmations.filter(cycle=cycle).first()
        when = f" on {timezone.localtime(answered.at):%d %b %Y at %H:%M}" if answered else ""
        raise LinkProblem("used", "This link has already been used",
                          f"Your details were already confirmed{when}. Nothing more to do; each link works once.", 410)
    return person, cycle


def _start_next_cycle(person: Person, now: datetime) -> None:
    Person.objects.filter(pk=person.pk).update(
        reminder_cycle=person.reminder_cycle + 1,
        reminder_step=ReminderStep.DUE,
        next_reminder_at=now + timedelta(days=person.verification_days),
        stale_since=None,
        reminder_failed_at=None,
        reminder_error="",
    )


def _history_by(person: Person, reason: str) -> None:
    # Who changed what: the contact (through their own link), or their account if they have one.
    person._change_reason = reason  # type: ignore[attr-defined]
    if person.user_id:
        person._history_user = person.user  # type: ignore[attr-defined]


@transaction.atomic
def person_confirm(*, token: str, now: datetime | None = None) -> ContactConfirmation:
    """"All correct": records the confirmation and starts the next cycle. LinkProblem if unusable."""
    now = now or timezone.now()
    person, cycle = link_check(token, for_update=True)
    person.last_confirmed_at = now
    _history_by(person, f"Confirmed all correct by {person.name} (reminder link)")
    person.save(update_fields=["last_confirmed_at", "updated_at"])
    confirmation = ContactConfirmation(person=person, cycle=cycle, kind=ConfirmationKind.CONFIRMED, at=now)
    confirmation.full_clean()
    confirmation.save()
    _start_next_cycle(person, now)
    application_evidence_changed(person_ids=[person.pk])  # confirmed, no longer stale: gate 4
    return confirmation


CHANGEABLE_FIELDS = ("name", "phone", "chat_handle", "timezone")


@transaction.atomic
def person_submit_changes(
    *, token: str, data: dict[str, str], note: str = "", now: datetime | None = None
) -> ContactConfirmation:
    """"Something changed": saves the edited details with history, and tells the leads what changed."""
    now = now or timezone.now()
    person, cycle = link_check(token, for_update=True)
    changes: dict[str, list[str]] = {}
    for field in CHANGEABLE_FIELDS:
        if field in data and data[field] != getattr(person, field):
            label = str(cast("Field[Any, Any]", Person._meta.get_field(field)).verbose_name)
            changes[label] = [getattr(person, field), data[field]]
            setattr(person, field, data[field])
    person.last_confirmed_at = now
    person.full_clean()
    changed = ", ".join(changes) or "nothing in the form"
    _history_by(person, f"Changed by {person.name} (reminder link): {changed}"[:100])
    person.save()
    confirmation = ContactConfirmation(
        person=person, cycle=cycle, kind=ConfirmationKind.CHANGED, at=now, changes=changes, note=note.strip()
    )
    confirmation.full_clean()
    confirmation.save()
    _start_next_cycle(person, now)
    application_evidence_changed(person_ids=[person.pk])  # confirmed, maybe a new timezone: gate 4
    if changes or confirmation.note:
        enqueue_on_commit("contact_changes_notify", confirmation.pk)
    return confirmation


def contact_changes_notify(*, confirmation_pk: int) -> bool:
    """Email the leads of the person's paths what the contact changed (changes to levels are theirs)."""
    confirmation = ContactConfirmation.objects.select_related("person").filter(pk=confirmation_pk).first()
    if confirmation is None:
        return False
    places = person_path_places(confirmation.person)
    to = path_leads(places)
    if not to:
        return False
    person_url = _absolute(reverse("readiness:person_reminders", args=[confirmation.person_id]))
    _message(template="contact_changed", to=to, subject=f"{confirmation.person.name} updated their contact details",
             context={"confirmation": confirmation, "person": confirmation.person, "places": places,
                      "person_url": person_url}).send()
    return True
