"""Hypercare: the plan with its exit criteria as judged now, and the escalation log (read, and
written by the members who log escalations, through the page's form and service)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from readiness.api.auth import token_of
from readiness.api.common import (
    MAX_ID,
    MOMENT,
    Paging,
    application_for,
    form_data,
    page_of,
    page_schema,
    reads,
    valid,
    writes,
)
from readiness.forms.hypercare import EscalationForm
from readiness.hypercare import hypercare_state
from readiness.models import Escalation, ResolvedBy, Severity
from readiness.services import hypercare as services

router = Router(tags=["hypercare"])


class CriterionOut(Schema):
    position: int
    name: str
    kind: str
    threshold: str
    value: str
    status: str  # met, accepted (not met, accepted with a reason) or unmet
    status_label: str


class HypercareOut(Schema):
    application: str
    planned: bool
    starts_on: date | None
    planned_end_on: date | None
    current_end_on: date | None
    status: str | None
    plan_agreed: bool
    signed_off: bool
    criteria_met: int
    criteria: list[CriterionOut]


class EscalationOut(Schema):
    id: int
    occurred_at: datetime
    severity: int
    problem_class: str
    from_level: int
    to_level: int | None
    answered_at: datetime | None
    resolved_by: str
    resolved_at: datetime | None
    summary: str
    logged_by: str


EscalationPage = page_schema("EscalationPage", EscalationOut)


class EscalationIn(Schema):
    occurred_at: str = Field(..., json_schema_extra=MOMENT)
    severity: Severity = Severity.SEV3
    problem_class: int = Field(..., ge=1, le=MAX_ID, description="The class of problem (an ownership rule's id).")
    from_level: int = Field(..., ge=1, le=MAX_ID, description="The level it came from (its id).")
    to_level: int | None = Field(None, ge=1, le=MAX_ID, description="The level it went to; none if support kept it.")
    minutes_to_answer: int | None = Field(
        None, ge=0, le=MAX_ID, description="Minutes the level it went to (else support) took to pick up."
    )
    resolved_by: ResolvedBy | None = None
    minutes_to_resolve: int | None = Field(None, ge=0, le=MAX_ID)
    summary: str


@reads(router, "/applications/{slug}/hypercare", HypercareOut, "api_hypercare")
def hypercare_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The hypercare window, whether the owner agreed it and signed it off, and each exit criterion judged now."""
    application = application_for(request, slug)
    state = hypercare_state(application)
    plan = state.hypercare
    return {
        "application": application.slug,
        "planned": plan is not None,
        "starts_on": plan.starts_on if plan else None,
        "planned_end_on": plan.planned_end_on if plan else None,
        "current_end_on": plan.current_end_on if plan else None,
        "status": plan.status if plan else None,
        "plan_agreed": state.plan_agreed,
        "signed_off": state.signed_off,
        "criteria_met": state.met_count,
        "criteria": [
            {
                "position": result.criterion.position,
                "name": result.criterion.name,
                "kind": result.criterion.kind,
                "threshold": result.threshold_text,
                "value": result.value_text,
                "status": result.status,
                "status_label": result.status_label,
            }
            for result in state.results
        ],
    }


def _escalation(row: Escalation) -> dict[str, Any]:
    return {
        "id": row.pk,
        "occurred_at": row.occurred_at,
        "severity": row.severity,
        "problem_class": row.problem_class.name,
        "from_level": row.from_level.position,
        "to_level": row.to_level.position if row.to_level else None,
        "answered_at": row.answered_at,
        "resolved_by": row.resolved_by,
        "resolved_at": row.resolved_at,
        "summary": row.summary,
        "logged_by": row.logged_by.get_username(),
    }


@reads(router, "/applications/{slug}/escalation-log", EscalationPage, "api_escalation_log")
def escalation_list(request: HttpRequest, slug: str, paging: Query[Paging]) -> dict[str, Any]:
    """The escalation log, newest first, as its page."""
    return page_of(
        Escalation.objects.filter(application=application_for(request, slug)).for_list(), paging, _escalation
    )


@writes(router, "/applications/{slug}/escalation-log", EscalationOut, "api_escalation_log_create")
def escalation_create(request: HttpRequest, slug: str, payload: EscalationIn) -> Status[Any]:
    """Log one escalation: evidence for the hypercare exit criteria."""
    application = application_for(request, slug, "escalation_log.write")
    form = EscalationForm(form_data(payload), application=application)
    valid(form)
    row = services.escalation_log(application=application, logged_by=token_of(request).user, **form.log_arguments())
    return Status(201, _escalation(Escalation.objects.for_list().get(pk=row.pk)))
