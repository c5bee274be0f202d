"""The matching eval: where the intended class of problem ranks for each phrasing of
tests/matching_phrasings.py, over the seeded demo world (`make eval-matching` prints it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from readiness.lookup import answer
from readiness.models import Application
from tests.matching_phrasings import ACROSS, PHRASINGS


@dataclass(frozen=True)
class Outcome:
    symptom: str
    application: str
    intended: str
    ranked: tuple[tuple[str, str], ...]  # (application slug, class), best first
    searched_all: bool

    @property
    def rank(self) -> int | None:
        wanted = (self.application, self.intended)
        return self.ranked.index(wanted) + 1 if wanted in self.ranked else None


def evaluate(at: datetime | None = None) -> list[Outcome]:
    at = at or timezone.now()
    applications = {a.slug: a for a in Application.objects.all()}
    outcomes = []
    cases = [(case, False) for case in PHRASINGS] + [(case, True) for case in ACROSS]
    for (symptom, slug, intended), searched_all in cases:
        result = answer(at=at, application=None if searched_all else applications[slug], symptom=symptom)
        ranked = tuple((m.rule.application.slug, m.rule.name) for m in result.matches)
        outcomes.append(Outcome(symptom, slug, intended, ranked, searched_all))
    return outcomes


def report(outcomes: list[Outcome]) -> str:
    total = len(outcomes)
    first = sum(1 for o in outcomes if o.rank == 1)
    top_three = sum(1 for o in outcomes if o.rank is not None and o.rank <= 3)
    lines = [
        f"Matching eval: {total} phrasings over the demo world",
        f"  intended class ranked first: {first}/{total} ({100 * first / total:.0f} %)",
        f"  intended class in the top three: {top_three}/{total} ({100 * top_three / total:.0f} %)",
    ]
    misses = [o for o in outcomes if o.rank != 1]
    if misses:
        lines.append("Not first:")
    for o in misses:
        where = "all applications" if o.searched_all else o.application
        got = ", ".join(f"{name} ({slug})" if o.searched_all else name for slug, name in o.ranked[:3]) or "nothing"
        lines.append(f"  “{o.symptom}” [{where}]: wanted {o.intended}, rank {o.rank or '—'}; got {got}")
    return "\n".join(lines)
