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


def _fields(row: Any, *names: str) -> dict[str, Any]:
    """The named fields of `row` as the export writes them: days and moments in ISO form."""
    values = {name: getattr(row, name) for name in names}
    return {
        name: _moment(value) if isinstance(value, datetime) else _day(value) if isinstance(value, date) else value
        for name, value in values.items()
    }


def _last_firing(alert: Any) -> str | None:
    # Verifications are prefetched newest first (gates.load_evidence).
    latest = next(iter(alert.verifications.all()), None)
    return _moment(latest.verified_at) if latest else None


def _exercise(exercise: Any) -> dict[str, Any]:
    # Exercises are prefetched newest first with their people, drill and log entry (gates.load_evidence).
    return {
        **_fields(exercise, "exercised_on", "how", "who", "outcome", "what_happened", "changes_made"),
        "drill": exercise.drill.title if exercise.drill else None,
        "escalation": {"occurred_at": _moment(exercise.escalation.occurred_at), "summary": exercise.escalation.summary}
        if exercise.escalation else None,
    }


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
        return {**_fields(p, "name", "email", "phone"), "team": team.name if team else None,
                **_fields(p, "timezone", "left_on")}

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
            **_fields(application, "slug", "name", "description", "current_release", "stage", "go_live_date"),
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
                **_fields(level, "position", "name", "responsibility"),
                "primary": person(level.primary),
                "backup": person(level.backup),
                "after_hours_cover": person(level.after_hours_cover),
                "decision_rights": level.duty_labels,
                **_fields(level, "other_decision_rights", "response_target_minutes"),
                "coverage": level.get_coverage_display(),
                **_fields(level, "coverage_timezone", "how_to_reach"),
            }
            for level in sorted(evidence.levels, key=lambda lv: lv.position)
        ],
        "ownership_rules": [
            {
                **_fields(rule, "name", "description"),
                "example_symptoms": rule.symptom_list,
                "owner_role": rule.owner_role,
                "level": level_ref(rule.level_id),
                "duties": {str(duty): getattr(rule, field) or None for duty, field in rule.DUTY_FIELDS.items()},
            }
            for rule in evidence.ownership_rules
        ],
        "runbooks": [
            {
                **_fields(r, "title", "symptom", "normal_looks_like", "problem_signs"),
                "steps": _lines(r.steps),
                "escalation_level": level_ref(r.escalation_level_id),
                **_fields(r, "is_critical", "last_reviewed_on", "last_exercised_on", "exercised_without_evidence_on"),
                "exercises": [_exercise(x) for x in r.exercises.all()],
            }
            for r in evidence.runbooks
        ],
        "alerts": [
            {
                **_fields(a, "signal", "threshold", "user_impact"),
                "owner": a.owner.name if a.owner else None,
                "dashboard_url": a.dashboard_url,
                "last_verified_firing": _last_firing(a),
            }
            for a in evidence.alerts
        ],
        "access_checks": [
            {
                **_fields(c, "kind", "description"),
                "verified_by": c.verified_by.name if c.verified_by else None,
                "verified_on": _day(c.verified_on),
            }
            for c in evidence.access_checks
        ],
        "known_issues": [
            {
                **_fields(k, "title", "release", "symptom", "workaround", "support_script"),
                "owner": k.owner.name if k.owner else None,
                "status": k.status,
            }
            for k in evidence.known_issues
        ],
        "drills": [
            {
                **_fields(d, "scenario", "title", "held_on", "after_hours", "support_attended", "engineering_attended",
                          "business_owner_attended", "contacts_answered", "answer_minutes", "findings"),
                "actions": [_fields(a, "description", "status", "closed_on") for a in d.actions.all()],
            }
            for d in evidence.drills
        ],
        "decisions": [
            _fields(d, "title", "context", "decision", "alternatives", "constraints", "edge_cases", "what_failed",
                    "status", "is_key", "decided_on")
            for d in evidence.decisions
        ],
        "hypercare": None if hypercare is None else {
            **_fields(hypercare, "starts_on", "planned_end_on", "current_end_on", "status"),
            "rules_in_force": hypercare.rules_list,
            "agreed_at": _moment(hypercare.agreed_at),
            "plan_agreed": state.plan_agreed,
            "extensions": [_fields(e, "new_end_on", "reason", "decided_at") for e in hypercare.extensions.all()],
        },
        "exit_criteria": [result.snapshot() for result in state.results],
        "sign_off": None if sign_off is None else {
            "signed_by": _user(sign_off.signed_by),
            **_fields(sign_off, "signed_at", "statement", "fingerprint"),
            "invalidated": state.sign_off_invalidated,
            "snapshot": sign_off.snapshot,
        },
    }
