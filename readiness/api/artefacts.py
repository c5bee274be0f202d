"""Runbooks, alerts and drills: read as their pages list them; evidence written through the
pages' forms and services (an alert seen firing, a runbook exercised, a drill held)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema, Status

from readiness.api.common import (
    DAY,
    MAX_ID,
    MOMENT,
    Paging,
    PersonRef,
    application_for,
    artefact_create,
    form_data,
    page_of,
    page_schema,
    person_ref,
    reads,
    valid,
    writes,
)
from readiness.forms.artefacts import AlertVerificationForm, DrillForm
from readiness.models import AlertCheck, Drill, DrillScenario, Runbook
from readiness.services import artefacts as services

router = Router(tags=["runbooks, alerts and drills"])
EDIT = "artefact.edit"
ID = Path(..., ge=1, le=MAX_ID)


class RunbookOut(Schema):
    id: int
    title: str
    symptom: str
    steps: str
    is_critical: bool
    escalation_level: int | None
    last_reviewed_on: date | None
    last_exercised_on: date | None


RunbookPage = page_schema("RunbookPage", RunbookOut)


class VerificationOut(Schema):
    id: int
    verified_at: datetime
    verified_by: PersonRef
    evidence: str
    evidence_url: str


class AlertOut(Schema):
    id: int
    signal: str
    threshold: str
    user_impact: str
    owner: PersonRef | None
    dashboard_url: str
    last_seen_firing: datetime | None


AlertPage = page_schema("AlertPage", AlertOut)


class DrillOut(Schema):
    id: int
    scenario: str
    title: str
    held_on: date
    after_hours: bool
    support_attended: bool
    engineering_attended: bool
    business_owner_attended: bool
    contacts_answered: bool
    answer_minutes: int | None
    findings: str
    open_follow_ups: int


DrillPage = page_schema("DrillPage", DrillOut)


class VerificationIn(Schema):
    verified_at: str = Field(..., json_schema_extra=MOMENT, description="When the alert was seen firing.")
    verified_by: int = Field(..., ge=1, le=MAX_ID, description="The person who saw it (id from /people).")
    evidence: str = Field(..., description="What was seen: the alert's text, the ticket.")
    evidence_url: str = ""


class DrillIn(Schema):
    scenario: DrillScenario
    title: str
    held_on: str = Field(..., json_schema_extra=DAY)
    after_hours: bool = False
    support_attended: bool = False
    engineering_attended: bool = False
    business_owner_attended: bool = False
    contacts_answered: bool = False
    answer_minutes: int | None = Field(None, ge=0, le=MAX_ID)
    findings: str = ""


def _runbook(runbook: Runbook) -> dict[str, Any]:
    return {
        "id": runbook.pk,
        "title": runbook.title,
        "symptom": runbook.symptom,
        "steps": runbook.steps,
        "is_critical": runbook.is_critical,
        "escalation_level": runbook.escalation_level_id,
        "last_reviewed_on": runbook.last_reviewed_on,
        "last_exercised_on": runbook.last_exercised_on,
    }


def _alert(alert: AlertCheck) -> dict[str, Any]:
    latest = next(iter(alert.verifications.all()), None)  # newest first, prefetched
    return {
        "id": alert.pk,
        "signal": alert.signal,
        "threshold": alert.threshold,
        "user_impact": alert.user_impact,
        "owner": person_ref(alert.owner),
        "dashboard_url": alert.dashboard_url,
        "last_seen_firing": latest.verified_at if latest else None,
    }


def _drill(drill: Drill) -> dict[str, Any]:
    return {
        **{name: getattr(drill, name) for name in DrillOut.model_fields if name not in ("open_follow_ups",)},
        "id": drill.pk,
        "open_follow_ups": sum(action.status == "open" for action in drill.actions.all()),
    }


@reads(router, "/applications/{slug}/runbooks", RunbookPage, "api_runbooks")
def runbook_list(request: HttpRequest, slug: str, paging: Query[Paging]) -> dict[str, Any]:
    return page_of(application_for(request, slug).runbooks.order_by("title", "pk"), paging, _runbook)


@writes(router, "/applications/{slug}/runbooks/{pk}/exercised", RunbookOut, "api_runbook_exercised", status=200)
def runbook_exercised(request: HttpRequest, slug: str, pk: int = ID) -> dict[str, Any]:
    """Mark the runbook exercised today (used in a drill or a real incident), as its page's button."""
    application = application_for(request, slug, EDIT)
    runbook = get_object_or_404(Runbook, application=application, pk=pk)
    return _runbook(services.runbook_mark(runbook=runbook, what="exercised", on=timezone.localdate()))


@reads(router, "/applications/{slug}/alerts", AlertPage, "api_alerts")
def alert_list(request: HttpRequest, slug: str, paging: Query[Paging]) -> dict[str, Any]:
    rows = application_for(request, slug).alerts.select_related("owner").prefetch_related("verifications")
    return page_of(rows.order_by("signal", "pk"), paging, _alert)


@writes(router, "/applications/{slug}/alerts/{pk}/verifications", VerificationOut, "api_alert_verifications")
def alert_verify(request: HttpRequest, slug: str, payload: VerificationIn, pk: int = ID) -> Status[Any]:
    """Record that the alert was seen firing: evidence for the monitoring gate."""
    application = application_for(request, slug, EDIT)
    alert = get_object_or_404(AlertCheck, application=application, pk=pk)
    data = valid(AlertVerificationForm(form_data(payload), alert=alert))
    verification = services.alert_verification_record(alert=alert, **data)
    return Status(
        201,
        {
            "id": verification.pk,
            "verified_at": verification.verified_at,
            "verified_by": person_ref(verification.verified_by),
            "evidence": verification.evidence,
            "evidence_url": verification.evidence_url,
        },
    )


@reads(router, "/applications/{slug}/drills", DrillPage, "api_drills")
def drill_list(request: HttpRequest, slug: str, paging: Query[Paging]) -> dict[str, Any]:
    rows = application_for(request, slug).drills.prefetch_related("actions")
    return page_of(rows.order_by("-held_on", "pk"), paging, _drill)


@writes(router, "/applications/{slug}/drills", DrillOut, "api_drill_create")
def drill_create(request: HttpRequest, slug: str, payload: DrillIn) -> Status[Any]:
    """Record a drill held: evidence for the rehearsal gate."""
    return Status(201, _drill(artefact_create(request, slug, DrillForm, payload)))
