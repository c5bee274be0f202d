"""Writes of readiness artefacts: runbooks, alerts and their verifications, access checks,
known issues, drills and their follow-ups, decision records."""

from __future__ import annotations

from datetime import date, datetime
from typing import TypeVar

from django.db import models, transaction

from readiness.models import (
    ActionStatus,
    AlertCheck,
    AlertVerification,
    Drill,
    DrillAction,
    DrillCall,
    EscalationLevel,
    Person,
    Runbook,
)
from readiness.services.evidence import evidence_save

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def artefact_save(*, instance: M) -> M:
    """Create or update one artefact after validating it (the forms have bound its fields)."""
    return evidence_save(instance, application_ids=[instance.application_id])  # type: ignore[attr-defined]


# What a runbook can be marked as done on a day, and the date field that records it. Not an
# exercise: that names who, how and what happened (readiness.services.exercises).
RUNBOOK_MARKS = {"reviewed": "last_reviewed_on"}


@transaction.atomic
def runbook_mark(*, runbook: Runbook, what: str, on: date) -> Runbook:
    """Date the runbook's last review (`what`, a key of RUNBOOK_MARKS)."""
    field = RUNBOOK_MARKS[what]
    setattr(runbook, field, on)
    return evidence_save(runbook, application_ids=[runbook.application_id], update_fields=[field])


@transaction.atomic
def alert_verification_record(
    *, alert: AlertCheck, verified_at: datetime, verified_by: Person, evidence: str, evidence_url: str = ""
) -> AlertVerification:
    verification = AlertVerification(
        alert=alert, verified_at=verified_at, verified_by=verified_by, evidence=evidence, evidence_url=evidence_url
    )
    return evidence_save(verification, application_ids=[alert.application_id])


@transaction.atomic
def drill_action_add(*, drill: Drill, description: str, owner: Person | None = None) -> DrillAction:
    action = DrillAction(drill=drill, description=description, owner=owner)
    return evidence_save(action, application_ids=[drill.application_id])


@transaction.atomic
def drill_action_close(*, action: DrillAction, on: date) -> DrillAction:
    action.status = ActionStatus.CLOSED
    action.closed_on = on
    return evidence_save(action, application_ids=Drill.objects.filter(pk=action.drill_id).values("application_id"),
                         update_fields=["status", "closed_on"])


@transaction.atomic
def drill_call_record(
    *, drill: Drill, level: EscalationLevel, answered: bool, answer_minutes: int | None = None
) -> DrillCall:
    """Record how one level answered the drill, or correct what was recorded for it.

    Read live by the path page's measured time-to-answer (readiness.answer_times); no gate or
    stored verdict reads it, so it calls no evidence-changed hook. Two recordings of one level at
    once meet in update_or_create on the one-row-a-level constraint: the later one stands.
    """
    call = DrillCall(drill=drill, level=level, answered=answered, answer_minutes=answer_minutes)
    call.full_clean(validate_unique=False, validate_constraints=False)  # the row may exist: it is updated
    call, _ = DrillCall.objects.update_or_create(
        drill=drill, level=level, defaults={"answered": answered, "answer_minutes": answer_minutes}
    )
    return call
