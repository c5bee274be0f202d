"""Applications and their verdicts: the dashboard's numbers and the checklist's gates.

Both read today's stored verdict (ReadinessSnapshot) while it is current and otherwise judge
the application now without storing anything, as the pages do: a read never writes.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from readiness.access import get_application_for_user
from readiness.api.common import (
    Paging,
    page_body,
    page_schema,
    paged,
    reads,
)
from readiness.gates.verdict import Verdict
from readiness.gates.version import rules_version
from readiness.models import Application, ReadinessSnapshot
from readiness.models.gates import current_q
from readiness.services.gates import readiness_snapshots_judge

router = Router(tags=["applications"])


class ApplicationOut(Schema):
    slug: str
    name: str
    stage: str
    stage_label: str
    go_live_date: date | None
    current_release: str
    gates_met: int
    gates_total: int
    blockers: int
    stale_items: int
    ready: bool
    misses_go_live: bool
    url: str


class MissingOut(Schema):
    text: str
    stale: bool
    fix_url: str


class GateOut(Schema):
    number: int
    code: str
    title: str
    rule: str
    status: str
    evidence: list[str]
    missing: list[MissingOut]
    waiver_expires_on: date | None


class ApplicationDetailOut(ApplicationOut):
    description: str
    gates: list[GateOut]


ApplicationPage = page_schema("ApplicationPage", ApplicationOut)


def verdicts(applications: list[Application]) -> dict[int, ReadinessSnapshot]:
    """Today's verdict of each application: stored ones in one query, the rest judged now."""
    ids = [application.pk for application in applications]
    stored = ReadinessSnapshot.objects.filter(current_q(timezone.now(), rules_version()), application_id__in=ids)
    found = {snapshot.application_id: snapshot for snapshot in stored}
    unjudged = [pk for pk in ids if pk not in found]
    return found | (readiness_snapshots_judge(application_ids=unjudged) if unjudged else {})


def _summary(application: Application, snapshot: ReadinessSnapshot) -> dict[str, Any]:
    return {
        "slug": application.slug,
        "name": application.name,
        "stage": application.stage,
        "stage_label": application.get_stage_display(),
        "go_live_date": application.go_live_date,
        "current_release": application.current_release,
        "gates_met": snapshot.gates_met,
        "gates_total": snapshot.gates_total,
        "blockers": snapshot.blockers,
        "stale_items": snapshot.stale_items,
        "ready": snapshot.ready,
        "misses_go_live": bool(snapshot.misses_go_live),
        "url": application.get_absolute_url(),
    }


@reads(router, "/applications", ApplicationPage, "api_applications")
def application_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Every application by name, with the dashboard's numbers for today."""
    total, page = paged(Application.objects.order_by("name", "pk"), paging)
    judged = verdicts(page)
    return page_body(total, paging, [_summary(application, judged[application.pk]) for application in page])


@reads(router, "/applications/{slug}", ApplicationDetailOut, "api_application")
def application_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """One application's verdict: each gate's status, rule, evidence and what is missing, as its checklist."""
    application = get_application_for_user(request.user, slug)
    snapshot = verdicts([application])[application.pk]
    assert snapshot.verdict is not None
    waivers = {waiver.pk: waiver for waiver in application.waivers.all()}
    verdict = Verdict.from_data(application, timezone.localdate(), snapshot.verdict["results"], waivers)
    gates = [
        {
            "number": result.gate.number,
            "code": result.gate.code.value,
            "title": result.gate.title,
            "rule": result.rule,
            "status": result.status.value,
            "evidence": result.evidence,
            "missing": [{"text": m.text, "stale": m.stale, "fix_url": m.url} for m in result.missing],
            "waiver_expires_on": result.waiver.expires_on if result.waiver else None,
        }
        for result in verdict.results
    ]
    return {**_summary(application, snapshot), "description": application.description, "gates": gates}
