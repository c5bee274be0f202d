"""The nine gates: each a code, a one-sentence rule and a check function over `Evidence`."""

from __future__ import annotations

import inspect
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from django.conf import settings

from readiness.coverage import GAP_DAYS
from readiness.gates.escalation import _drill_window_end, check_escalation_path
from readiness.gates.evidence import Evidence
from readiness.gates.helpers import _age, _day, _existed, _fmt, _gone, _place, leaver_text
from readiness.gates.results import Check, Gate, Missing, Place
from readiness.models import (
    REQUIRED_DRILL_SCENARIOS,
    AccessCheck,
    AccessKind,
    ActionStatus,
    DecisionStatus,
    Duty,
    ExerciseOutcome,
    GateCode,
    KnownIssueStatus,
    Runbook,
    RunbookExercise,
)


def check_runbooks(ev: Evidence, on: date) -> Check:
    """Each critical scenario has a short runbook that names the escalation level to call, reviewed in the last
    {RUNBOOK_REVIEW_DAYS} days and exercised in the last {RUNBOOK_EXERCISE_DAYS} days without failing, the exercise
    recorded with who, how and what happened."""
    slug = ev.application.slug
    result = Check()
    critical = [r for r in ev.runbooks if r.is_critical and _existed(r, on)]
    if not critical:
        result.missing.append(
            Missing("No runbook for a critical scenario yet.", _place("runbook_create", slug), "Write one")
        )
    for runbook in critical:
        edit = _place("runbook_edit", slug, runbook.pk)
        detail = _place("runbook_detail", slug, runbook.pk)
        before = len(result.missing)
        if runbook.escalation_level_id is None:
            result.missing.append(
                Missing(f"“{runbook.title}” names no escalation level to call.", edit, "Pick a level")
            )
        reviewed = _age(runbook.last_reviewed_on, on)
        if reviewed is None:
            result.missing.append(Missing(f"“{runbook.title}” has never been reviewed.", detail, "Review it"))
        elif reviewed > settings.RUNBOOK_REVIEW_DAYS:
            result.missing.append(
                Missing(f"“{runbook.title}” was last reviewed {reviewed} days ago.", detail, "Review it", stale=True)
            )
        exercise = _last_exercise(runbook, on)
        lacking = _exercise_missing(runbook, exercise, on, _place("runbook_exercise_create", slug, runbook.pk))
        if lacking is not None:
            result.missing.append(lacking)
        if len(result.missing) == before:  # nothing missing for this one
            assert runbook.last_reviewed_on and exercise and runbook.escalation_level
            result.evidence.append(
                f"“{runbook.title}”: calls {runbook.escalation_level.name}, reviewed {_fmt(runbook.last_reviewed_on)}, "
                f"exercised {_fmt(exercise.exercised_on)} ({exercise.get_how_display().lower()} by {exercise.who}: "
                f"{exercise.get_outcome_display().lower()})."
            )
    return result


def _last_exercise(runbook: Runbook, on: date) -> RunbookExercise | None:
    """The latest exercise recorded by `on` (exercises are prefetched newest first)."""
    return next((x for x in runbook.exercises.all() if x.exercised_on <= on and _existed(x, on)), None)


def _exercise_missing(runbook: Runbook, exercise: RunbookExercise | None, on: date, record: Place) -> Missing | None:
    """What the runbook's exercises lack on `on`: a date typed in without evidence is not one."""
    title = runbook.title
    if exercise is None:
        bare = runbook.exercised_without_evidence_on
        text = (f"“{title}” was marked exercised on {_fmt(bare)} without saying who, how or what happened."
                if bare and bare <= on else f"“{title}” has never been exercised.")
        return Missing(text, record, "Record an exercise")
    age = (on - exercise.exercised_on).days
    if age > settings.RUNBOOK_EXERCISE_DAYS:
        return Missing(f"“{title}” was last exercised {age} days ago.", record, "Record an exercise", stale=True)
    if exercise.outcome == ExerciseOutcome.FAILED:
        return Missing(f"“{title}” failed when exercised on {_fmt(exercise.exercised_on)}: fix it and exercise it "
                       "again.", record, "Record an exercise")
    return None


def check_monitoring(ev: Evidence, on: date) -> Check:
    """Every alert has an owner and a reason it matters to users, and someone saw it fire in the last
    {ALERT_VERIFY_DAYS} days."""
    slug = ev.application.slug
    result = Check()
    alerts = [a for a in ev.alerts if _existed(a, on)]
    if not alerts:
        result.missing.append(Missing("No alert is recorded yet.", _place("alert_create", slug), "Add an alert"))
    for alert in alerts:
        edit = _place("alert_edit", slug, alert.pk)
        before = len(result.missing)
        if alert.owner is None:
            result.missing.append(Missing(f"“{alert.signal}” has no owner.", edit, "Assign an owner"))
        elif _gone(alert.owner, on):
            result.missing.append(Missing(leaver_text(alert.owner, f"owner of the alert “{alert.signal}”", on) + ".",
                                          edit, "Replace"))
        if not alert.user_impact.strip():
            result.missing.append(Missing(f"“{alert.signal}” does not say why it matters to users.", edit, "Explain"))
        # verifications are prefetched newest first
        seen = next((v for v in alert.verifications.all() if _day(v.verified_at) <= on), None)
        verify = _place("alert_verify", slug, alert.pk)
        if seen is None:
            result.missing.append(Missing(f"“{alert.signal}” has never been seen firing.", verify, "Record a firing"))
        else:
            age = (on - _day(seen.verified_at)).days
            if age > settings.ALERT_VERIFY_DAYS:
                result.missing.append(
                    Missing(f"“{alert.signal}” was last seen firing {age} days ago.", verify, "Record a firing",
                            stale=True)
                )
        if len(result.missing) == before:  # nothing missing for this one
            assert seen is not None
            result.evidence.append(
                f"“{alert.signal}”: owned by {alert.owner}, seen firing {_fmt(_day(seen.verified_at))} "
                f"by {seen.seen_by}."
            )
    return result


def check_support_model(ev: Evidence, on: date) -> Check:
    """Every class of problem has an owner and a level, and each of the five duties is assigned."""
    slug = ev.application.slug
    result = Check()
    if not ev.levels:
        result.missing.append(
            Missing("The application has no escalation levels to own problems.",
                    _place("level_create", slug), "Add a level")
        )
    if not ev.ownership_rules:
        result.missing.append(
            Missing("No class of problem has an owner.",
                    _place("rule_create", slug), "Add a rule")
        )
    for rule in ev.ownership_rules:
        edit = _place("rule_edit", slug, rule.pk)
        unassigned = rule.unassigned_duties()
        before = len(result.missing)
        if unassigned:
            labels = ", ".join(Duty(d).label.lower() for d in unassigned)
            result.missing.append(Missing(f"“{rule.name}”: nobody is assigned {labels}.", edit, "Assign duties"))
        if rule.level_id is None:
            result.missing.append(Missing(f"“{rule.name}” is not mapped to a level.", edit, "Pick a level"))
        if len(result.missing) == before:  # nothing missing for this one
            result.evidence.append(
                f"“{rule.name}”: owned by {rule.get_owner_role_display()}, all five duties assigned."
            )
    return result


def check_access(ev: Evidence, on: date) -> Check:
    """Support has verified its access to logs, admin functions, the hosting console and reporting in the last
    {ACCESS_VERIFY_DAYS} days."""
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
                        _place("access_create", slug, query=f"kind={kind.value}"), "Record a check")
            )
            continue
        latest = max(checks, key=lambda c: (c.verified_on or date.min, c.pk))
        age = _age(latest.verified_on, on)
        edit = _place("access_edit", slug, latest.pk)
        if age is None:
            result.missing.append(Missing(f"{kind.label}: “{latest.description}” is not verified yet.", edit, "Verify"))
        else:
            result.missing.append(
                Missing(f"{kind.label}: “{latest.description}” was verified {age} days ago.", edit, "Verify again",
                        stale=True)
            )
    return result


def check_rehearsal(ev: Evidence, on: date) -> Check:
    """A login failure, a data mismatch and an integration outage were each drilled with support, engineering and
    the business owner in the {DRILL_WINDOW_DAYS} days before go-live, and every follow-up is closed."""
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
                        _place("drill_edit", slug, held[0].pk), "Correct or re-run")
            )
        else:
            older = any(d.scenario == scenario and d.held_on < start for d in ev.drills)
            result.missing.append(
                Missing(f"No {scenario.label.lower()} drill in the {window} days before "
                        f"{'go-live' if end != on else 'today'}.",
                        _place("drill_create", slug, query=f"scenario={scenario.value}"), "Record a drill", stale=older)
            )
    for drill in ev.drills:
        if drill.held_on > on:
            continue
        for action in drill.actions.all():
            if action.status == ActionStatus.OPEN or (action.closed_on and action.closed_on > on):
                text = f"Follow-up “{action.description}” from “{drill.title}” is still open."
                if action.owner is not None and _gone(action.owner, on):
                    role = f"owner of the follow-up “{action.description}” (drill “{drill.title}”)"
                    text = leaver_text(action.owner, role, on) + "; it is still open."
                result.missing.append(Missing(text, _place("drill_detail", slug, drill.pk), "Close it"))
    return result


def check_known_issues(ev: Evidence, on: date) -> Check:
    """Every open known issue is tied to the current release and has a workaround or an owner."""
    application = ev.application
    slug = application.slug
    release = application.current_release
    result = Check()
    if not release:
        result.missing.append(
            Missing("The application has no current release to tie known issues to.",
                    _place("application_edit", slug), "Set the release")
        )
    open_issues = [i for i in ev.known_issues if i.status == KnownIssueStatus.OPEN and _existed(i, on)]
    for issue in open_issues:
        edit = _place("knownissue_edit", slug, issue.pk)
        before = len(result.missing)
        if release and issue.release != release:
            result.missing.append(
                Missing(f"“{issue.title}” is tied to release {issue.release}, not {release}: retest it, then tie it "
                        "to the current release or close it.", edit, "Trim", stale=True)
            )
        if not issue.workaround.strip() and issue.owner is not None and _gone(issue.owner, on):
            role = f"owner of the known issue “{issue.title}”"
            result.missing.append(Missing(leaver_text(issue.owner, role, on) + " (it has no workaround).", edit,
                                          "Replace or add a workaround"))
        elif not issue.workaround.strip() and issue.owner is None:
            result.missing.append(Missing(f"“{issue.title}” has neither a workaround nor an owner.", edit,
                                          "Add a workaround"))
        if len(result.missing) == before:  # nothing missing for this one
            how = "workaround" if issue.workaround.strip() else f"owned by {issue.owner}"
            result.evidence.append(f"“{issue.title}” ({issue.release}): {how}.")
    if release and not open_issues:
        result.evidence.append(f"No open known issue for release {release}.")
    return result


def check_knowledge(ev: Evidence, on: date) -> Check:
    """The key decisions are written down as accepted decision records, with their context and alternatives."""
    slug = ev.application.slug
    result = Check()
    key = [d for d in ev.decisions if d.is_key and _existed(d, on) and d.status != DecisionStatus.SUPERSEDED]
    accepted = [d for d in key if d.status == DecisionStatus.ACCEPTED]
    for decision in accepted:
        result.evidence.append(f"“{decision.title}”: accepted, with context and alternatives.")
    for decision in key:
        if decision.status == DecisionStatus.PROPOSED:
            result.missing.append(
                Missing(f"Key decision “{decision.title}” is still proposed.",
                        _place("decision_edit", slug, decision.pk), "Settle it")
            )
    if not accepted:
        result.missing.append(
            Missing("No key decision is written down as an accepted decision record.",
                    _place("decision_create", slug, query="is_key=1"), "Record a decision")
        )
    return result


def check_hypercare_plan(ev: Evidence, on: date) -> Check:
    """A hypercare window and its exit criteria were agreed before go-live.

    Agreed by the business owner, and unchanged since."""
    slug = ev.application.slug
    result = Check()
    hypercare = ev.hypercare if ev.hypercare is not None and _existed(ev.hypercare, on) else None
    criteria = [c for c in ev.exit_criteria if _existed(c, on)]
    if hypercare is None:
        result.missing.append(
            Missing("No hypercare window set.", _place("hypercare_plan_edit", slug), "Plan hypercare"))
        return result
    result.evidence.append(
        f"Window {_fmt(hypercare.starts_on)} to {_fmt(hypercare.planned_end_on)} "
        f"({(hypercare.planned_end_on - hypercare.starts_on).days} days)."
    )
    if not criteria:
        result.missing.append(Missing("No exit criteria.", _place("criterion_create", slug), "Add a criterion"))
        return result
    agreed_on = _day(hypercare.agreed_at) if hypercare.agreed_at else None
    detail = _place("hypercare_detail", slug)
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


class _Windows(dict[str, object]):
    """The settings a rule names, read when it is shown (a test's override shows), and GAP_DAYS."""

    def __missing__(self, name: str) -> object:
        return GAP_DAYS if name == "GAP_DAYS" else getattr(settings, name)


def _gate(code: GateCode, check: Callable[[Evidence, date], Check], rule: str = "") -> Gate:
    """The gate `code` judged by `check`; its one-sentence rule is the check's docstring (its first
    paragraph) unless given, with the {SETTINGS} it names filled in."""
    text = " ".join((rule or inspect.getdoc(check) or "").split("\n\n")[0].split())
    return Gate(code, lambda: text.format_map(_Windows()), check)


GATES: list[Gate] = [
    _gate(GateCode.RUNBOOKS, check_runbooks),
    _gate(GateCode.MONITORING, check_monitoring),
    _gate(GateCode.SUPPORT_MODEL, check_support_model),
    # Its check lives in gates/escalation.py, with the coverage it needs.
    _gate(GateCode.ESCALATION_PATH, check_escalation_path, rule=(
        "Every level has a primary and a backup who are still here, decision rights and after-hours cover, no "
        "coverage gap in the next {GAP_DAYS} days, every contact confirmed their details within their "
        "verification period (none stale), and the path was tested after hours in the "
        "{DRILL_WINDOW_DAYS} days before go-live."
    )),
    _gate(GateCode.ACCESS, check_access),
    _gate(GateCode.REHEARSAL, check_rehearsal),
    _gate(GateCode.KNOWN_ISSUES, check_known_issues),
    _gate(GateCode.KNOWLEDGE, check_knowledge),
    _gate(GateCode.HYPERCARE_PLAN, check_hypercare_plan),
]
GATES_BY_CODE = {gate.code: gate for gate in GATES}
