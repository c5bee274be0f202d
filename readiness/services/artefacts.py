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
    Person,
    Runbook,
)
from readiness.services.gates import application_evidence_changed

M = TypeVar("M", bound=models.Model)


@transaction.atomic
def artefact_save(*, instance: M) -> M:
    """Create or update one artefact after validating it (the forms have bound its fields)."""
    instance.full_clean()
    instance.save()
    application_evidence_changed(application_ids=[instance.application_id])  # type: ignore[attr-defined]
    return instance


@transaction.atomic
def runbook_mark_reviewed(*, runbook: Runbook, on: date) -> Runbook:
    runbook.last_reviewed_on = on
    runbook.full_clean()
    runbook.save(update_fields=["last_reviewed_on"])
    application_evidence_changed(application_ids=[runbook.application_id])
    return runbook


@transaction.atomic
def runbook_mark_exercised(*, runbook: Runbook, on: date) -> Runbook:
    runbook.last_exercised_on = on
    runbook.full_clean()
    runbook.save(update_fields=["last_exercised_on"])
    application_evidence_changed(application_ids=[runbook.application_id])
    return runbook


@transaction.atomic
def alert_verification_record(
    *, alert: AlertCheck, verified_at: datetime, verified_by: Person, evidence: str, evidence_url: str = ""
) -> AlertVerification:
    verification = AlertVerification(
        alert=alert, verified_at=verified_at, verified_by=verified_by, evidence=evidence, evidence_url=evidence_url
    )
    verification.full_clean()
    verification.save()
    application_evidence_changed(application_ids=[alert.application_id])
    return verification


@transaction.atomic
def drill_action_add(*, drill: Drill, description: str, owner: Person | None = None) -> DrillAction:
    action = DrillAction(drill=drill, description=description, owner=owner)
    action.full_clean()
    action.save()
    application_evidence_changed(application_ids=[drill.application_id])
    return action


@transaction.atomic
def drill_action_close(*, action: DrillAction, on: date) -> DrillAction:
    action.status = ActionStatus.CLOSED
    action.closed_on = on
    action.full_clean()
    action.save(update_fields=["status", "closed_on"])
    application_evidence_changed(application_ids=Drill.objects.filter(pk=action.drill_id).values("application_id"))
    return action
