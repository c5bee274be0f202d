"""Measured time-to-answer per escalation level, against the level's response target.

Two sources, over the last WINDOW_DAYS: the levels called in drills (readiness.models.DrillCall:
answered after N minutes, or not answered) and the escalation log (an entry's `answered_at`,
timed for the level it was passed to, else the level that took it). Entries logged without an
answer time are not measured: they say nothing about how fast anyone answered.

A level meets its target when the median of its answered calls is within the target and no
call went unanswered: an unanswered drill call is the failure the target exists to catch.
Read in two queries for a whole path (or several), whatever the number of levels and calls.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median

from django.utils import timezone

from readiness.models import DrillCall, Escalation, EscalationLevel
from readiness.models.hypercare import whole_minutes

# Three months: long enough to hold the pre-go-live drills and a hypercare's log, short
# enough that a level that has since sped up (or slowed down) is judged on what it does now.
WINDOW_DAYS = 90


def _minutes(value: float) -> str:
    return f"{value:g} min"


def _calls(count: int) -> str:
    return f"{count} call{'' if count == 1 else 's'}"


@dataclass
class AnswerTimes:
    """One level's measured answers: minutes of each answered call, and the calls nobody answered."""

    level: EscalationLevel
    minutes: list[int] = field(default_factory=list)
    unanswered: int = 0
    from_drills: int = 0
    from_log: int = 0

    @property
    def target(self) -> int:
        return self.level.response_target_minutes

    @property
    def calls(self) -> int:
        return len(self.minutes) + self.unanswered

    @property
    def measured(self) -> bool:
        return self.calls > 0

    @property
    def median(self) -> float | None:
        return median(self.minutes) if self.minutes else None

    @property
    def worst(self) -> int | None:
        return max(self.minutes) if self.minutes else None

    @property
    def missed(self) -> int:
        """Calls not answered within the target: slower ones and unanswered ones."""
        return sum(minutes > self.target for minutes in self.minutes) + self.unanswered

    @property
    def met(self) -> bool:
        return self.median is not None and self.median <= self.target and not self.unanswered

    @property
    def sources(self) -> str:
        parts = [
            f"{self.from_drills} in drills" if self.from_drills else "",
            f"{self.from_log} logged" if self.from_log else "",
        ]
        return ", ".join(part for part in parts if part)

    @property
    def summary(self) -> str:
        """In one line: "median 12 min, worst 25 min over 5 calls (3 in drills, 2 logged), target 30 min — met"."""
        if not self.measured:
            return f"no measurement yet (target {self.target} min)"
        answered = (
            f"median {_minutes(self.median)}, worst {_minutes(self.worst)}"
            if self.median is not None and self.worst is not None
            else "never answered"
        )
        text = f"{answered} over {_calls(self.calls)} ({self.sources}), target {self.target} min"
        if self.met:
            return f"{text} — met"
        return f"{text} — over target: {self.missed} of {_calls(self.calls)} missed it" + (
            f", {self.unanswered} not answered" if self.unanswered else ""
        )


def answer_times(levels: Iterable[EscalationLevel], now: datetime | None = None) -> dict[int, AnswerTimes]:
    """Each level's measured answers (by level id) over the WINDOW_DAYS before `now`, in two queries."""
    now = now or timezone.now()
    since = now - timedelta(days=WINDOW_DAYS)
    result = {level.pk: AnswerTimes(level) for level in levels}
    if not result:
        return result
    calls = DrillCall.objects.filter(
        level_id__in=result, drill__held_on__gte=timezone.localdate(since), drill__held_on__lte=timezone.localdate(now)
    ).values_list("level_id", "answered", "answer_minutes")
    for level_id, answered, answer_minutes in calls:
        times = result[level_id]
        times.from_drills += 1
        if answered and answer_minutes is not None:
            times.minutes.append(answer_minutes)
        else:
            times.unanswered += 1
    applications = {times.level.application_id for times in result.values()}
    logged = Escalation.objects.filter(
        application_id__in=applications, answered_at__isnull=False, occurred_at__gte=since, occurred_at__lte=now
    ).values_list("to_level_id", "from_level_id", "occurred_at", "answered_at")
    by_level: dict[int, list[int]] = defaultdict(list)
    for to_level_id, from_level_id, occurred_at, answered_at in logged:
        assert answered_at is not None  # filtered above
        # The level timed is the one it was passed to, else the one that took it (Escalation.called_level).
        by_level[to_level_id or from_level_id].append(whole_minutes(occurred_at, answered_at))
    for level_id, minutes in by_level.items():
        if level_id in result:
            result[level_id].minutes.extend(minutes)
            result[level_id].from_log += len(minutes)
    return result
