"""The delivery lead's gate board: the dashboard of every application, one application's
checklist with its verdict and readiness over time, and gate waivers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any, TypedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import FilteredRelation
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from readiness.access import AuthenticatedHttpRequest, get_application_for_user
from readiness.forms.gates import GateWaiverForm, WaiverRevokeForm
from readiness.gates.chart import chart_days, readiness_chart
from readiness.gates.verdict import Verdict
from readiness.gates.version import rules_version
from readiness.leavers import leavers_to_replace
from readiness.models import Application, GateCode, GateWaiver, Hypercare, ReadinessSnapshot, Stage
from readiness.models.gates import WaiverStatus, current_q
from readiness.permissions import can, require
from readiness.services import gates as services
from readiness.submissions import once_per_submission

# A screenful a lead can take in (sorted by go-live: the next 25 to go live come first). The
# page's time is mostly its rows' rendering: 50 rows a page measured 5.9× the bare view at the
# bench's 1,000 applications, over the 5× the dashboard must hold.
PAGE_SIZE = 25


def _stage_order() -> models.Case:
    return models.Case(*[models.When(stage=value, then=models.Value(i)) for i, value in enumerate(Stage.values)],
                       output_field=models.IntegerField())


SORTS: dict[str, Callable[[], models.Expression | models.F]] = {
    "name": lambda: Lower("name"),
    "stage": _stage_order,
    "go_live": lambda: models.F("go_live_date"),
    "gates": lambda: models.F("snapshot__gates_met"),
    "blockers": lambda: models.F("snapshot__blockers"),
    "stale": lambda: models.F("snapshot__stale_items"),
}

SNAPSHOT_SORTS = ("gates", "blockers", "stale")

COLUMNS = [
    ("name", "Application"), ("stage", "Stage"), ("go_live", "Go-live"), ("gates", "Gates met"),
    ("blockers", "Blockers"), ("stale", "Stale items"),
]
_SNAPSHOT_COLUMNS = ["gates_met", "gates_total", "blockers", "stale_items", "ready", "computed_at", "misses_go_live"]
# Why an application is back in hypercare after a sign-off, while it is (services.hypercare_reopen_if_invalidated).
_REOPENED = models.Case(models.When(stage=Stage.HYPERCARE, then=models.F("hypercare__reopened_reason")),
                        default=models.Value(""), output_field=models.TextField())


class Row(TypedDict):
    """One application's line on the dashboard, its cells ready to show. A dict, not an object:
    the template engine tries a key before an attribute, and fifty rows of an object's
    properties (each a failed key lookup first) took as long as the rest of the page."""

    application: Application
    snapshot: ReadinessSnapshot
    url: str
    name: str
    stage: str
    go_live: str
    days: str  # to go-live: a number, "live N days", or "—" with no go-live date
    gates_met: int
    gates_total: int
    blockers: int
    stale_items: int
    ready: bool
    misses_go_live: bool  # the recent pace leads past go-live (as stored with the day's verdict)
    reopened: str  # why a signed-off application is back in hypercare, or ""


def dashboard_row(application: Application, snapshot: ReadinessSnapshot, reopened: str = "") -> Row:
    go_live = application.go_live_date
    days = (go_live - snapshot.day).days if go_live else None
    return Row(
        application=application, snapshot=snapshot, url=application.get_absolute_url(), name=application.name,
        stage=application.get_stage_display(),
        go_live=f"{go_live:%a} {go_live.day} {go_live:%b %Y}" if go_live else "not set",
        days="—" if days is None else str(days) if days >= 0 else f"live {-days} days",
        gates_met=snapshot.gates_met, gates_total=snapshot.gates_total, blockers=snapshot.blockers,
        stale_items=snapshot.stale_items, ready=snapshot.ready, misses_go_live=bool(snapshot.misses_go_live),
        reopened=reopened or "",
    )


def _query(**params: str) -> str:
    query = QueryDict(mutable=True)
    query.update({key: value for key, value in params.items() if value})
    return f"?{query.urlencode()}"


@login_required
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every application at a glance: stage, go-live, gates met, blockers, stale evidence.

    Reads each application's stored verdict of today (models.ReadinessSnapshot), sorted, filtered
    and paged by the database. An application with no current one (written since, until the
    refresh its writer enqueued has run) is judged here, in memory: a page never writes.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    rules = rules_version()
    stage = request.GET.get("stage", "")
    applications = Application.objects.all()
    if stage in Stage.values:
        applications = applications.filter(stage=stage)
    else:
        stage = ""
    sort = request.GET.get("sort", "go_live")
    key = sort.removeprefix("-")
    if key not in SORTS:
        sort, key = "go_live", "go_live"
    descending = sort.startswith("-")
    # No go-live date sorts as the latest; no snapshot (judged further down) sorts last either way.
    if not descending:
        order = SORTS[key]().asc(nulls_last=True)
    elif key == "go_live":
        order = SORTS[key]().desc(nulls_first=True)
    else:
        order = SORTS[key]().desc(nulls_last=True)
    # Only a sort by a verdict's number joins today's verdicts; the page's own verdicts are read
    # next, for its rows alone. Joined for every sort, the database hashed and sorted the day's
    # verdicts of every application to show 25 (and counted through the join).
    listed = applications.annotate(reopened=_REOPENED)
    if key in SNAPSHOT_SORTS:
        listed = listed.annotate(snapshot=FilteredRelation(
            "snapshots", condition=current_q(now, rules, prefix="snapshots__")))
    paginator = Paginator(listed.order_by(order, Lower("name"), "pk"), PAGE_SIZE)
    paginator.count = applications.count()
    page = paginator.get_page(request.GET.get("page"))
    stored = {row.application_id: row for row in ReadinessSnapshot.objects.filter(
        current_q(now, rules), application__in=[app.pk for app in page],
    ).only("application_id", "day", *_SNAPSHOT_COLUMNS)}
    # Judged live, not stored (sorted last meanwhile): one query per kind of evidence for the page.
    unjudged = [app.pk for app in page if app.pk not in stored]
    late = services.readiness_snapshots_judge(application_ids=unjudged) if unjudged else {}
    rows = [
        dashboard_row(app, late.get(app.pk) or stored[app.pk], app.reopened)  # type: ignore[attr-defined]
        for app in page
    ]
    headers = []
    for column, label in COLUMNS:
        href = _query(stage=stage, sort=f"-{column}" if column == key and not descending else column)
        current = "descending" if descending else "ascending"
        headers.append((label, href, current if column == key else ""))
    return render(request, "readiness/gates_dashboard.html", {
        "rows": rows, "page": page, "stage": stage, "stages": Stage.choices, "sort": sort, "today": today,
        "headers": headers, "can_create": can(request.user, "application.create"),
        "previous_page": _query(stage=stage, sort=sort, page=str(page.previous_page_number()))
        if page.has_previous() else "",
        "next_page": _query(stage=stage, sort=sort, page=str(page.next_page_number())) if page.has_next() else "",
    })


@login_required
@require_safe
def checklist(request: HttpRequest, slug: str) -> HttpResponse:
    """One application's verdict: each gate's status, rule, evidence and what to fix where.

    The verdict is today's stored snapshot while it is current (no evidence written since, young
    enough, same rules), else judged now and shown without storing it (the writer's refresh, on
    commit, stores it); the chart draws the recorded past days.
    """
    application = get_application_for_user(request.user, slug)
    now = timezone.now()
    today = timezone.localdate(now)
    # One query for today's verdict and the chart's recorded days (past days keep no checklist).
    first, last = chart_days(application, today)
    rows = list(ReadinessSnapshot.objects.filter(models.Q(day=today) | models.Q(day__range=(first, last)),
                                                 application=application))
    snapshot = next((row for row in rows if row.day == today), None)
    if snapshot is None or not snapshot.is_current(now, rules_version()):
        snapshot = services.readiness_snapshots_judge(application_ids=[application.pk])[application.pk]
    assert snapshot.verdict is not None
    # A current snapshot counted the waivers (a waiver written since would have retired it).
    waivers = sorted(application.waivers.select_related("waived_by", "approved_by", "revoked_by"),
                     key=lambda w: w.created_at, reverse=True) if snapshot.verdict["counts"]["waiver"] else []
    verdict = Verdict.from_data(application, today, snapshot.verdict["results"], {w.pk: w for w in waivers})
    return render(request, "readiness/gates_checklist.html", {
        "application": application,
        "verdict": verdict,
        "chart": readiness_chart(application, {row.day: row.gates_met for row in rows}, today=today,
                                 met_today=verdict.met_count, total=verdict.total),
        "counts": snapshot.verdict["counts"],
        "waivers": waivers,
        "waivers_shown": [_waiver_row(request.user, waiver, today) for waiver in waivers],
        "today": today,
        "can_edit": can(request.user, "application.edit", application),
        "can_waive": can(request.user, "waiver.create", application),
        # Only an application in hypercare can be back in it after a sign-off: others spare the query.
        "reopened": Hypercare.objects.filter(application=application).exclude(reopened_reason="")
        .values("reopened_reason", "reopened_at").first() if application.stage == Stage.HYPERCARE else None,
        # People who left, still named here: application roles and the hypercare sign-off.
        "leavers": leavers_to_replace(application),
    })


WAIVER_BADGES = {
    WaiverStatus.PENDING: "text-bg-info", WaiverStatus.ACTIVE: "text-bg-success",
    WaiverStatus.EXPIRING: "text-bg-warning", WaiverStatus.REVOKED: "text-bg-secondary",
    WaiverStatus.LAPSED: "text-bg-secondary",
}


def _waiver_row(user: Any, waiver: GateWaiver, today: date) -> dict[str, Any]:
    """A waiver as the checklist lists it: its status and only the buttons the server would take."""
    status = waiver.status_on(today)
    open_ = status in (WaiverStatus.PENDING, WaiverStatus.ACTIVE, WaiverStatus.EXPIRING)
    may_waive = can(user, "waiver.create", waiver)
    can_approve = status == WaiverStatus.PENDING and can(user, "waiver.approve", waiver)
    return {
        "waiver": waiver, "status": status, "badge": WAIVER_BADGES[status], "can_approve": can_approve,
        "can_revoke": open_ and can(user, "waiver.revoke", waiver),
        "why_not_approve": "Someone else approves the waiver you asked for."
        if status == WaiverStatus.PENDING and may_waive and not can_approve else "",
    }


@login_required
@once_per_submission
def waiver_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "waiver.create", application)
    if request.method == "POST":
        form = GateWaiverForm(request.POST)
        if form.is_valid():
            waiver = services.waiver_request(application=application, requested_by=request.user, **form.cleaned_data)
            messages.success(request, f"Asked to waive {waiver.get_gate_display()} until {waiver.expires_on:%d %b %Y}. "
                                      "It counts once someone else who may waive gates approves it.")
            return redirect(application.get_absolute_url() + "#waivers")
    else:
        gate = request.GET.get("gate")
        form = GateWaiverForm(initial={"gate": gate} if gate in GateCode.values else None)
    return render(request, "readiness/waiver_form.html", {"application": application, "form": form})


def _waiver(request: AuthenticatedHttpRequest, slug: str, pk: int) -> tuple[Application, GateWaiver]:
    application = get_application_for_user(request.user, slug)
    return application, get_object_or_404(GateWaiver.objects.select_related("application"), pk=pk,
                                          application=application)


@login_required
@require_POST
def waiver_approve(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    application, waiver = _waiver(request, slug, pk)
    require(request.user, "waiver.approve", waiver)
    try:
        waiver = services.waiver_approve(waiver=waiver, approved_by=request.user)
        messages.success(request, f"{waiver.get_gate_display()} is waived until {waiver.expires_on:%d %b %Y}.")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(application.get_absolute_url() + "#waivers")


@login_required
@once_per_submission
def waiver_revoke(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    application, waiver = _waiver(request, slug, pk)
    require(request.user, "waiver.revoke", waiver)
    form = WaiverRevokeForm(request.POST or None, instance=GateWaiver(pk=waiver.pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.waiver_revoke(waiver=waiver, revoked_by=request.user, reason=form.cleaned_data["revoke_reason"])
            messages.success(request, f"Revoked the waiver of {waiver.get_gate_display()}: the gate is judged on "
                                      "its evidence again.")
            return redirect(application.get_absolute_url() + "#waivers")
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "readiness/waiver_revoke.html", {"application": application, "waiver": waiver,
                                                             "form": form})
