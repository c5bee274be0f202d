"""Runbooks, alerts and drills: read as their pages list them; evidence written through the
pages' forms and services (an alert seen firing, a runbook's exercise, a drill held and the
runbooks it used)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Path, Query, Router, Schema, Status

from readiness.api.common import (
    DAY,
    MAX_ID,
    MOMENT,
    PAGE_MAX,
    Paging,
    PersonRef,
    application_for,
    form_data,
    page_of,
    page_schema,
    person_ref,
    reads,
    valid,
    writes,
)
from readiness.forms.artefacts import AlertVerificationForm, DrillForm
from readiness.forms.exercises import RunbookExerciseForm
from readiness.models import AlertCheck, Drill, DrillScenario, ExerciseHow, ExerciseOutcome, Runbook
from readiness.models.artefacts import latest_firing
from readiness.services import artefacts as services
from readiness.services import exercises

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
    last_exercised_on: date | None = Field(..., description="The latest recorded exercise's day.")
    exercised_without_evidence_on: date | None = Field(
        ..., description="A day typed in before exercises named who, how and what happened: not counted."
    )


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


class ExerciseIn(Schema):
    exercised_on: str = Field(..., json_schema_extra=DAY)
    how: ExerciseHow
    exercised_by: int | None = Field(None, ge=1, le=MAX_ID, description="The person who led it (id from /people).")
    participants: str = Field("", description="Who took part, when no person is given or besides them.")
    drill: int | None = Field(None, ge=1, le=MAX_ID, description="The drill it was used in (how: drill).")
    escalation: int | None = Field(None, ge=1, le=MAX_ID, description="The escalation-log entry (how: incident).")
    outcome: ExerciseOutcome
    what_happened: str
    changes_made: str = Field("", description="What changed in the runbook; needed when the outcome is changed.")


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
    runbooks_used: list[int] = Field(
        default_factory=list, max_length=PAGE_MAX, description="Runbooks followed (ids): each records an exercise."
    )
    runbook_outcome: ExerciseOutcome | None = None
    runbook_changes: str = ""


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
        "exercised_without_evidence_on": runbook.exercised_without_evidence_on,
    }


def _alert(alert: AlertCheck) -> dict[str, Any]:
    latest = next(iter(alert.latest_firing), None)  # type: ignore[attr-defined]  # latest_firing()
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
    rows = application_for(request, slug).runbooks.prefetch_related("exercises")  # newest first
    return page_of(rows.order_by("title", "pk"), paging, _runbook)


@writes(router, "/applications/{slug}/runbooks/{pk}/exercised", RunbookOut, "api_runbook_exercised", status=200)
def runbook_exercised(request: HttpRequest, slug: str, payload: ExerciseIn, pk: int = ID) -> dict[str, Any]:
    """Record an exercise of the runbook (who, when, how, the outcome), as its page's form: the
    evidence the runbook gate counts. Answers the runbook with its latest exercise's day."""
    application = application_for(request, slug, EDIT)
    runbook = get_object_or_404(Runbook, application=application, pk=pk)
    form = RunbookExerciseForm(form_data(payload), runbook=runbook)
    valid(form)
    exercises.runbook_exercise_record(exercise=form.save(commit=False))
    return _runbook(Runbook.objects.prefetch_related("exercises").get(pk=runbook.pk))


@reads(router, "/applications/{slug}/alerts", AlertPage, "api_alerts")
def alert_list(request: HttpRequest, slug: str, paging: Query[Paging]) -> dict[str, Any]:
    rows = application_for(request, slug).alerts.select_related("owner").prefetch_related(latest_firing())
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
    """Record a drill held: evidence for the rehearsal gate, and an exercise of each runbook used."""
    form = DrillForm(form_data(payload), application=application_for(request, slug, EDIT))
    data = valid(form)
    drill = exercises.drill_save(
        drill=form.save(commit=False),
        runbooks=data["runbooks_used"],
        outcome=data["runbook_outcome"],
        changes_made=data["runbook_changes"],
    )
    return Status(201, _drill(drill))
