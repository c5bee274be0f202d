"""Which runbooks and known issues of an application fit a symptom (for "Who do I call?")."""

from __future__ import annotations

from typing import Any

from readiness.matching import LITERAL, symptom_terms, term_set
from readiness.models.escalation import OwnershipRule


def artefacts_for(
    rule: OwnershipRule, symptom: str, all_runbooks: list[Any], open_issues: list[Any], limit: int = 3
) -> tuple[list[Any], set[int], list[Any]]:
    """Runbooks and known issues of the rule's application that fit the symptom.

    A runbook fits when it shares most of its words with the symptom (or, with no symptom typed,
    with the class of problem), read as rules are (readiness.matching: synonyms, typos, stems);
    it is shown too when it sends to the rule's level. A known issue fits when it shares words
    and still matters (`open_issues`: not resolved). Also returns the pks of the runbooks that
    fit by their words: written for this symptom, not only for the level.
    """
    synonyms = rule.application.synonyms
    texts = tuple(f"{a.title}\n{a.symptom}" for a in [*all_runbooks, *open_issues])
    if symptom:
        asked = frozenset(term for term, _ in symptom_terms(symptom, synonyms, texts))
    else:
        asked = term_set(f"{rule.name}\n{rule.example_symptoms}", synonyms)

    enough = len(asked) // 2 + 1  # most of the words: one shared word of two is a coincidence

    def fit(text: str) -> int:
        shared = len(asked & term_set(text, synonyms))
        return shared if shared >= enough else 0

    # Of two runbooks sharing as many terms, the one sharing the words as typed ("orders", not
    # only a synonym of "not reaching") is the one written for this symptom.
    literal = term_set(symptom, LITERAL)
    runbooks = []
    for runbook, text in zip(all_runbooks, texts, strict=False):
        score = fit(text)
        linked = rule.level_id is not None and runbook.escalation_level_id == rule.level_id
        if score or linked:
            runbooks.append((score, len(literal & term_set(text, LITERAL)) if score else 0, linked, runbook))
    runbooks.sort(key=lambda item: (-item[0], -item[1], not item[2], item[3].title))
    issues = []
    for issue, text in zip(open_issues, texts[len(all_runbooks):], strict=True):
        score = fit(text)
        if score:
            issues.append((score, issue))
    issues.sort(key=lambda item: (-item[0], item[1].title))
    shown = [r for *_, r in runbooks[:limit]]
    return shown, {r.pk for score, *_, r in runbooks[:limit] if score}, [i for _, i in issues[:limit]]
