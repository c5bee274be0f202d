"""The answer to "who do I call now?": whom to call on a level and why (`who_to_call`), and
everything the page and the JSON API show (`answer`), so both always give the same answer.

Built on readiness.coverage (who is reachable when) and readiness.matching (which class of
problem a symptom is). `who_to_call` is a pure function over rows already fetched; `answer()`
is the one place that fetches, in a fixed number of queries whatever the size of the data:
an application's rows come through readiness.directory (its stored directory while current,
else the rows themselves), so the answer after a write is the new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from readiness.coverage import (
    Candidate,
    candidates_at,
    clock_label,
    next_reachable,
    why_not,
)
from readiness.directory import directory_artefacts, directory_read, levels_with_people
from readiness.matching import RuleMatch, rank_rules, words
from readiness.models.escalation import EscalationLevel, OwnershipRule
from readiness.models.people import Person

if TYPE_CHECKING:
    from readiness.models import Application


# --- who to call on one level ------------------------------------------------------------------


NOBODY_REACHABLE = "nobody on this level can be reached now: "


@dataclass(frozen=True)
class CallPlan:
    level: EscalationLevel
    at: datetime
    person: Person | None
    role: str
    reason: str
    local_time: datetime | None
    # Whom to try next on this level if the chosen person does not answer, reachable first.
    fallback: list[Candidate] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)
    # When nobody can be reached: the moment someone on the level can be again (within 14 days).
    next_reachable_at: datetime | None = None

    @property
    def found(self) -> bool:
        return self.person is not None

    @property
    def local_label(self) -> str:
        return clock_label(self.local_time) if self.local_time else ""

    @property
    def local_date_label(self) -> str:
        return clock_label(self.local_time, with_date=True) if self.local_time else ""

    @property
    def unreachable_because(self) -> str:
        """Nobody found: why each of them cannot be reached ("primary outside hours (…), …")."""
        return self.reason.removeprefix(NOBODY_REACHABLE)


def who_to_call(level: EscalationLevel, at: datetime) -> CallPlan:
    """The person to call on `level` at `at`, why them, and whom to try after them."""
    candidates = candidates_at(level, at)
    primary = candidates[0]
    chosen = next((c for c in candidates if c.reachable), None)
    if chosen is None:
        reasons = [f"{c.role} {why_not(c.reachability)}" for c in candidates]
        if not level.after_hours_cover_id:
            reasons.append("no after-hours cover")
        return CallPlan(
            level=level,
            at=at,
            person=None,
            role="",
            reason=NOBODY_REACHABLE + ", ".join(reasons),
            local_time=None,
            fallback=_fallback(candidates, None),
            candidates=candidates,
            next_reachable_at=next_reachable(level, at),
        )
    if chosen is primary:
        if primary.reachability.in_hours:
            reason = "primary, in working hours"
        else:
            reason = f"primary, on 24×7 cover ({why_not(primary.reachability)})"
    else:
        skipped = [c for c in candidates[: candidates.index(chosen)] if c.person != chosen.person]
        reason = f"{chosen.role}: " + ", ".join(f"{c.role} {why_not(c.reachability)}" for c in skipped)
    return CallPlan(
        level=level,
        at=at,
        person=chosen.person,
        role=chosen.role,
        reason=reason,
        local_time=chosen.local_time,
        fallback=_fallback(candidates, chosen),
        candidates=candidates,
    )


def _fallback(candidates: list[Candidate], chosen: Candidate | None) -> list[Candidate]:
    seen = {chosen.person.pk} if chosen else set()
    ordered = [c for c in candidates if c.reachable] + [c for c in candidates if not c.reachable]
    result = []
    for candidate in ordered:
        if candidate.person.pk not in seen:
            seen.add(candidate.person.pk)
            result.append(candidate)
    return result


# --- the answer --------------------------------------------------------------------------------


@dataclass
class Answer:
    at: datetime
    symptom: str
    application: Application | None
    matches: list[RuleMatch]
    # The class of problem the answer is about: the one picked, or the best match.
    rule: OwnershipRule | None
    plan: CallPlan | None
    # If the owning level cannot resolve it: the levels above, each with its own person to call.
    escalation: list[CallPlan]
    plans: dict[int, CallPlan]  # per matched rule's level id, for the other matches
    runbooks: list[Any] = field(default_factory=list)
    known_issues: list[Any] = field(default_factory=list)
    # Searching all applications, the best class of problem tied in several: pick one.
    ambiguous: bool = False
    # The application's classes of problem, by name (for the form's list): read with the rules.
    classes: list[str] = field(default_factory=list)

    def plan_for(self, match: RuleMatch) -> CallPlan | None:
        return self.plans.get(match.rule.level_id) if match.rule.level_id else None

    @property
    def rows(self) -> list[tuple[RuleMatch, CallPlan | None]]:
        return [(match, self.plan_for(match)) for match in self.matches]


def answer(
    *,
    at: datetime,
    application: Application | None = None,
    symptom: str = "",
    problem_class: str = "",
    limit: int = 5,
) -> Answer:
    """Everything "Who do I call?" shows, in a constant number of queries however big the data.

    A picked class of problem wins over the typed symptom (which then only finds runbooks
    and known issues); without an application, every application's rules compete. With an
    application, its directory (readiness.directory): one query while the stored one is current,
    seven otherwise (asking for it, then the rows). Without one: the rules of all, then the levels
    of the matched applications with their people, their working hours and leave, and the chosen
    application's runbooks and open known issues.
    """
    directory = directory_read(application) if application is not None else None
    if directory is not None:
        rules = directory.rules
        picked = [rule for rule in rules if rule.name == problem_class]
    else:
        everywhere = OwnershipRule.objects.select_related("application").order_by("application__name", "name")
        picked = list(everywhere.filter(name=problem_class)) if problem_class else []
        rules = list(everywhere) if symptom and not problem_class else []
    if problem_class:
        matches = [RuleMatch(rule, 100, (), "") for rule in picked[:limit]]
    elif symptom:
        matches = rank_rules(rules, symptom, limit=limit, with_application=application is None)
    else:
        matches = []
    if directory is not None:
        levels = directory.levels
    else:
        # By the application's id, not `application` (its name, through a join nobody needs here).
        levels = levels_with_people(
            EscalationLevel.objects.filter(application_id__in={m.rule.application_id for m in matches})
            .order_by("application_id", "position")
        ) if matches else []
    matches = matches[:limit]
    chosen = matches[0].rule if matches else None
    # Searching every application, a class that ties across applications is not an answer:
    # the analyst picks the application from the matches instead of being shown a guess.
    ambiguous = (
        application is None
        and len(matches) > 1
        and matches[1].score == matches[0].score
        and matches[1].rule.application_id != matches[0].rule.application_id
    )
    if ambiguous:
        chosen = None
    by_id = {level.pk: level for level in levels}
    plans = {
        m.rule.level_id: who_to_call(by_id[m.rule.level_id], at) for m in matches if m.rule.level_id in by_id
    }
    plan = escalation = None
    if chosen is not None and chosen.level_id in by_id:
        owning = by_id[chosen.level_id]
        plan = plans.get(owning.pk) or who_to_call(owning, at)
        escalation = [
            who_to_call(level, at)
            for level in levels
            if level.application_id == owning.application_id and level.position > owning.position
        ]
    runbooks: list[Any] = []
    known_issues: list[Any] = []
    if chosen is not None:
        runbooks, known_issues = _artefacts(chosen, symptom, *(
            (directory.runbooks, directory.known_issues) if directory else directory_artefacts(chosen.application)))
    return Answer(
        at=at,
        symptom=symptom,
        application=application,
        matches=matches,
        rule=chosen,
        plan=plan,
        escalation=escalation or [],
        plans=plans,
        runbooks=runbooks,
        known_issues=known_issues,
        ambiguous=ambiguous,
        classes=[rule.name for rule in rules] if application is not None else [],
    )


def _artefacts(
    rule: OwnershipRule, symptom: str, all_runbooks: list[Any], open_issues: list[Any], limit: int = 3
) -> tuple[list[Any], list[Any]]:
    """Runbooks and known issues of the rule's application that fit the symptom.

    A runbook fits when it shares words with the symptom (or, with no symptom typed, with the
    class of problem) or when it sends to the rule's level; a known issue when it shares words
    and still matters (`open_issues`: not resolved).
    """
    asked = set(words(symptom)) or set(words(" ".join([rule.name, *rule.symptom_list])))

    enough = len(asked) // 2 + 1  # most of the words: one shared word of two is a coincidence

    def fit(*texts: str) -> int:
        shared = len(asked & set(words(" ".join(texts))))
        return shared if shared >= enough else 0

    runbooks = []
    for runbook in all_runbooks:
        score = fit(runbook.title, runbook.symptom)
        linked = rule.level_id is not None and runbook.escalation_level_id == rule.level_id
        if score or linked:
            runbooks.append((score, linked, runbook))
    runbooks.sort(key=lambda item: (-item[0], not item[1], item[2].title))
    issues = []
    for issue in open_issues:
        score = fit(issue.title, issue.symptom)
        if score:
            issues.append((score, issue))
    issues.sort(key=lambda item: (-item[0], item[1].title))
    return [r for _, _, r in runbooks[:limit]], [i for _, i in issues[:limit]]


def answer_as_dict(result: Answer) -> dict[str, Any]:
    """The answer as JSON for the API: the same facts the page shows."""

    def person(p: Person | None, local: datetime | None = None) -> dict[str, Any] | None:
        if p is None:
            return None
        data = {"name": p.name, "email": p.email, "phone": p.phone, "chat_handle": p.chat_handle,
                "timezone": p.timezone}
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
                {**(person(c.person, c.local_time) or {}), "role": c.role, "status": c.status} for c in p.fallback
            ],
            "next_reachable_at": p.next_reachable_at.isoformat() if p.next_reachable_at else None,
        }

    return {
        "at": result.at.isoformat(),
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
            "runbooks": [{"title": r.title, "url": r.get_absolute_url()} for r in result.runbooks],
            "known_issues": [
                {"title": i.title, "workaround": i.workaround, "support_script": i.support_script,
                 "url": i.get_absolute_url()}
                for i in result.known_issues
            ],
        },
    }
