"""Known issues: read as their page lists them, and recorded through the page's form and service."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from readiness.api.common import (
    MAX_ID,
    Paging,
    PersonRef,
    application_for,
    artefact_create,
    page_of,
    page_schema,
    person_ref,
    reads,
    writes,
)
from readiness.forms.artefacts import KnownIssueForm
from readiness.models import KnownIssue, KnownIssueStatus

router = Router(tags=["known issues"])


class KnownIssueOut(Schema):
    id: int
    title: str
    release: str
    symptom: str
    workaround: str
    support_script: str
    owner: PersonRef | None
    status: str


KnownIssuePage = page_schema("KnownIssuePage", KnownIssueOut)


class KnownIssueIn(Schema):
    title: str
    release: str = Field(..., description="The release it affects, e.g. 1.4.0.")
    symptom: str
    workaround: str = ""
    support_script: str = Field("", description="What support tells the user.")
    owner: int | None = Field(None, ge=1, le=MAX_ID, description="A person's id (from /people).")
    status: KnownIssueStatus = KnownIssueStatus.OPEN


def _issue(issue: KnownIssue) -> dict[str, Any]:
    return {
        "id": issue.pk,
        "title": issue.title,
        "release": issue.release,
        "symptom": issue.symptom,
        "workaround": issue.workaround,
        "support_script": issue.support_script,
        "owner": person_ref(issue.owner),
        "status": issue.status,
    }


@reads(router, "/applications/{slug}/known-issues", KnownIssuePage, "api_known_issues")
def known_issue_list(request: HttpRequest, slug: str, paging: Query[Paging]) -> dict[str, Any]:
    rows = application_for(request, slug).known_issues.select_related("owner")
    return page_of(rows.order_by("title", "pk"), paging, _issue)


@writes(router, "/applications/{slug}/known-issues", KnownIssueOut, "api_known_issue_create")
def known_issue_create(request: HttpRequest, slug: str, payload: KnownIssueIn) -> Status[Any]:
    """Record a known issue of a release: evidence for the known-issues gate."""
    return Status(201, _issue(artefact_create(request, slug, KnownIssueForm, payload)))
