"""The delivery lead's gate board: the dashboard of every application, one application's
checklist with its verdict and readiness over time, and gate waivers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from readiness.access import get_application_for_user
from readiness.forms.gates import GateWaiverForm
from readiness.gates import Verdict, evaluate, history, load_evidence
from readiness.models import Application, GateCode, Stage
from readiness.services.gates import gate_waive

SORTS = {
    "name": lambda row: row.application.name.lower(),
    "stage": lambda row: list(Stage.values).index(row.application.stage),
    "go_live": lambda row: row.application.go_live_date or date.max,
    "gates": lambda row: row.verdict.met_count,
    "blockers": lambda row: len(row.verdict.blockers),
    "stale": lambda row: row.verdict.stale_count,
}

COLUMNS = [
    ("name", "Application"), ("stage", "Stage"), ("go_live", "Go-live"), ("gates", "Gates met"),
    ("blockers", "Blockers"), ("stale", "Stale items"),
]


@dataclass
class Row:
    application: Application
    verdict: Verdict

    @property
    def days_to_go(self) -> int | None:
        go_live = self.application.go_live_date
        return (go_live - self.verdict.on).days if go_live else None

    @property
    def days_live(self) -> int:
        return -(self.days_to_go or 0)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every application at a glance: stage, go-live, gates met, blockers, stale evidence."""
    today = timezone.localdate()
    applications = Application.objects.with_people()
    stage = request.GET.get("stage", "")
    if stage in Stage.values:
        applications = applications.filter(stage=stage)
    else:
        stage = ""
    evidence = load_evidence(applications)
    rows = [Row(ev.application, evaluate(ev, today)) for ev in evidence.values()]
    sort = request.GET.get("sort", "go_live")
    key = sort.removeprefix("-")
    if key not in SORTS:
        sort, key = "go_live", "go_live"
    descending = sort.startswith("-")
    rows.sort(key=SORTS[key], reverse=descending)
    headers = []
    for column, label in COLUMNS:
        query = QueryDict(mutable=True)
        if stage:
            query["stage"] = stage
        query["sort"] = f"-{column}" if column == key and not descending else column
        current = "descending" if descending else "ascending"
        headers.append((label, f"?{query.urlencode()}", current if column == key else ""))
    return render(request, "readiness/gates_dashboard.html", {
        "rows": rows, "stage": stage, "stages": Stage.choices, "sort": sort, "today": today, "headers": headers,
        "can_create": request.user.has_perm("readiness.edit_readiness"),
    })


def can_waive(user: object, application: Application) -> bool:
    """Only a delivery lead or business owner (the waive permission) who belongs to the application."""
    return bool(
        getattr(user, "is_superuser", False)
        or (user.has_perm("readiness.waive_gate") and application.is_member(user))  # type: ignore[attr-defined]
    )


@login_required
def checklist(request: HttpRequest, slug: str) -> HttpResponse:
    """One application's verdict: each gate's status, rule, evidence and what to fix where."""
    application = get_application_for_user(request.user, slug)
    today = timezone.localdate()
    ev = load_evidence([application])[application.pk]
    verdict = evaluate(ev, today)
    end = min(today, application.go_live_date) if application.go_live_date else today
    counts = {
        "runbook": len(ev.runbooks), "alert": len(ev.alerts), "access": len(ev.access_checks),
        "knownissue": len(ev.known_issues), "drill": len(ev.drills), "decision": len(ev.decisions),
    }
    return render(request, "readiness/gates_checklist.html", {
        "application": application,
        "verdict": verdict,
        "chart": Chart.build(history(ev, end, days=30), total=verdict.total),
        "counts": counts,
        "waivers": sorted(ev.waivers, key=lambda w: w.created_at, reverse=True),
        "today": today,
        "can_edit": application.can_edit(request.user),
        "can_waive": can_waive(request.user, application),
    })


@login_required
def waiver_create(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    if not can_waive(request.user, application):
        raise PermissionDenied("Only the application's delivery lead or business owner can waive a gate.")
    if request.method == "POST":
        form = GateWaiverForm(request.POST)
        if form.is_valid():
            waiver = gate_waive(application=application, waived_by=request.user, **form.cleaned_data)
            messages.success(request, f"{waiver.get_gate_display()} waived until {waiver.expires_on:%d %b %Y}.")
            return redirect(application.get_absolute_url())
    else:
        gate = request.GET.get("gate")
        form = GateWaiverForm(initial={"gate": gate} if gate in GateCode.values else None)
    return render(request, "readiness/waiver_form.html", {"application": application, "form": form})


@dataclass
class Chart:
    """Readiness over time as an inline SVG: gates passing per day (no script, no inline style)."""

    points: str
    dots: list[tuple[float, float, date, int]]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    width: int
    height: int
    left: int
    bottom: float
    right: float
    first: tuple[date, int]
    last: tuple[date, int]
    total: int

    @classmethod
    def build(cls, series: list[tuple[date, int]], *, total: int, width: int = 640, height: int = 220) -> Chart:
        left, right_pad, top, bottom_pad = 40, 28, 12, 30
        plot_w, plot_h = width - left - right_pad, height - top - bottom_pad
        step = plot_w / max(len(series) - 1, 1)

        def y(count: int) -> float:
            return round(top + plot_h - plot_h * count / total, 1)

        dots = [(round(left + i * step, 1), y(count), day, count) for i, (day, count) in enumerate(series)]
        # Weekly labels counted back from the last day, so the newest day is always labelled.
        labels = [(x, f"{day:%d %b}") for i, (x, _, day, _) in enumerate(dots) if (len(dots) - 1 - i) % 7 == 0]
        return cls(
            points=" ".join(f"{x},{yy}" for x, yy, _, _ in dots),
            dots=dots,
            y_ticks=[(y(n), n) for n in range(0, total + 1, 3)] + ([(y(total), total)] if total % 3 else []),
            x_labels=labels,
            width=width,
            height=height,
            left=left,
            bottom=top + plot_h,
            right=width - right_pad,
            first=series[0],
            last=series[-1],
            total=total,
        )
