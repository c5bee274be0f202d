"""Symptom matching: which class of problem a symptom is, in the words a person would use.

A symptom and the rules' texts (name, description, example symptoms) are read the same way:
words, typos corrected against the words the rules use (rapidfuzz), phrases of the
application's synonym groups (readiness.synonyms) made one concept ("not showing up" and
"not syncing" meet), Snowball stems (PyStemmer) and stop words dropped. Rules are ranked by
BM25 over those terms. What a rule matched is shown in the user's own words.

Every step is a pure function of strings, cached: the rules' texts repeat from request to
request (every application starts with the same default rules), so a lookup only reads the
symptom. Matching happens in Python, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass

import Stemmer
from rapidfuzz import fuzz, process

from readiness.models.escalation import OwnershipRule
from readiness.synonyms import synonym_groups

# Snowball's English stop words (snowballstem.org/algorithms/english/stop.txt), without the
# words that tell classes of problem apart ("how do I", "where is", "who should", "after the
# release", "down", "logged out"): those stay. Negations are read as "not" before this.
_STOPWORDS = frozenset(
    """i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her hers
    herself it its itself they them their theirs themselves what which whom this that these those am is are was
    were be been being have has had having do does did doing would could ought i'm you're he's she's it's we're
    they're i've you've we've they've i'd you'd he'd she'd we'd they'd i'll you'll he'll she'll we'll they'll
    let's that's who's what's here's there's when's where's why's how's a an the and but if or because as until
    while of at by for with about against between into through during to from up in on over under further then
    once here there when all any both each few more most other some such nor only own same so than too very not
    please hi hello thanks just still also really anymore keep keeps seem seems""".split()
)
# Read as "not", so "isn't showing up" meets the synonym "not showing up".
_NEGATIONS = frozenset(
    """no never cannot cant can't isnt isn't arent aren't wasnt wasn't werent weren't doesnt doesn't dont don't
    didnt didn't wont won't hasnt hasn't havent haven't couldnt couldn't wouldnt wouldn't""".split()
)
# Words that sit inside a phrase without changing it ("not being sent", "not properly syncing").
_FILLER = frozenset("be been being is are was were even properly correctly yet at all".split())
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# A typo is corrected to a word the rules use when this similar (rapidfuzz ratio, 0–100) and
# the word is long enough for a typo to be told from another word.
TYPO_SIMILARITY = 80
TYPO_MIN_LENGTH = 4
# BM25: how fast repeats of a word stop counting (k1), how much a long text is discounted (b).
# k1 is above the usual 1.2: a rule's text is a list of short examples, and a word its examples
# keep coming back to ("fails", "failed job", "crashes") is what the class is about.
K1, B = 2.0, 0.75
# An example symptom typed as a whole is the rule's author saying "this one": it adds up to half again.
EXAMPLE_BONUS = 0.5
_CONCEPT = "≈"
# Read with no synonym groups at all (not even the defaults): the words as written, stemmed.
LITERAL = "\x00literal"


_local = threading.local()  # a Snowball stemmer is not to be shared between threads


@functools.lru_cache(maxsize=16384)
def _stem(word: str) -> str:
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return str(stemmer.stemWord(word))


def _token(word: str) -> str:
    return "not" if word in _NEGATIONS else word


@functools.lru_cache(maxsize=256)
def _phrases(synonyms: str) -> tuple[dict[tuple[str, ...], str], int, frozenset[str]]:
    """Each synonym phrase (as stems) → its group's concept; the longest phrase; their words."""
    index: dict[tuple[str, ...], str] = {}
    phrase_words: set[str] = set()
    for group in synonym_groups(synonyms) if synonyms != LITERAL else ():
        concept = _CONCEPT + group[0]
        for phrase in group:
            tokens = [_token(w) for w in _WORD.findall(phrase)]
            phrase_words.update(tokens)
            stems = tuple(_stem(t) for t in tokens if t not in _FILLER)
            if any(t not in _STOPWORDS for t in tokens if t not in _FILLER):  # not a phrase of filler alone
                index.setdefault(stems, concept)
    return index, max((len(k) for k in index), default=0), frozenset(phrase_words)


Term = tuple[str, str]  # (term, the words of the text it was read from)


@functools.lru_cache(maxsize=8192)
def _terms(text: str, synonyms: str, corrections: tuple[tuple[str, str], ...] = ()) -> tuple[Term, ...]:
    """The terms of `text`, in order, each with the words it came from (as written).

    `corrections` replaces misspelt words (lower-case) before reading; a phrase of a synonym
    group becomes its concept, longest phrase first; other words their stem, stop words dropped.
    """
    fixes = dict(corrections)
    written = [(m.group(), m.group().lower()) for m in _WORD.finditer(text)]
    words = [(shown, _token(fixes.get(lower, lower))) for shown, lower in written]
    kept = [(shown, word) for shown, word in words if word not in _FILLER]
    stems = [_stem(word) for _, word in kept]
    index, longest, _ = _phrases(synonyms)
    terms: list[Term] = []
    i = 0
    while i < len(kept):
        for n in range(min(longest, len(kept) - i), 0, -1):
            concept = index.get(tuple(stems[i : i + n]))
            if concept is not None:
                terms.append((concept, " ".join(shown for shown, _ in kept[i : i + n])))
                i += n
                break
        else:
            shown, word = kept[i]
            if word not in _STOPWORDS and word != "not":
                terms.append((stems[i], shown))
            i += 1
    return tuple(terms)


def words(text: str, synonyms: str = "") -> list[str]:
    """The terms of `text`: stems ("syncing" → "sync") and synonym concepts, stop words dropped."""
    return [term for term, _ in _terms(text, synonyms)]


# --- the rules as documents ------------------------------------------------------------------------


def term_set(text: str, synonyms: str = "") -> frozenset[str]:
    return _term_set(text, synonyms)


@functools.lru_cache(maxsize=8192)
def _term_set(text: str, synonyms: str) -> frozenset[str]:
    return frozenset(term for term, _ in _terms(text, synonyms))


Example = tuple[str, frozenset[str], float]  # an example symptom, its terms, their summed rarity


@dataclass(frozen=True, eq=False)  # hashed by identity: one per cached corpus
class _Corpus:
    """The rules' texts read once: BM25's statistics, and the words a typo is corrected to."""

    frequencies: tuple[dict[str, int], ...]
    lengths: tuple[int, ...]
    average_length: float
    idf: dict[str, float]
    examples: tuple[tuple[Example, ...], ...]
    names: tuple[frozenset[str], ...]  # the terms of each rule's application name, when searching all
    # Every word the rules and the synonym groups use (lower-case), by the lengths a typo of a
    # word of that length could have (±2); and the words and their stems, known as they are.
    vocabulary: dict[int, tuple[str, ...]]
    known: frozenset[str]


Document = tuple[str, str, str, str]  # a rule's name and description, example symptoms, synonyms, application name


@functools.lru_cache(maxsize=64)
def _corpus(documents: tuple[Document, ...]) -> _Corpus:
    frequencies = tuple(
        Counter(words(f"{head}\n{examples}", synonyms)) for head, examples, synonyms, _ in documents
    )
    lengths = tuple(sum(f.values()) for f in frequencies)
    total = len(documents)
    df = Counter(term for f in frequencies for term in f)
    idf = {term: math.log(1 + (total - n + 0.5) / (n + 0.5)) for term, n in df.items()}
    vocabulary: set[str] = set(_STOPWORDS) | _NEGATIONS | _FILLER
    for head, examples, synonyms, name in dict.fromkeys(documents):
        vocabulary.update(w.lower() for w in _WORD.findall(f"{head} {examples} {name}"))
        vocabulary |= _phrases(synonyms)[2]
    longest = max((len(w) for w in vocabulary), default=0)
    return _Corpus(
        frequencies=frequencies,
        lengths=lengths,
        average_length=sum(lengths) / total or 1.0,
        idf=idf,
        examples=tuple(_examples(examples, synonyms, idf) for _, examples, synonyms, _ in documents),
        names=tuple(frozenset(words(name, synonyms)) for _, _, synonyms, name in documents),
        vocabulary={
            n: tuple(sorted(w for w in vocabulary if n - 2 <= len(w) <= n + 2 and len(w) >= 3))
            for n in range(TYPO_MIN_LENGTH, longest + 3)
        },
        known=frozenset(vocabulary) | {_stem(w) for w in vocabulary},
    )


def _examples(text: str, synonyms: str, idf: dict[str, float]) -> tuple[Example, ...]:
    examples = (line.strip() for line in text.splitlines())
    read = ((example, _term_set(example, synonyms)) for example in examples if example)
    return tuple((example, terms, sum(idf.get(t, 0.0) for t in terms)) for example, terms in read if terms)


@functools.lru_cache(maxsize=4096)
def _corrections(text: str, corpus: _Corpus) -> tuple[tuple[str, str], ...]:
    """Words of `text` nobody's rules use, each with the closest word they do use (a typo)."""
    fixes = ((word, _correction(word, corpus)) for word in dict.fromkeys(w.lower() for w in _WORD.findall(text)))
    return tuple((word, fix) for word, fix in fixes if fix)


@functools.lru_cache(maxsize=16384)
def _correction(word: str, corpus: _Corpus) -> str:
    if len(word) < TYPO_MIN_LENGTH or word.isdigit() or word in corpus.known or _stem(word) in corpus.known:
        return ""
    candidates = corpus.vocabulary.get(len(word), ())
    best = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=TYPO_SIMILARITY)
    return best[0] if best is not None else ""


def _document(rule: OwnershipRule, with_application: bool) -> Document:
    # The application's name apart: it says which application, not which class, so it does
    # not lengthen the rule's text (identical rules of two applications stay tied). Synonyms
    # from the application row that came with the rule (select_related, or the directory's own).
    name = rule.application.name if with_application else ""
    return f"{rule.name}\n{rule.description}", rule.example_symptoms, rule.application.synonyms, name


def symptom_terms(symptom: str, synonyms: str, texts: Iterable[str] = ()) -> tuple[Term, ...]:
    """The terms of a symptom, its typos corrected against the words of `texts` and the synonyms."""
    corpus = _corpus(tuple((text, "", synonyms, "") for text in texts) or (("", "", synonyms, ""),))
    return _terms(symptom, synonyms, _corrections(symptom, corpus))


# --- ranking ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleMatch:
    rule: OwnershipRule
    score: int  # 0–100: how much of the symptom the rule's words explain; a ranking, not a certainty
    matched: tuple[str, ...]  # the user's own words that matched, as typed
    example: str = ""  # the example symptom closest to what was typed
    relevance: float = 0.0  # BM25, for ordering and ties (score is rounded)


def rank_rules(
    rules: Iterable[OwnershipRule], symptom: str, *, limit: int = 5, with_application: bool = False
) -> list[RuleMatch]:
    """Rules ranked (BM25) by how well their name, description and example symptoms explain `symptom`.

    A word counts by its rarity among the rules (a word every rule uses tells nothing) and
    less in a rule that says a lot; an example symptom met as a whole adds to it. Ties keep
    the rules' order. With `with_application`, the application's name counts too (searching
    all of them).
    """
    rules = list(rules)
    if not rules or not symptom.strip():
        return []
    documents = tuple(_document(rule, with_application) for rule in rules)
    corpus = _corpus(documents)
    asked_by_synonyms = {
        synonyms: _asked(symptom, synonyms, corpus) for synonyms in dict.fromkeys(d[2] for d in documents)
    }
    # A word of an application's name counts as much as the rarest word of the rules.
    name_weight = max(corpus.idf.values(), default=1.0)
    # What a rule explaining every word typed would score (for the 0–100 score shown).
    possible = {
        synonyms: sum(corpus.idf.get(t, name_weight) for t in asked) * (1 + EXAMPLE_BONUS)
        for synonyms, asked in asked_by_synonyms.items()
    }
    matches = []
    for i, rule in enumerate(rules):
        synonyms = documents[i][2]
        asked = asked_by_synonyms[synonyms]
        frequencies = corpus.frequencies[i]
        named = [term for term in asked if term in corpus.names[i] and term not in frequencies]
        matched = [term for term in asked if term in frequencies]
        if not matched:
            continue
        norm = K1 * (1 - B + B * corpus.lengths[i] / corpus.average_length)
        relevance = sum(
            corpus.idf[t] * frequencies[t] * (K1 + 1) / (frequencies[t] + norm) for t in matched
        )
        example, cover = _closest_example(corpus.examples[i], asked.keys(), corpus.idf)
        relevance = relevance * (1 + EXAMPLE_BONUS * cover) + name_weight * len(named)
        score = max(1, min(100, round(100 * relevance / possible[synonyms])))
        shown = tuple(dict.fromkeys(asked[t] for t in asked if t in matched or t in named))
        matches.append(RuleMatch(rule, score, shown, example, relevance))
    matches.sort(key=lambda m: -m.relevance)
    return matches[:limit]


def _asked(symptom: str, synonyms: str, corpus: _Corpus) -> dict[str, str]:
    """The symptom's terms (in order, once each) → the words typed for them."""
    asked: dict[str, str] = {}
    for term, shown in _terms(symptom, synonyms, _corrections(symptom, corpus)):
        asked.setdefault(term, shown)
    return asked


def _closest_example(
    examples: tuple[Example, ...], asked: Collection[str], idf: dict[str, float]
) -> tuple[str, float]:
    """The example symptom most of whose words were typed, and how much of it (0–1, by rarity)."""
    best, best_cover = "", 0.0
    for example, terms, weight in examples:
        cover = sum(idf.get(t, 0.0) for t in terms if t in asked) / (weight or 1.0)
        if cover > best_cover:
            best, best_cover = example, cover
    return best, best_cover
