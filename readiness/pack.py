"""The handoff pack: everything support inherits about one application, as one document.

The same dictionary feeds the printable page and the JSON export; the export is checked
against readiness/schemas/handoff_pack.schema.json (tests validate every demo application).
A pack costs a fixed number of queries: the gates' evidence bundle (one query per kind of
artefact), the hypercare state, and one query for the people's teams.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.utils import timezone

from readiness import gates
from readiness.hypercare import hypercare_state
from readiness.models import Application, Person, Team

# The schema every export validates against (tests/test_handoff_pack.py checks each demo application).
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "handoff_pack.schema.json"
SCHEMA_VERSION = 1


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _user(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _last_firing(alert: Any) -> str | None:
    # Verifications are prefetched newest first (gates.load_evidence).
    latest = next(iter(alert.verifications.all()), None)
    return _moment(latest.verified_at) if latest else None


def build_pack(application: Application, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    evidence = gates.load_evidence([application])[application.pk]
    verdict = gates.evaluate(evidence, today)
    state = hypercare_state(application, now=now)
    people: list[Person] = [
        p for level in evidence.levels for p in (level.primary, level.backup, level.after_hours_cover) if p
    ]
    teams = Team.objects.in_bulk({p.team_id for p in people if p.team_id})

    def person(p: Person | None) -> dict[str, Any] | None:
        if p is None:
            return None
        team = teams.get(p.team_id) if p.team_id else None
        return {
            "name": p.name,
            "email": p.email,
            "phone": p.phone,
            "team": team.name if team else None,
            "timezone": p.timezone,
            "left_on": _day(p.left_on),
        }

    levels_by_id = {level.pk: level for level in evidence.levels}

    def level_ref(level_id: int | None) -> str | None:
        level = levels_by_id.get(level_id) if level_id else None
        return f"L{level.position} {level.name}" if level else None

    hypercare = state.hypercare
    sign_off = state.sign_off
    return {
        "schema_version": SCHEMA_VERSION,
        "generated_at": _moment(now),
        "application": {
            "slug": application.slug,
            "name": application.name,
            "description": application.description,
            "current_release": application.current_release,
            "stage": application.stage,
            "go_live_date": _day(application.go_live_date),
            "delivery_lead": _user(application.delivery_lead),
            "business_owner": _user(application.business_owner),
            "support_lead": _user(application.support_lead),
        },
        "gates": {
            "on": today.isoformat(),
            "ready": verdict.ready,
            "passing": verdict.met_count,
            "total": verdict.total,
            "results": [
                {
                    "code": str(result.gate.code),
                    "title": result.gate.title,
                    "rule": result.rule,
                    "status": str(result.status),
                    "evidence": list(result.evidence),
                    "missing": [m.text for m in result.missing],
                    "waiver": None if result.waiver is None else {
                        "reason": result.waiver.reason,
                        "expires_on": _day(result.waiver.expires_on),
                        "waived_by": _user(result.waiver.waived_by),
                    },
                }
                for result in verdict.results
            ],
        },
        "escalation_path": [
            {
                "position": level.position,
                "name": level.name,
                "responsibility": level.responsibility,
                "primary": person(level.primary),
                "backup": person(level.backup),
                "after_hours_cover": person(level.after_hours_cover),
                "decision_rights": level.duty_labels,
                "other_decision_rights": level.other_decision_rights,
                "response_target_minutes": level.response_target_minutes,
                "coverage": level.get_coverage_display(),
                "coverage_timezone": level.coverage_timezone,
                "how_to_reach": level.how_to_reach,
            }
            for level in sorted(evidence.levels, key=lambda lv: lv.position)
        ],
        "ownership_rules": [
            {
                "name": rule.name,
                "description": rule.description,
                "example_symptoms": rule.symptom_list,
                "owner_role": rule.owner_role,
                "level": level_ref(rule.level_id),
                "duties": {str(duty): getattr(rule, field) or None for duty, field in rule.DUTY_FIELDS.items()},
            }
            for rule in evidence.ownership_rules
        ],
        "runbooks": [
            {
                "title": r.title,
                "symptom": r.symptom,
                "normal_looks_like": r.normal_looks_like,
                "problem_signs": r.problem_signs,
                "steps": _lines(r.steps),
                "escalation_level": level_ref(r.escalation_level_id),
                "is_critical": r.is_critical,
                "last_reviewed_on": _day(r.last_reviewed_on),
                "last_exercised_on": _day(r.last_exercised_on),
            }
            for r in evidence.runbooks
        ],
        "alerts": [
            {
                "signal": a.signal,
                "threshold": a.threshold,
                "user_impact": a.user_impact,
                "owner": a.owner.name if a.owner else None,
                "dashboard_url": a.dashboard_url,
                "last_verified_firing": _last_firing(a),
            }
            for a in evidence.alerts
        ],
        "access_checks": [
            {
                "kind": c.kind,
                "description": c.description,
                "verified_by": c.verified_by.name if c.verified_by else None,
                "verified_on": _day(c.verified_on),
            }
            for c in evidence.access_checks
        ],
        "known_issues": [
            {
                "title": k.title,
                "release": k.release,
                "symptom": k.symptom,
                "workaround": k.workaround,
                "support_script": k.support_script,
                "owner": k.owner.name if k.owner else None,
                "status": k.status,
            }
            for k in evidence.known_issues
        ],
        "drills": [
            {
                "scenario": d.scenario,
                "title": d.title,
                "held_on": _day(d.held_on),
                "after_hours": d.after_hours,
                "support_attended": d.support_attended,
                "engineering_attended": d.engineering_attended,
                "business_owner_attended": d.business_owner_attended,
                "contacts_answered": d.contacts_answered,
                "answer_minutes": d.answer_minutes,
                "findings": d.findings,
                "actions": [
                    {"description": a.description, "status": a.status, "closed_on": _day(a.closed_on)}
                    for a in d.actions.all()
                ],
            }
            for d in evidence.drills
        ],
        "decisions": [
            {
                "title": d.title,
                "context": d.context,
                "decision": d.decision,
                "alternatives": d.alternatives,
                "constraints": d.constraints,
                "edge_cases": d.edge_cases,
                "what_failed": d.what_failed,
                "status": d.status,
                "is_key": d.is_key,
                "decided_on": _day(d.decided_on),
            }
            for d in evidence.decisions
        ],
        "hypercare": None if hypercare is None else {
            "starts_on": _day(hypercare.starts_on),
            "planned_end_on": _day(hypercare.planned_end_on),
            "current_end_on": _day(hypercare.current_end_on),
            "status": hypercare.status,
            "rules_in_force": hypercare.rules_list,
            "agreed_at": _moment(hypercare.agreed_at),
            "plan_agreed": state.plan_agreed,
            "extensions": [
                {"new_end_on": _day(e.new_end_on), "reason": e.reason, "decided_at": _moment(e.decided_at)}
                for e in hypercare.extensions.all()
            ],
        },
        "exit_criteria": [result.snapshot() for result in state.results],
        "sign_off": None if sign_off is None else {
            "signed_by": _user(sign_off.signed_by),
            "signed_at": _moment(sign_off.signed_at),
            "statement": sign_off.statement,
            "fingerprint": sign_off.fingerprint,
            "invalidated": state.sign_off_invalidated,
            "snapshot": sign_off.snapshot,
        },
    }
