"""Symptom matching: words (stop words, stemming) and the ranking of rules against a symptom."""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from readiness.models.escalation import OwnershipRule

if TYPE_CHECKING:
    pass

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
