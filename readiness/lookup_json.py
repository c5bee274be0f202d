"""The answer of "Who do I call?" as the JSON API's body: the same facts the page shows."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from readiness.confirmation import confirmation_of
from readiness.models.people import Person

if TYPE_CHECKING:
    from readiness.lookup import Answer, CallPlan


def answer_as_dict(result: Answer) -> dict[str, Any]:
    """The answer as JSON for the API: the same facts the page shows."""

    now = timezone.now()

    def person(p: Person | None, local: datetime | None = None) -> dict[str, Any] | None:
        if p is None:
            return None
        data: dict[str, Any] = {"name": p.name, "email": p.email, "phone": p.phone, "chat_handle": p.chat_handle,
                                "timezone": p.timezone}
        # Whether their details can be trusted: a chat tool should warn before calling a stale contact.
        data["confirmation"] = confirmation_of(p, now).as_json()
        if local is not None:
            data["local_time"] = local.isoformat()
        return data

    def plan(p: CallPlan | None) -> dict[str, Any] | None:
        if p is None:
            return None
        return {
            "level": {"position": p.level.position, "name": p.level.name, "how_to_reach": p.level.how_to_reach},
            "call": person(p.person, p.local_time),
            "role": p.role,
            "reason": p.reason,
            "fallback": [
                {**(person(c.person, c.local_time) or {}), "role": c.role, "status": status,
                 **({"standin": c.standin_label} if c.standin else {})}
                for c, status in p.fallback_statuses
            ],
            "next_reachable_at": p.next_reachable_at.isoformat() if p.next_reachable_at else None,
            # The person called stands in for the role's holder: for whom, until when, why.
            "standin": None if p.standin is None else {
                "for": p.standin.covered.name if p.standin.covered else None,
                "until": p.standin.ends_at.isoformat(), "reason": p.standin.reason, "text": p.standin_label,
            },
        }

    return {
        "at": result.at.isoformat(),
        "now": result.now,
        "symptom": result.symptom,
        "application": result.application.slug if result.application else None,
        # True when, searching all applications, the best class tied in several: pick one.
        "ambiguous": result.ambiguous,
        "matches": [
            {
                "application": m.rule.application.slug,
                "class": m.rule.name,
                "owner": m.rule.get_owner_role_display(),
                "score": m.score,
                "matched_words": list(m.matched),
                "closest_example": m.example,
                "call": plan(result.plan_for(m)),
            }
            for m in result.matches
        ],
        "answer": None
        if result.rule is None
        else {
            "application": result.rule.application.slug,
            "class": result.rule.name,
            "owner": result.rule.get_owner_role_display(),
            "call": plan(result.plan),
            "escalation": [plan(p) for p in result.escalation],
            # The runbook written for the symptom sends it elsewhere than the class: which is followed, why.
            "runbook_advice": None if result.advice is None else {
                "runbook": result.advice.runbook.title, "level": result.advice.level.position,
                "followed": result.advice.followed, "text": result.advice.text,
            },
            "runbooks": [
                {"title": r.title, "url": r.get_absolute_url(), "note": note} for r, note in result.runbook_rows
            ],
            "known_issues": [
                {"title": i.title, "workaround": i.workaround, "support_script": i.support_script,
                 "url": i.get_absolute_url()}
                for i in result.known_issues
            ],
        },
    }
