"""The answer to "who do I call now?" (coverage lives in readiness.coverage, matching in
readiness.matching; their names are re-exported here). Pure functions over rows the caller has already fetched.

`who_to_call`, `coverage_gaps` and `rank_rules` never touch the database themselves: they
read a level's people (with working hours and leave loaded, see `levels_with_people`) and a
list of rules. `answer()` at the bottom is the one place that fetches, in a fixed number of
queries, for both the page and the JSON API, so the two always give the same answer. What it
reads of one application (its `Directory`) is cached under the application's evidence
version: asked again, the lookup reads only the application row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING, Any

from django.core.cache import caches
from django.db import models

from readiness.coverage import (  # re-exported: callers import these from readiness.lookup
    AFTER_HOURS,
    BACKUP,
    GAP_DAYS,
    PRIMARY,
    UTC,
    CallPlan,
    Candidate,
    Gap,
    candidates_at,
    clock_label,
    coverage_gaps,
    level_roles,
    next_reachable,
    who_to_call,
)
from readiness.matching import RuleMatch, rank_rules, words  # re-exported, as above
from readiness.models.escalation import EscalationLevel, OwnershipRule
from readiness.models.people import Person, attach_calendars

if TYPE_CHECKING:
    from readiness.models import Application

__all__ = ["AFTER_HOURS", "BACKUP", "GAP_DAYS", "PRIMARY", "UTC", "CallPlan", "Candidate", "Gap", "RuleMatch",
           "candidates_at", "clock_label", "coverage_gaps", "level_roles", "next_reachable", "rank_rules",
           "who_to_call", "words"]



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

    def plan_for(self, match: RuleMatch) -> CallPlan | None:
        return self.plans.get(match.rule.level_id) if match.rule.level_id else None

    @property
    def rows(self) -> list[tuple[RuleMatch, CallPlan | None]]:
        return [(match, self.plan_for(match)) for match in self.matches]


def levels_with_people(levels: models.QuerySet[EscalationLevel]) -> list[EscalationLevel]:
    """The levels with their people and the people's calendars: three queries however many levels.

    The people come joined with their levels; someone on several levels (or on one level
    twice) is one object, so their working hours and leave are fetched and read once.
    """
    loaded = list(levels.select_related("primary", "backup", "after_hours_cover"))
    people: dict[int, Person] = {}
    for level in loaded:
        for attribute in ("primary", "backup", "after_hours_cover"):
            person = getattr(level, attribute)
            if person is not None:
                setattr(level, attribute, people.setdefault(person.pk, person))
    attach_calendars(people.values())
    return loaded


@dataclass
class Directory:
    """What "Who do I call?" reads of one application, whatever is asked: its classes of problem,
    its path with the people on it and their calendars, its runbooks and its open known issues."""

    rules: list[OwnershipRule]
    levels: list[EscalationLevel]
    runbooks: list[Any]
    known_issues: list[Any]

    def rows(self) -> Iterable[Any]:
        return chain(self.rules, self.levels, self.runbooks, self.known_issues)


# A directory is filed under its application's evidence_version, which every write to what it
# holds moves on (services.gates.application_evidence_changed): a stale one is never found
# again. The time limit only frees the memory of versions nobody asks for any more.
DIRECTORY_CACHE_SECONDS = 3600


def _directory_key(application: Application) -> str:
    # created_at too: a database rebuilt under a long-running process reuses ids and versions.
    return f"lookup:directory:{application.pk}:{application.created_at.timestamp()}:{application.evidence_version}"


def _load_directory(application: Application) -> Directory:
    """Six queries: rules, levels with their people, working hours, leave, runbooks, known issues."""
    runbooks, known_issues = _artefact_rows(application)
    return Directory(
        rules=list(OwnershipRule.objects.filter(application=application).order_by("name")),
        levels=levels_with_people(EscalationLevel.objects.filter(application=application).order_by("position")),
        runbooks=runbooks,
        known_issues=known_issues,
    )


def _artefact_rows(application: Application) -> tuple[list[Any], list[Any]]:
    """Two queries: the application's runbooks (what matching needs) and open known issues."""
    from readiness.models import KnownIssue, KnownIssueStatus, Runbook

    runbook_fields = ("id", "application_id", "title", "symptom", "escalation_level_id")
    runbooks = Runbook.objects.filter(application=application).only(*runbook_fields).order_by("title")
    issues = KnownIssue.objects.filter(application=application).exclude(status=KnownIssueStatus.RESOLVED)
    return list(runbooks), list(issues.order_by("title"))


def application_directory(application: Application) -> Directory:
    """The application's directory, from the cache when its evidence has not changed since.

    Its rows point at `application` (the one the caller read, current): the cached copies
    hold no application of their own.
    """
    key = _directory_key(application)
    # Asked up to three times a request (the answer, its runbooks, the form's classes): the
    # first copy is kept on the application row, which lives as long as the request.
    kept = application.__dict__.get("_lookup_directory")
    if kept is not None and kept[0] == key:
        return kept[1]
    # Kept as objects, not pickled (readiness/cache.py): read by every request, changed by none,
    # but for pointing the rows at the caller's application below.
    store = caches["lookup"]
    directory = store.get(key)
    if directory is None:
        directory = _load_directory(application)
        for row in directory.rows():
            row._state.fields_cache.pop("application", None)
        store.set(key, directory, DIRECTORY_CACHE_SECONDS)
    for row in directory.rows():
        row.application = application
    application.__dict__["_lookup_directory"] = (key, directory)
    return directory


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
    and known issues); without an application, every application's rules compete.
    For one application it reads its directory (cached; six queries when not).
    """
    if application is not None:
        directory = application_directory(application)
        if problem_class:
            matches = [RuleMatch(rule, 100, (), "") for rule in directory.rules if rule.name == problem_class]
        elif symptom:
            matches = rank_rules(directory.rules, symptom, limit=limit)
        else:
            matches = []
        levels = directory.levels
    else:
        rules = OwnershipRule.objects.select_related("application").order_by("application__name", "name")
        if problem_class:
            matches = [RuleMatch(rule, 100, (), "") for rule in rules.filter(name=problem_class)[:limit]]
        elif symptom:
            matches = rank_rules(list(rules), symptom, limit=limit, with_application=True)
        else:
            matches = []
        levels = levels_with_people(
            EscalationLevel.objects.filter(application_id__in={m.rule.application_id for m in matches})
            .order_by("application", "position")
        )
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
        if application is not None:
            rows = (directory.runbooks, directory.known_issues)
        else:
            # Searching every application: only the chosen one's runbooks and issues are needed.
            rows = _artefact_rows(chosen.application)
        runbooks, known_issues = _artefacts(chosen, symptom, *rows)
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
