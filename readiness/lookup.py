"""The answer to "who do I call now?": whom to call on a level and why (`who_to_call`), and
everything the page and the JSON API show (`answer`), so both always give the same answer.

Built on readiness.coverage (who is reachable when) and readiness.matching (which class of
problem a symptom is). `who_to_call` is a pure function over rows already fetched; `answer()`
is the one place that fetches, in a fixed number of queries whatever the size of the data:
an application's rows come through readiness.directory (its stored directory while current,
else the rows themselves), so the answer after a write is the new one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from readiness.coverage import (
    Candidate,
    candidates_at,
    clock_label,
    next_reachable,
    promised_intervals,
    standin_label,
    why_not,
)
from readiness.directory import directory_artefacts, directory_read, levels_with_people
from readiness.lookup_artefacts import artefacts_for
from readiness.lookup_json import answer_as_dict
from readiness.matching import RuleMatch, rank_rules
from readiness.models.escalation import EscalationLevel, OwnershipRule
from readiness.models.people import Person
from readiness.models.standins import StandIn

if TYPE_CHECKING:
    from readiness.models import Application

# The JSON API's body is shaped in readiness.lookup_json; it is read from here with the answer.
__all__ = ["Answer", "CallPlan", "RunbookAdvice", "answer", "answer_as_dict", "who_to_call"]


# --- who to call on one level ------------------------------------------------------------------


NOBODY_REACHABLE = "nobody on this level can be reached "


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
    # Asked for the present moment; else for another time, and the answer says "at <time>".
    now: bool = True
    # The chosen person stands in for the role's holder (readiness.models.standins).
    standin: StandIn | None = None

    @property
    def standin_label(self) -> str:
        """"Stand-in for Ben Walsh until Fri 12 Dec: Ben on leave", or empty."""
        return standin_label(self.standin) if self.standin is not None else ""

    @property
    def when(self) -> str:
        return moment_label(self.at, now=self.now)

    @property
    def fallback_statuses(self) -> list[tuple[Candidate, str]]:
        """Whom to try next, each with their status at the moment asked for."""
        return [(c, status_at(c, self)) for c in self.fallback]

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
        return self.reason.removeprefix(f"{NOBODY_REACHABLE}{self.when}: ")


def moment_label(at: datetime, *, now: bool) -> str:
    """"now", or "at 21:00 Tue 3 Jun" (the asker's clock) for a lookup at another time."""
    return "now" if now else f"at {clock_label(timezone.localtime(at), with_date=True)}"


def status_at(candidate: Candidate, plan: CallPlan) -> str:
    # coverage says "reachable now"; a lookup for another time says when.
    return candidate.status.replace("reachable now", f"reachable {plan.when}")


def promises_at(level: EscalationLevel, at: datetime) -> bool:
    """Whether the level promises cover at that moment (a business-hours level at night does not)."""
    return bool(promised_intervals(level, at, at + timedelta(seconds=1)))


def outside_promise(level: EscalationLevel, at: datetime, path: Sequence[EscalationLevel]) -> str:
    """Why nobody is called on a level asked at a time it never promised: not a gap, its promise,
    and the first level of its path (by position) that does promise cover then."""
    covering = next((other for other in path if other.application_id == level.application_id
                     and other.pk != level.pk and promises_at(other, at)), None)
    promise = f"this level promises cover {level.promise_label} only (no gap)"
    if not path:
        return promise
    who = _level_label(covering) if covering else "no other level of this path"
    return f"{promise}; {who} promises cover then"


def who_to_call(
    level: EscalationLevel, at: datetime, *, now: bool = True, path: Sequence[EscalationLevel] = ()
) -> CallPlan:
    """The person to call on `level` at `at`, why them, and whom to try after them.

    `now`: `at` is the present (the answer says "now"), else a time asked for ("at 21:00 …").
    `path`: the levels of its application, read to name the one that promises cover when this
    level does not.
    """
    candidates = candidates_at(level, at)
    primary = candidates[0]
    chosen = next((c for c in candidates if c.reachable), None)
    if chosen is None:
        reasons = [f"{c.role} {why_not(c.reachability)}" for c in candidates]
        if not promises_at(level, at):
            # Time the level never promised is no gap: say what it promises and who does cover it.
            reasons.append(outside_promise(level, at, path))
        elif not level.after_hours_cover_id:
            reasons.append("no after-hours cover")
        return CallPlan(
            level=level,
            at=at,
            person=None,
            role="",
            reason=f"{NOBODY_REACHABLE}{moment_label(at, now=now)}: " + ", ".join(reasons),
            local_time=None,
            fallback=_fallback(candidates, None),
            candidates=candidates,
            next_reachable_at=next_reachable(level, at),
            now=now,
        )
    if chosen is primary:
        if primary.reachability.in_hours:
            reason = "primary, in working hours"
        else:
            reason = f"primary, on 24×7 cover ({why_not(primary.reachability)})"
    else:
        skipped = [c for c in candidates[: candidates.index(chosen)] if c.person != chosen.person]
        reason = f"{chosen.role}: " + ", ".join(f"{c.role} {why_not(c.reachability)}" for c in skipped)
    if chosen.standin is not None:
        reason = f"{reason}. {standin_label(chosen.standin)}"
    return CallPlan(
        level=level,
        at=at,
        person=chosen.person,
        role=chosen.role,
        reason=reason,
        local_time=chosen.local_time,
        fallback=_fallback(candidates, chosen),
        candidates=candidates,
        now=now,
        standin=chosen.standin,
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


@dataclass(frozen=True)
class RunbookAdvice:
    """The runbook written for the symptom sends it to another level than its class of problem
    does: which of the two this answer follows, and why, in one sentence."""

    runbook: Any
    level: EscalationLevel  # the runbook's
    followed: bool  # the answer calls the runbook's level
    text: str


@dataclass
class Answer:
    at: datetime
    symptom: str
    application: Application | None
    matches: list[RuleMatch]
    # The class of problem the answer is about: the one picked, or the best match.
    rule: OwnershipRule | None
    # Whom to call: on the class's level, or on the level of the runbook written for the symptom (`advice`).
    plan: CallPlan | None
    # If the called level cannot resolve it: the levels above, each with its own person to call.
    escalation: list[CallPlan]
    plans: dict[int, CallPlan]  # per matched rule's level id, for the other matches
    runbooks: list[Any] = field(default_factory=list)
    known_issues: list[Any] = field(default_factory=list)
    # Searching all applications, the best class of problem tied in several: pick one.
    ambiguous: bool = False
    # The application's classes of problem, by name (for the form's list): read with the rules.
    classes: list[str] = field(default_factory=list)
    advice: RunbookAdvice | None = None
    # Per runbook shown (by pk): the level it escalates to, and how that fits this answer.
    runbook_notes: dict[int, str] = field(default_factory=dict)
    now: bool = True

    def plan_for(self, match: RuleMatch) -> CallPlan | None:
        if self.plan is not None and match.rule is self.rule:
            return self.plan  # the answer's own call, whichever level it is on: one answer per screen
        return self.plans.get(match.rule.level_id) if match.rule.level_id else None

    @property
    def rows(self) -> list[tuple[RuleMatch, CallPlan | None]]:
        return [(match, self.plan_for(match)) for match in self.matches]

    @property
    def runbook_rows(self) -> list[tuple[Any, str]]:
        return [(runbook, self.runbook_notes.get(runbook.pk, "")) for runbook in self.runbooks]

    @property
    def when(self) -> str:
        return moment_label(self.at, now=self.now)


def answer(
    *,
    at: datetime,
    application: Application | None = None,
    symptom: str = "",
    problem_class: str = "",
    limit: int = 5,
    now: bool | None = None,
) -> Answer:
    """Everything "Who do I call?" shows, in a constant number of queries however big the data.

    A picked class of problem wins over the typed symptom (which then only finds runbooks
    and known issues); without an application, every application's rules compete. With an
    application, its directory (readiness.directory): one query while the stored one is current,
    eight otherwise (asking for it, then the rows). Without one: the rules of all, then the levels
    of the matched applications with their people, their working hours and leave, and the chosen
    application's runbooks and open known issues. `now`: whether `at` is the present (by default,
    when it is within a minute of the clock); else the answer speaks of "at <time>".
    """
    if now is None:
        now = abs(timezone.now() - at) < timedelta(minutes=1)
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
        and matches[1].relevance == matches[0].relevance
        and matches[1].rule.application_id != matches[0].rule.application_id
    )
    if ambiguous:
        chosen = None
    by_id = {level.pk: level for level in levels}
    plans = {
        m.rule.level_id: who_to_call(by_id[m.rule.level_id], at, now=now, path=levels)
        for m in matches if m.rule.level_id in by_id
    }
    result = Answer(
        at=at, symptom=symptom, application=application, matches=matches, rule=chosen, plan=None,
        escalation=[], plans=plans, ambiguous=ambiguous, now=now,
        classes=[rule.name for rule in rules] if application is not None else [],
    )
    if chosen is not None:
        result.runbooks, fitting, result.known_issues = artefacts_for(chosen, symptom, *(
            (directory.runbooks, directory.known_issues) if directory else directory_artefacts(chosen.application)))
        if chosen.level_id in by_id:
            owning = by_id[chosen.level_id]
            plan = plans.get(owning.pk) or who_to_call(owning, at, now=now, path=levels)
            runbook = next((r for r in result.runbooks if r.pk in fitting and r.escalation_level_id in by_id), None)
            if runbook is not None and runbook.escalation_level_id != owning.pk:
                # Kept with the others: the chain below reads it again when the runbook's level is above.
                level_id = runbook.escalation_level_id
                plans.setdefault(level_id, who_to_call(by_id[level_id], at, now=now, path=levels))
                plan, result.advice = _follow_runbook(chosen, plan, runbook, plans[level_id])
            result.plan = plan
            result.escalation = [
                plans.get(level.pk) or who_to_call(level, at, now=now, path=levels)
                for level in levels
                if level.application_id == owning.application_id and level.position > plan.level.position
            ]
            result.runbook_notes = _runbook_notes(result, by_id)
    return result


def _level_label(level: EscalationLevel) -> str:
    return f"L{level.position} {level.name}"


def _follow_runbook(
    rule: OwnershipRule, owner_plan: CallPlan, runbook: Any, runbook_plan: CallPlan
) -> tuple[CallPlan, RunbookAdvice]:
    """The runbook written for this symptom sends it to `runbook_plan`'s level; its class of problem elsewhere.

    The runbook is the more specific of the two (it was written for this scenario), so its
    level is called when someone there can be reached; when nobody can, the class's level is
    called instead, and the answer says so and until when.
    """
    level = runbook_plan.level
    named, owner = _level_label(level), _level_label(owner_plan.level)
    if runbook_plan.found:
        text = (
            f"The runbook “{runbook.title}”, written for this symptom, sends it to {named}: call them, as it "
            f"says. ({owner} takes “{rule.name}” in general.)"
        )
        return runbook_plan, RunbookAdvice(runbook, level, True, text)
    if not owner_plan.found:
        text = (
            f"The runbook “{runbook.title}”, written for this symptom, sends it to {named} ({owner} takes "
            f"“{rule.name}” in general), but nobody on either can be reached {runbook_plan.when}: follow the "
            f"runbook, {named} below, with when they can be reached again and the levels above them."
        )
        return runbook_plan, RunbookAdvice(runbook, level, True, text)
    again = runbook_plan.next_reachable_at
    until = f" (again from {clock_label(timezone.localtime(again), with_date=True)})" if again else ""
    text = (
        f"The runbook “{runbook.title}” sends this to {named}, but nobody there can be reached "
        f"{runbook_plan.when}{until}: call {owner} instead, who take “{rule.name}”, and hand it to "
        f"{named} once they can be reached."
    )
    return owner_plan, RunbookAdvice(runbook, level, False, text)


def _runbook_notes(result: Answer, by_id: dict[int, EscalationLevel]) -> dict[int, str]:
    """For each runbook shown: the level it sends to, and how that fits whom this answer calls."""
    assert result.plan is not None
    called = result.plan.level
    chain = {p.level.pk for p in result.escalation}
    notes = {}
    for runbook in result.runbooks:
        level = by_id.get(runbook.escalation_level_id)
        if level is None:
            continue
        named = _level_label(level)
        if level.pk == called.pk:
            notes[runbook.pk] = f"escalates to {named}, whom this answer calls"
        elif result.advice is not None and runbook.pk == result.advice.runbook.pk:
            notes[runbook.pk] = f"escalates to {named}: see above for whom to call {result.when}"
        elif level.pk in chain:
            notes[runbook.pk] = (
                f"escalates to {named}, next in this answer's chain if {_level_label(called)} cannot resolve it"
            )
        else:
            why = (f"the runbook “{result.advice.runbook.title}” sends this symptom there" if result.advice and
                   result.advice.followed else f"it takes “{result.rule.name if result.rule else ''}”")
            notes[runbook.pk] = f"escalates to {named}; for this symptom call {_level_label(called)} as above: {why}"
    return notes
