"""Who do I call now? Pure functions over rows the caller has already fetched.

`who_to_call`, `coverage_gaps` and `rank_rules` never touch the database themselves: they
read a level's people (with working hours and leave loaded, see `levels_with_people`) and a
list of rules. `answer()` at the bottom is the one place that fetches, in a fixed number of
queries, for both the page and the JSON API, so the two always give the same answer. What it
reads of one application (its `Directory`) is cached under the application's evidence
version: asked again, the lookup reads only the application row.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.cache import caches
from django.db import models

from readiness.models.escalation import Coverage, EscalationLevel, OwnershipRule
from readiness.models.people import Availability, Person, Reachability, attach_calendars

if TYPE_CHECKING:
    from readiness.models import Application

UTC = ZoneInfo("UTC")
# How far ahead coverage gaps are looked for, on the path page and in gate 4.
GAP_DAYS = 14
PRIMARY, BACKUP, AFTER_HOURS = "primary", "backup", "after-hours cover"


# --- who to call -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One person on a level, in one role, judged at one moment."""

    person: Person
    role: str
    reachability: Reachability
    reachable: bool

    @property
    def status(self) -> str:
        if self.reachable:
            if self.role == AFTER_HOURS and not self.reachability.in_hours:
                return "can be paged"
            return "reachable now"
        return _why_not(self.reachability)

    @property
    def local_time(self) -> datetime:
        return self.reachability.local_time

    @property
    def local_label(self) -> str:
        return clock_label(self.local_time)


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


def clock_label(local: datetime, *, with_date: bool = False) -> str:
    """"14:05 Sun" (or "14:05 Sun 22 Nov") on the person's own clock: `local` is already in their
    zone. Formatted here, not by template filters: the call plan shows a dozen of them."""
    label = f"{local:%H:%M} {_DAYS[local.weekday()]}"
    return f"{label} {local.day} {_MONTHS[local.month - 1]}" if with_date else label


# English names whatever the process locale (strftime's %a and %b follow it).
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _why_not(reachability: Reachability) -> str:
    if reachability.availability == Availability.OUTSIDE_HOURS:
        return f"outside hours ({reachability.detail})"
    if reachability.availability == Availability.LEFT:
        return f"has {reachability.detail}"
    return reachability.detail  # "on leave until Fri 12 Apr"


def _reachable(level: EscalationLevel, role: str, reachability: Reachability) -> bool:
    # The after-hours cover carries the pager; on a 24×7 level everyone does.
    if role == AFTER_HOURS or level.coverage == Coverage.ALWAYS:
        return reachability.can_be_paged
    return reachability.in_hours


def level_roles(level: EscalationLevel) -> list[tuple[str, Person]]:
    """The people of a level in the order they are tried."""
    roles: list[tuple[str, Person]] = [(PRIMARY, level.primary)]
    if level.backup is not None:
        roles.append((BACKUP, level.backup))
    if level.after_hours_cover is not None:
        roles.append((AFTER_HOURS, level.after_hours_cover))
    return roles


def candidates_at(level: EscalationLevel, at: datetime) -> list[Candidate]:
    result = []
    for role, person in level_roles(level):
        reachability = person.reachability_at(at)
        result.append(Candidate(person, role, reachability, _reachable(level, role, reachability)))
    return result


def who_to_call(level: EscalationLevel, at: datetime) -> CallPlan:
    """The person to call on `level` at `at`, why them, and whom to try after them."""
    candidates = candidates_at(level, at)
    primary = candidates[0]
    chosen = next((c for c in candidates if c.reachable), None)
    if chosen is None:
        reasons = [f"{c.role} {_why_not(c.reachability)}" for c in candidates]
        if not level.after_hours_cover_id:
            reasons.append("no after-hours cover")
        return CallPlan(
            level=level,
            at=at,
            person=None,
            role="",
            reason="nobody on this level can be reached now: " + ", ".join(reasons),
            local_time=None,
            fallback=_fallback(candidates, None),
            candidates=candidates,
            next_reachable_at=next_reachable(level, at),
        )
    if chosen is primary:
        if primary.reachability.in_hours:
            reason = "primary, in working hours"
        else:
            reason = f"primary, on 24×7 cover ({_why_not(primary.reachability)})"
    else:
        skipped = [c for c in candidates[: candidates.index(chosen)] if c.person != chosen.person]
        reason = f"{chosen.role}: " + ", ".join(f"{c.role} {_why_not(c.reachability)}" for c in skipped)
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


# --- coverage gaps -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    """An interval in which nobody on a level can be reached, and why. Times are in UTC."""

    start: datetime
    end: datetime
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def _coarse_reason(candidate: Candidate) -> str:
    # Coarse on purpose (no clock times), so that consecutive slices of one gap merge.
    state = {
        Availability.OUTSIDE_HOURS: "outside working hours",
        Availability.ON_LEAVE: "on leave",
        Availability.LEFT: "has left",
    }.get(candidate.reachability.availability, "unavailable")
    return f"{candidate.role} {candidate.person.name} {state}"


def _local_days(person: Person, start: datetime, end: datetime) -> list[tuple[date, datetime, datetime]]:
    """Each of the person's local days touching [start, end): the day, its start and end in UTC."""
    zone = person.zone
    day, last = start.astimezone(zone).date(), end.astimezone(zone).date()
    days = []
    while day <= last:
        following = day + timedelta(days=1)
        days.append((
            day,
            datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC),
            datetime.combine(following, time(0), tzinfo=zone).astimezone(UTC),
        ))
        day = following
    return days


def _reachable_intervals(
    level: EscalationLevel, role: str, person: Person, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """When `person` can be reached in `role`, as UTC intervals; the same rules as `_reachable`.

    Built day by day on the person's own calendar, in UTC: aware datetimes sharing a zone
    compare and subtract by wall clock, which is wrong across a daylight-saving change.
    """
    pageable = role == AFTER_HOURS or level.coverage == Coverage.ALWAYS
    hours_by_day: dict[int, list[Any]] = {}
    for hours in person.working_hours_list():
        hours_by_day.setdefault(hours.weekday, []).append(hours)
    intervals = []
    for day, day_start, day_end in _local_days(person, start, end):
        if person.has_left(day) or person.leave_on(day) is not None:
            continue
        if pageable:
            intervals.append((day_start, day_end))
            continue
        for hours in hours_by_day.get(day.weekday(), []):
            opens = datetime.combine(day, hours.starts_at, tzinfo=person.zone).astimezone(UTC)
            closes = day_end if hours.until_midnight else datetime.combine(
                day, hours.ends_at, tzinfo=person.zone
            ).astimezone(UTC)
            intervals.append((opens, closes))
    return intervals


def _level_intervals(level: EscalationLevel, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """When anyone on the level can be reached, in the role they hold there, as UTC intervals."""
    return [
        interval
        for role, person in level_roles(level)
        for interval in _reachable_intervals(level, role, person, start, end)
    ]


def next_reachable(level: EscalationLevel, at: datetime, days: int = GAP_DAYS) -> datetime | None:
    """The first moment within `days` after `at` when someone on the level can be reached again.

    The end of the coverage gap `at` falls in (see `coverage_gaps`), without working out every
    gap and its reasons: None when no gap holds `at` or the gap lasts past the window. The next
    day is looked at first, as someone is usually back by then, then three (a weekend), and the
    whole window only if nobody is back by then.
    """
    start = at.astimezone(UTC)
    for window in sorted({min(1, days), min(3, days), days}):
        end = start + timedelta(days=window)
        # Every interval that opens before `end` is among these (local days touching the window).
        intervals = [interval for interval in _level_intervals(level, start, end) if interval[1] > start]
        if any(opens <= start for opens, _ in intervals):
            return None
        first = min((opens for opens, _ in intervals), default=None)
        if first is not None and first < end:
            return first
    return None


def coverage_gaps(level: EscalationLevel, start: datetime, days: int = GAP_DAYS) -> list[Gap]:
    """Intervals in [start, start + days) in which nobody on the level can be reached, merged, with why."""
    start = start.astimezone(UTC)
    end = start + timedelta(days=days)
    covered = sorted(_level_intervals(level, start, end))
    holes = []
    cursor = start
    for opens, closes in covered:
        if closes <= cursor:
            continue
        if opens > cursor:
            holes.append((cursor, min(opens, end)))
        cursor = max(cursor, closes)
        if cursor >= end:
            break
    if cursor < end:
        holes.append((cursor, end))
    return [Gap(s, e, _gap_reasons(level, s, e)) for s, e in holes if s < e]


def _gap_reasons(level: EscalationLevel, start: datetime, end: datetime) -> tuple[str, ...]:
    # Sampled where a state can change inside the gap: its start and each local midnight.
    moments = {start}
    for _, person in level_roles(level):
        moments |= {day_start for _, day_start, _ in _local_days(person, start, end) if start < day_start < end}
    reasons = [_coarse_reason(c) for moment in sorted(moments) for c in candidates_at(level, moment)]
    if not level.after_hours_cover_id:
        reasons.append("no after-hours cover")
    return tuple(dict.fromkeys(reasons))


# --- symptom → rule ----------------------------------------------------------------------------

_STOPWORDS = frozenset(
    """a an the is are was were be been to of in on at for and or not no nor it its my our their i we you
    they he she this that these those with from by as do does did can cannot cant can't don't dont doesn't
    doesnt won't wont isn't isnt aren't arent wasn't wasnt any some all just still when then than there
    here has have had get gets got please help me us them now""".split()
)
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "al", "s")


def _stem(word: str) -> str:
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)] + ("y" if suffix in ("ies", "ied") else "")
            break
    if word.endswith("e") and len(word) > 3:
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    """Content words of `text`, lower-cased and crudely stemmed ("syncing" → "sync")."""
    return list(_words(text))


@functools.lru_cache(maxsize=4096)
def _words(text: str) -> tuple[str, ...]:
    # Cached: every application starts with the same default rules, so their texts repeat.
    tokens = re.findall(r"[a-z0-9']+", text.lower())
    return tuple(_stem(t.strip("'")) for t in tokens if t.strip("'") and t not in _STOPWORDS)


@dataclass(frozen=True)
class RuleMatch:
    rule: OwnershipRule
    score: int  # 0–100: how much of the symptom the rule's words explain; a ranking, not a certainty
    matched: tuple[str, ...]
    example: str = ""  # the example symptom closest to what was typed


def _rule_vocabulary(rule: OwnershipRule, with_application: bool) -> tuple[set[str], list[tuple[str, set[str]]]]:
    examples = [(example, set(words(example))) for example in rule.symptom_list]
    vocabulary = set(words(rule.name))
    for _, example_words in examples:
        vocabulary |= example_words
    if with_application:
        vocabulary |= set(words(rule.application.name))
    return vocabulary, examples


def rank_rules(
    rules: Iterable[OwnershipRule], symptom: str, *, limit: int = 5, with_application: bool = False
) -> list[RuleMatch]:
    """Rules ranked by how well their name and example symptoms cover the words of `symptom`.

    Each symptom word counts by its rarity among the rules (a word every rule mentions tells
    nothing); an example symptom that matches as a whole adds the rest. Ties keep the rules'
    order. With `with_application`, the application's name counts too (searching all of them).
    """
    rules = list(rules)
    asked = list(dict.fromkeys(words(symptom)))
    if not asked or not rules:
        return []
    vocabularies = [_rule_vocabulary(rule, with_application) for rule in rules]
    document_frequency = Counter(w for vocabulary, _ in vocabularies for w in vocabulary)
    total = len(rules)

    def weight(word: str) -> float:
        return math.log(1 + total / max(document_frequency[word], 1))

    asked_weight = sum(weight(w) for w in asked)
    matches = []
    for rule, (vocabulary, examples) in zip(rules, vocabularies, strict=True):
        matched = [w for w in asked if w in vocabulary]
        if not matched:
            continue
        coverage = sum(weight(w) for w in matched) / asked_weight
        best_example, best_overlap = "", 0.0
        for example, example_words in examples:
            if not example_words:
                continue
            overlap = len(example_words & set(asked)) / len(example_words | set(asked))
            if overlap > best_overlap:
                best_example, best_overlap = example, overlap
        score = round(100 * (0.6 * coverage + 0.4 * best_overlap))
        matches.append(RuleMatch(rule, score, tuple(matched), best_example))
    matches.sort(key=lambda m: -m.score)
    return matches[:limit]


# --- the whole answer, for the page and the API ------------------------------------------------


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
