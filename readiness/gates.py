"""The go-live gates: rules computed from evidence, never boxes someone ticks.

Each gate is a code, a one-sentence rule and a small check function. A check reads an
`Evidence` bundle (every artefact of one application, loaded beforehand) and a day, and
returns what satisfies the rule and what is missing, each missing piece with the address of
the page where it is fixed. Checks run in Python over prefetched rows, so a page asks the
database a fixed number of times however many applications and artefacts there are
(`load_evidence` makes one query per kind of artefact). Evaluating at a past day only
counts evidence that existed and was dated on or before it: the readiness-over-time chart
is the same rules run on earlier days.

Other areas extend a gate by editing its check function (and `Evidence`/`load_evidence`
when they need more rows): gate 4 gains contact confirmation and coverage gaps, gate 9 the
hypercare plan.
"""

from __future__ import annotations

import hashlib
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone

from readiness import links
from readiness.lookup import GAP_DAYS, Gap, coverage_gaps
from readiness.models import (
    REQUIRED_DRILL_SCENARIOS,
    AccessCheck,
    AccessKind,
    ActionStatus,
    AlertCheck,
    Application,
    Coverage,
    DecisionRecord,
    DecisionStatus,
    Drill,
    Duty,
    EscalationLevel,
    ExitCriterion,
    GateCode,
    GateWaiver,
    Hypercare,
    KnownIssue,
    KnownIssueStatus,
    OwnershipRule,
    Person,
    Runbook,
)


class Status(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    WAIVED = "waived", "Waived"


@dataclass(frozen=True)
class Missing:
    """One piece of evidence a gate lacks, and where to supply it."""

    text: str
    url: str
    action: str = "Fix"
    # The evidence existed but aged past its freshness window (counted as "stale" on the dashboard).
    stale: bool = False


@dataclass
class Check:
    evidence: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


@dataclass
class Evidence:
    """Everything one application's gates are judged on, loaded in bulk by `load_evidence`."""

    application: Application
    runbooks: list[Runbook] = field(default_factory=list)
    alerts: list[AlertCheck] = field(default_factory=list)
    access_checks: list[AccessCheck] = field(default_factory=list)
    known_issues: list[KnownIssue] = field(default_factory=list)
    drills: list[Drill] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)
    levels: list[EscalationLevel] = field(default_factory=list)
    ownership_rules: list[OwnershipRule] = field(default_factory=list)
    waivers: list[GateWaiver] = field(default_factory=list)
    hypercare: Hypercare | None = None
    exit_criteria: list[ExitCriterion] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many of each artefact the checklist links to or lists."""
        return {
            "runbook": len(self.runbooks), "alert": len(self.alerts), "access": len(self.access_checks),
            "knownissue": len(self.known_issues), "drill": len(self.drills), "decision": len(self.decisions),
            "waiver": len(self.waivers),
        }


@dataclass(frozen=True)
class Gate:
    code: GateCode
    rule: Callable[[], str]
    check: Callable[[Evidence, date], Check]

    @property
    def title(self) -> str:
        return self.code.label.split(". ", 1)[1]

    @property
    def number(self) -> int:
        return int(self.code.label.split(".", 1)[0])


@dataclass
class GateResult:
    gate: Gate
    status: Status
    evidence: list[str]
    missing: list[Missing]
    waiver: GateWaiver | None = None

    @property
    def rule(self) -> str:
        return self.gate.rule()

    @property
    def passes(self) -> bool:
        return self.status != Status.NOT_MET


@dataclass
class Verdict:
    application: Application
    on: date
    results: list[GateResult]

    @property
    def ready(self) -> bool:
        return all(result.passes for result in self.results)

    @property
    def met_count(self) -> int:
        return sum(result.passes for result in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def blockers(self) -> list[tuple[GateResult, Missing]]:
        return [(r, m) for r in self.results if r.status == Status.NOT_MET for m in r.missing]

    @property
    def stale_count(self) -> int:
        return sum(m.stale for r in self.results for m in r.missing)

    @property
    def waived(self) -> list[GateResult]:
        return [r for r in self.results if r.status == Status.WAIVED]

    def as_data(self) -> list[dict[str, Any]]:
        """The results as JSON, to store (models.ReadinessSnapshot.verdict); `from_data` reads them back."""
        return [
            {"gate": r.gate.code.value, "status": r.status.value, "evidence": r.evidence,
             "missing": [[m.text, m.url, m.action, m.stale] for m in r.missing],
             "waiver": r.waiver.pk if r.waiver else None}
            for r in self.results
        ]

    @classmethod
    def from_data(cls, application: Application, on: date, data: list[dict[str, Any]],
                  waivers: dict[int, GateWaiver]) -> Verdict:
        return cls(application, on, [
            GateResult(GATES_BY_CODE[GateCode(r["gate"])], Status(r["status"]), r["evidence"],
                       [Missing(*m) for m in r["missing"]], waivers.get(r["waiver"]) if r["waiver"] else None)
            for r in data
        ])


# --- helpers -------------------------------------------------------------------------------------


def _address(name: str, args: tuple[Any, ...]) -> str | None:
    # Judging one application on 30 days asks the same addresses 30 times: reversed once.
    return links.address(f"readiness:{name}", *args)


def _url(name: str, *args: Any, query: str = "") -> str:
    return links.url(f"readiness:{name}", *args) + (f"?{query}" if query else "")


def _first_url(names: Iterable[str], *args: Any, fallback: str) -> str:
    """The first route that exists: pages of other areas may not be installed yet."""
    return next((url for name in names if (url := _address(name, args)) is not None), fallback)


def _day(value: Any) -> date:
    return timezone.localdate(value) if hasattr(value, "tzinfo") and value.tzinfo else value


def _existed(row: Any, on: date) -> bool:
    created = getattr(row, "created_at", None)
    return created is None or _day(created) <= on


def _age(day: date | None, on: date) -> int | None:
    """Days since `day` as seen on `on`; None when it had not happened yet."""
    if day is None or day > on:
        return None
    return (on - day).days


def _fmt(day: date) -> str:
    return f"{day:%d %b %Y}"


def _gone(person: Person | None, on: date) -> bool:
    return person is not None and person.has_left(on)


# --- the nine gates ------------------------------------------------------------------------------


def check_runbooks(ev: Evidence, on: date) -> Check:
    review_days, exercise_days = settings.RUNBOOK_REVIEW_DAYS, settings.RUNBOOK_EXERCISE_DAYS
    slug = ev.application.slug
    result = Check()
    critical = [r for r in ev.runbooks if r.is_critical and _existed(r, on)]
    if not critical:
        result.missing.append(
            Missing("No runbook for a critical scenario yet.", _url("runbook_create", slug), "Write one")
        )
    for runbook in critical:
        edit = _url("runbook_edit", slug, runbook.pk)
        detail = _url("runbook_detail", slug, runbook.pk)
        problems = 0
        if runbook.escalation_level_id is None:
            result.missing.append(
                Missing(f"“{runbook.title}” names no escalation level to call.", edit, "Pick a level")
            )
            problems += 1
        reviewed = _age(runbook.last_reviewed_on, on)
        if reviewed is None:
            result.missing.append(Missing(f"“{runbook.title}” has never been reviewed.", detail, "Review it"))
            problems += 1
        elif reviewed > review_days:
            result.missing.append(
                Missing(f"“{runbook.title}” was last reviewed {reviewed} days ago.", detail, "Review it", stale=True)
            )
            problems += 1
        exercised = _age(runbook.last_exercised_on, on)
        if exercised is None:
            result.missing.append(Missing(f"“{runbook.title}” has never been exercised.", detail, "Record an exercise"))
            problems += 1
        elif exercised > exercise_days:
            result.missing.append(
                Missing(f"“{runbook.title}” was last exercised {exercised} days ago.", detail, "Record an exercise",
                        stale=True)
            )
            problems += 1
        if not problems:
            assert runbook.last_reviewed_on and runbook.last_exercised_on and runbook.escalation_level
            result.evidence.append(
                f"“{runbook.title}”: calls {runbook.escalation_level.name}, reviewed {_fmt(runbook.last_reviewed_on)}, "
                f"exercised {_fmt(runbook.last_exercised_on)}."
            )
    return result


def check_monitoring(ev: Evidence, on: date) -> Check:
    window = settings.ALERT_VERIFY_DAYS
    slug = ev.application.slug
    result = Check()
    alerts = [a for a in ev.alerts if _existed(a, on)]
    if not alerts:
        result.missing.append(Missing("No alert is recorded yet.", _url("alert_create", slug), "Add an alert"))
    for alert in alerts:
        edit = _url("alert_edit", slug, alert.pk)
        problems = 0
        if alert.owner_id is None or _gone(alert.owner, on):
            text = f"“{alert.signal}” has no owner." if alert.owner_id is None else (
                f"“{alert.signal}” is owned by {alert.owner}, who has left.")
            result.missing.append(Missing(text, edit, "Assign an owner"))
            problems += 1
        if not alert.user_impact.strip():
            result.missing.append(Missing(f"“{alert.signal}” does not say why it matters to users.", edit, "Explain"))
            problems += 1
        # verifications are prefetched newest first
        seen = next((v for v in alert.verifications.all() if _day(v.verified_at) <= on), None)
        verify = _url("alert_verify", slug, alert.pk)
        if seen is None:
            result.missing.append(Missing(f"“{alert.signal}” has never been seen firing.", verify, "Record a firing"))
            problems += 1
        else:
            age = (on - _day(seen.verified_at)).days
            if age > window:
                result.missing.append(
                    Missing(f"“{alert.signal}” was last seen firing {age} days ago.", verify, "Record a firing",
                            stale=True)
                )
                problems += 1
        if not problems:
            assert seen is not None
            result.evidence.append(
                f"“{alert.signal}”: owned by {alert.owner}, seen firing {_fmt(_day(seen.verified_at))} "
                f"by {seen.verified_by}."
            )
    return result


def check_support_model(ev: Evidence, on: date) -> Check:
    slug = ev.application.slug
    result = Check()
    fallback = _url("application_detail", slug)
    if not ev.levels:
        result.missing.append(
            Missing("The application has no escalation levels to own problems.",
                    _first_url(["level_create", "path_detail"], slug, fallback=fallback), "Add a level")
        )
    if not ev.ownership_rules:
        result.missing.append(
            Missing("No class of problem has an owner.",
                    _first_url(["rule_create", "rule_list"], slug, fallback=fallback), "Add a rule")
        )
    for rule in ev.ownership_rules:
        edit = _first_url(["rule_edit"], slug, rule.pk, fallback=_first_url(
            ["path_detail"], slug, fallback=fallback))
        unassigned = rule.unassigned_duties()
        problems = 0
        if unassigned:
            labels = ", ".join(Duty(d).label.lower() for d in unassigned)
            result.missing.append(Missing(f"“{rule.name}”: nobody is assigned {labels}.", edit, "Assign duties"))
            problems += 1
        if rule.level_id is None:
            result.missing.append(Missing(f"“{rule.name}” is not mapped to a level.", edit, "Pick a level"))
            problems += 1
        if not problems:
            result.evidence.append(
                f"“{rule.name}”: owned by {rule.get_owner_role_display()}, all five duties assigned."
            )
    return result


def _drill_window_end(ev: Evidence, on: date) -> date:
    """Drills count within the window before go-live; before go-live, the window ends today."""
    go_live = ev.application.go_live_date
    return min(on, go_live) if go_live else on


def check_escalation_path(ev: Evidence, on: date) -> Check:
    slug = ev.application.slug
    result = Check()
    fallback = _url("application_detail", slug)
    path = _first_url(["path_detail"], slug, fallback=fallback)
    if not ev.levels:
        result.missing.append(
            Missing("There is no escalation path.", _first_url(["level_create"], slug, fallback=path), "Add a level")
        )
    for level in ev.levels:
        edit = _first_url(["level_edit"], slug, level.pk, fallback=path)
        name = f"L{level.position} {level.name}"
        problems: list[Missing] = []
        if _gone(level.primary, on):
            problems.append(Missing(f"{name}: the primary, {level.primary}, has left.", edit, "Replace", stale=True))
        if level.backup_id is None:
            problems.append(Missing(f"{name} has no backup.", edit, "Name a backup"))
        elif _gone(level.backup, on):
            problems.append(Missing(f"{name}: the backup, {level.backup}, has left.", edit, "Replace", stale=True))
        if not level.duties and not level.other_decision_rights.strip():
            problems.append(Missing(f"{name} has no decision rights.", edit, "Give decision rights"))
        if level.coverage != Coverage.ALWAYS:
            if level.after_hours_cover_id is None:
                problems.append(Missing(f"{name} has no after-hours cover.", edit, "Name after-hours cover"))
            elif _gone(level.after_hours_cover, on):
                problems.append(
                    Missing(f"{name}: the after-hours cover, {level.after_hours_cover}, has left.", edit, "Replace",
                            stale=True)
                )
        if level.stale_since and _day(level.stale_since) <= on and not problems:
            reason = level.stale_reason or "someone on it changed"
            problems.append(Missing(f"{name} is marked stale: {reason}.", edit, "Review the level", stale=True))
        # Contacts who left three reminders unanswered (readiness/services/reminders.py) are stale.
        for role, person in (("primary", level.primary), ("backup", level.backup),
                             ("after-hours cover", level.after_hours_cover)):
            if person is not None and person.stale_since and _day(person.stale_since) <= on and not _gone(person, on):
                problems.append(Missing(
                    f"{name}: the {role}, {person}, has not confirmed their details within their "
                    f"{person.verification_days}-day verification period "
                    f"(stale since {_fmt(_day(person.stale_since))}).",
                    _url("person_reminders", person.pk), "See their reminders", stale=True))
        gaps = _coverage_gaps(level, on)
        if gaps:
            first = gaps[0]
            zone = level.coverage_timezone
            problems.append(Missing(
                f"{name}: {len(gaps)} coverage gap{'s' if len(gaps) > 1 else ''} in the next {GAP_DAYS} days, first "
                f"{timezone.localtime(first.start, ZoneInfo(zone)):%a %d %b %H:%M}–"
                f"{timezone.localtime(first.end, ZoneInfo(zone)):%a %d %b %H:%M} ({zone}): {first.reason}.",
                f"{path}#level-{level.pk}", "See the gaps"))
        result.missing.extend(problems)
        if not problems:
            cover = "24×7" if level.coverage == Coverage.ALWAYS else f"after hours {level.after_hours_cover}"
            result.evidence.append(f"{name}: {level.primary}, backup {level.backup}, {cover}.")
    end = _drill_window_end(ev, on)
    window = settings.DRILL_WINDOW_DAYS
    tested = [
        d for d in ev.drills
        if d.after_hours and d.contacts_answered and end - timedelta(days=window) <= d.held_on <= end
    ]
    if tested:
        drill = max(tested, key=lambda d: d.held_on)
        minutes = f" in {drill.answer_minutes} min" if drill.answer_minutes is not None else ""
        result.evidence.append(
            f"Tested after hours on {_fmt(drill.held_on)} (“{drill.title}”): contacts answered{minutes}."
        )
    else:
        result.missing.append(
            Missing(f"The path has not been tested after hours, with the contacts answering, in the {window} days "
                    f"before {'go-live' if end != on else 'today'}.",
                    _url("drill_create", slug, query="after_hours=1"), "Record an after-hours drill")
        )
    return result


def _coverage_gaps(level: EscalationLevel, on: date) -> list[Gap]:
    """Gaps in the 14 days from now (today) or from the start of `on` (a past day, for the chart).

    Judged on people's calendars as they are now: past leave and hours are not kept.
    """
    today = timezone.localdate()
    if on >= today:
        return coverage_gaps(level, timezone.now(), days=GAP_DAYS)
    start = timezone.make_aware(datetime.combine(on, time(0)))
    end = start + timedelta(days=GAP_DAYS)
    # The chart asks for each of the last 30 days in turn: work the gaps out once, from the
    # earliest day asked up to today's window, and cut each day's 14 days out of that. The
    # holes of a window are the holes of a wider span clipped to it, so the answer is the same.
    span = getattr(level, "_past_gaps", None)
    if span is None or start < span[0]:
        span_start = min(start, timezone.make_aware(datetime.combine(today - timedelta(days=30), time(0))))
        span_days = (today - span_start.date()).days + GAP_DAYS + 1
        span = (span_start, coverage_gaps(level, span_start, days=span_days))
        level._past_gaps = span  # type: ignore[attr-defined]
    return [
        Gap(max(gap.start, start), min(gap.end, end), gap.reasons)
        for gap in span[1]
        if gap.start < end and gap.end > start
    ]


def check_access(ev: Evidence, on: date) -> Check:
    window = settings.ACCESS_VERIFY_DAYS
    slug = ev.application.slug
    result = Check()
    by_kind: dict[str, list[AccessCheck]] = defaultdict(list)
    for check in ev.access_checks:
        if _existed(check, on):
            by_kind[check.kind].append(check)
    for kind in AccessKind:
        checks = by_kind.get(kind, [])
        fresh = [c for c in checks if (age := _age(c.verified_on, on)) is not None and age <= window]
        if fresh:
            best = max(fresh, key=lambda c: c.verified_on or date.min)  # all fresh: never None
            assert best.verified_on is not None
            result.evidence.append(
                f"{kind.label}: {best.description}, verified by {best.verified_by} on {_fmt(best.verified_on)}."
            )
            continue
        if not checks:
            result.missing.append(
                Missing(f"Nobody has checked support's access to {kind.label.lower()}.",
                        _url("access_create", slug, query=f"kind={kind.value}"), "Record a check")
            )
            continue
        latest = max(checks, key=lambda c: (c.verified_on or date.min, c.pk))
        age = _age(latest.verified_on, on)
        edit = _url("access_edit", slug, latest.pk)
        if age is None:
            result.missing.append(Missing(f"{kind.label}: “{latest.description}” is not verified yet.", edit, "Verify"))
        else:
            result.missing.append(
                Missing(f"{kind.label}: “{latest.description}” was verified {age} days ago.", edit, "Verify again",
                        stale=True)
            )
    return result


def check_rehearsal(ev: Evidence, on: date) -> Check:
    window = settings.DRILL_WINDOW_DAYS
    slug = ev.application.slug
    end = _drill_window_end(ev, on)
    start = end - timedelta(days=window)
    result = Check()
    drills = [d for d in ev.drills if start <= d.held_on <= end]
    for scenario in REQUIRED_DRILL_SCENARIOS:
        held = sorted((d for d in drills if d.scenario == scenario), key=lambda d: d.held_on, reverse=True)
        full = [d for d in held if d.all_roles_attended]
        if full:
            result.evidence.append(
                f"{scenario.label}: “{full[0].title}” on {_fmt(full[0].held_on)} with support, engineering "
                "and the business owner."
            )
        elif held:
            absent = [
                role for role, there in (("support", held[0].support_attended),
                                         ("engineering", held[0].engineering_attended),
                                         ("the business owner", held[0].business_owner_attended)) if not there
            ]
            result.missing.append(
                Missing(f"{scenario.label} drill “{held[0].title}” ran without {' and '.join(absent)}.",
                        _url("drill_edit", slug, held[0].pk), "Correct or re-run")
            )
        else:
            older = any(d.scenario == scenario and d.held_on < start for d in ev.drills)
            result.missing.append(
                Missing(f"No {scenario.label.lower()} drill in the {window} days before "
                        f"{'go-live' if end != on else 'today'}.",
                        _url("drill_create", slug, query=f"scenario={scenario.value}"), "Record a drill", stale=older)
            )
    for drill in ev.drills:
        if drill.held_on > on:
            continue
        for action in drill.actions.all():
            if action.status == ActionStatus.OPEN or (action.closed_on and action.closed_on > on):
                result.missing.append(
                    Missing(f"Follow-up “{action.description}” from “{drill.title}” is still open.",
                            _url("drill_detail", slug, drill.pk), "Close it")
                )
    return result


def check_known_issues(ev: Evidence, on: date) -> Check:
    application = ev.application
    slug = application.slug
    release = application.current_release
    result = Check()
    if not release:
        result.missing.append(
            Missing("The application has no current release to tie known issues to.",
                    _url("application_edit", slug), "Set the release")
        )
    open_issues = [i for i in ev.known_issues if i.status == KnownIssueStatus.OPEN and _existed(i, on)]
    for issue in open_issues:
        edit = _url("knownissue_edit", slug, issue.pk)
        problems = 0
        if release and issue.release != release:
            result.missing.append(
                Missing(f"“{issue.title}” is tied to release {issue.release}, not {release}: retest it, then tie it "
                        "to the current release or close it.", edit, "Trim", stale=True)
            )
            problems += 1
        if not issue.workaround.strip() and (issue.owner_id is None or _gone(issue.owner, on)):
            result.missing.append(Missing(f"“{issue.title}” has neither a workaround nor an owner.", edit,
                                          "Add a workaround"))
            problems += 1
        if not problems:
            how = "workaround" if issue.workaround.strip() else f"owned by {issue.owner}"
            result.evidence.append(f"“{issue.title}” ({issue.release}): {how}.")
    if release and not open_issues:
        result.evidence.append(f"No open known issue for release {release}.")
    return result


def check_knowledge(ev: Evidence, on: date) -> Check:
    slug = ev.application.slug
    result = Check()
    key = [d for d in ev.decisions if d.is_key and _existed(d, on) and d.status != DecisionStatus.SUPERSEDED]
    accepted = [d for d in key if d.status == DecisionStatus.ACCEPTED]
    for decision in accepted:
        result.evidence.append(f"“{decision.title}”: accepted, with context and alternatives.")
    for decision in key:
        if decision.status == DecisionStatus.PROPOSED:
            result.missing.append(
                Missing(f"Key decision “{decision.title}” is still proposed.", _url("decision_edit", slug, decision.pk),
                        "Settle it")
            )
    if not accepted:
        result.missing.append(
            Missing("No key decision is written down as an accepted decision record.",
                    _url("decision_create", slug, query="is_key=1"), "Record a decision")
        )
    return result


def check_hypercare_plan(ev: Evidence, on: date) -> Check:
    """A window and exit criteria exist, and the business owner agreed them, unchanged since, before go-live."""
    slug = ev.application.slug
    result = Check()
    hypercare = ev.hypercare if ev.hypercare is not None and _existed(ev.hypercare, on) else None
    criteria = [c for c in ev.exit_criteria if _existed(c, on)]
    if hypercare is None:
        result.missing.append(Missing("No hypercare window set.", _url("hypercare_plan_edit", slug), "Plan hypercare"))
        return result
    result.evidence.append(
        f"Window {_fmt(hypercare.starts_on)} to {_fmt(hypercare.planned_end_on)} "
        f"({(hypercare.planned_end_on - hypercare.starts_on).days} days)."
    )
    if not criteria:
        result.missing.append(Missing("No exit criteria.", _url("criterion_create", slug), "Add a criterion"))
        return result
    agreed_on = _day(hypercare.agreed_at) if hypercare.agreed_at else None
    detail = _url("hypercare_detail", slug)
    if agreed_on is None or agreed_on > on:
        result.missing.append(Missing("The business owner has not agreed the window and exit criteria.", detail,
                                      "Ask for agreement"))
    elif not hypercare.is_agreed(ev.exit_criteria):
        result.missing.append(Missing(f"The plan changed after it was agreed on {_fmt(agreed_on)}; the business "
                                      "owner must agree it again.", detail, "Ask for agreement"))
    elif ev.application.go_live_date and agreed_on > ev.application.go_live_date:
        result.missing.append(Missing(f"Agreed on {_fmt(agreed_on)}, after go-live on "
                                      f"{_fmt(ev.application.go_live_date)}: exit criteria are agreed before.",
                                      detail, "Review"))
    else:
        by = hypercare.agreed_by
        who = (by.get_full_name() or by.get_username()) if by else "the business owner"
        result.evidence.append(f"{len(criteria)} exit criteria agreed by {who} on {_fmt(agreed_on)}.")
    return result


GATES: list[Gate] = [
    Gate(GateCode.RUNBOOKS, lambda: (
        "Each critical scenario has a short runbook that names the escalation level to call, reviewed in the last "
        f"{settings.RUNBOOK_REVIEW_DAYS} days and exercised in the last {settings.RUNBOOK_EXERCISE_DAYS} days."
    ), check_runbooks),
    Gate(GateCode.MONITORING, lambda: (
        "Every alert has an owner and a reason it matters to users, and someone saw it fire in the last "
        f"{settings.ALERT_VERIFY_DAYS} days."
    ), check_monitoring),
    Gate(GateCode.SUPPORT_MODEL, lambda: (
        "Every class of problem has an owner and a level, and each of the five duties is assigned."
    ), check_support_model),
    Gate(GateCode.ESCALATION_PATH, lambda: (
        "Every level has a primary and a backup who are still here, decision rights and after-hours cover, no "
        f"coverage gap in the next {GAP_DAYS} days, every contact confirmed their details within their "
        "verification period (none stale), and the path was tested after hours in the "
        f"{settings.DRILL_WINDOW_DAYS} days before go-live."
    ), check_escalation_path),
    Gate(GateCode.ACCESS, lambda: (
        "Support has verified its access to logs, admin functions, the hosting console and reporting in the last "
        f"{settings.ACCESS_VERIFY_DAYS} days."
    ), check_access),
    Gate(GateCode.REHEARSAL, lambda: (
        "A login failure, a data mismatch and an integration outage were each drilled with support, engineering and "
        f"the business owner in the {settings.DRILL_WINDOW_DAYS} days before go-live, and every follow-up is closed."
    ), check_rehearsal),
    Gate(GateCode.KNOWN_ISSUES, lambda: (
        "Every open known issue is tied to the current release and has a workaround or an owner."
    ), check_known_issues),
    Gate(GateCode.KNOWLEDGE, lambda: (
        "The key decisions are written down as accepted decision records, with their context and alternatives."
    ), check_knowledge),
    Gate(GateCode.HYPERCARE_PLAN, lambda: (
        "A hypercare window and its exit criteria were agreed before go-live."
    ), check_hypercare_plan),
]
GATES_BY_CODE = {gate.code: gate for gate in GATES}


# --- evaluation ----------------------------------------------------------------------------------


def evaluate(ev: Evidence, on: date | None = None) -> Verdict:
    """Judge every gate of one application on day `on` (today by default)."""
    on = on or timezone.localdate()
    results = []
    for gate in GATES:
        check = gate.check(ev, on)
        status = Status.MET if not check.missing else Status.NOT_MET
        waiver = None
        if status == Status.NOT_MET:
            waiver = next((w for w in ev.waivers if w.gate == gate.code and w.in_force_on(on)), None)
            if waiver is not None:
                status = Status.WAIVED
        results.append(GateResult(gate, status, check.evidence, check.missing, waiver))
    return Verdict(ev.application, on, results)


# Days the readiness-over-time chart shows, up to go-live (or today).
CHART_DAYS = 30


def history(ev: Evidence, end: date, days: int = CHART_DAYS) -> list[tuple[date, int]]:
    """Gates passing (met or waived) on each of the `days` days up to `end`."""
    return [(day, evaluate(ev, day).met_count) for day in (end - timedelta(days=n) for n in range(days - 1, -1, -1))]


def load_evidence(applications: Iterable[Application]) -> dict[int, Evidence]:
    """Every artefact of these applications, with one query per kind of artefact."""
    bundles = {app.pk: Evidence(application=app) for app in applications}
    ids = list(bundles)
    if not ids:
        return bundles

    def fill(attr: str, rows: Iterable[Any]) -> None:
        for row in rows:
            getattr(bundles[row.application_id], attr).append(row)

    fill("runbooks", Runbook.objects.filter(application_id__in=ids).select_related("escalation_level"))
    fill("alerts", AlertCheck.objects.filter(application_id__in=ids).select_related("owner").prefetch_related(
        models.Prefetch("verifications", queryset=_verifications())))
    fill("access_checks", AccessCheck.objects.filter(application_id__in=ids).select_related("verified_by"))
    fill("known_issues", KnownIssue.objects.filter(application_id__in=ids).select_related("owner"))
    fill("drills", Drill.objects.filter(application_id__in=ids).prefetch_related("actions"))
    fill("decisions", DecisionRecord.objects.filter(application_id__in=ids))
    fill("levels", EscalationLevel.objects.filter(application_id__in=ids).select_related(
        "primary", "backup", "after_hours_cover"))
    # Coverage gaps (gate 4) read everyone's working hours and leave: one query each for all
    # the people on the levels, whichever role they hold.
    people = [person for ev in bundles.values() for level in ev.levels
              for person in (level.primary, level.backup, level.after_hours_cover) if person is not None]
    models.prefetch_related_objects(people, "working_hours", "leaves")
    fill("ownership_rules", OwnershipRule.objects.filter(application_id__in=ids))
    fill("waivers", GateWaiver.objects.filter(application_id__in=ids).select_related("waived_by"))
    fill("exit_criteria", ExitCriterion.objects.filter(application_id__in=ids))
    for hypercare in Hypercare.objects.filter(application_id__in=ids).select_related("agreed_by"):
        bundles[hypercare.application_id].hypercare = hypercare
    return bundles


def _verifications() -> models.QuerySet[Any]:
    from readiness.models import AlertVerification

    return AlertVerification.objects.select_related("verified_by").order_by("-verified_at")


def verdict_for(application: Application, on: date | None = None) -> Verdict:
    return evaluate(load_evidence([application])[application.pk], on)


# The code that judges: a stored verdict judged by other code is not current (see rules_version).
_RULES_CODE = hashlib.sha256(b"".join(
    Path(module).read_bytes() for module in (__file__, sys.modules[coverage_gaps.__module__].__file__ or "")
)).hexdigest()


def rules_version() -> str:
    """A short hash of the rules as they stand: this module, the coverage-gap code and the windows
    in settings. A stored verdict judged under another version is judged afresh."""
    windows = (settings.RUNBOOK_REVIEW_DAYS, settings.RUNBOOK_EXERCISE_DAYS, settings.ALERT_VERIFY_DAYS,
               settings.ACCESS_VERIFY_DAYS, settings.DRILL_WINDOW_DAYS, GAP_DAYS)
    return hashlib.sha256(f"{_RULES_CODE}{windows!r}".encode()).hexdigest()[:16]
