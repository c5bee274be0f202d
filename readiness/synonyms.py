"""Synonym groups an application's team writes ("not showing up = not syncing = missing").

A person typing a symptom uses their own words, not the words of the rule's author. A team
lists the phrases that mean the same for their application, one group per line, phrases
separated by commas or "=". Parsing is a pure function of the text (cached: every lookup
reads the same few texts), so the stored text is the only state and the form, the model's
clean() and the matcher read it the same way.
"""

from __future__ import annotations

import functools
import re

from django.core.exceptions import ValidationError

MAX_GROUPS = 100
MAX_PHRASE_LENGTH = 60
_SEPARATORS = re.compile(r"[,=]")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")

SynonymGroups = tuple[tuple[str, ...], ...]

# Used when an application's own list is empty: what support analysts commonly write for the
# default classes of problem (readiness/defaults.py). Written as a team would write theirs.
DEFAULT_SYNONYMS = "\n".join([
    "not showing up = not syncing = missing = not arriving = not reaching = not received = not coming through = "
    "never arrived = not appearing = not transferred = not sent = not getting to = not making it to = "
    "not updated = not populated = not published = not pushed = not exported = not imported",
    "stuck = pending = queued = backing up = backlog = piling up = waiting = delayed",
    "sync = interface = integration = feed = transfer",
    "log in = login = log into = login to = sign in = signin = sign into = logon = log on = authenticate = get in",
    "locked out = account locked = blocked",
    "password = credentials = passcode",
    "permission = access = authorisation = authorization = rights = role",
    "error = failure = fails = failed = broken = exception = crash = crashes = bug",
    "does nothing = not responding = unresponsive = no response = nothing happens = freezes = frozen = hangs = hung",
    "wrong = incorrect = mismatch = differs = "
    "different = does not match = doesn't match = inconsistent = discrepancy = out of date = outdated = stale = "
    "still showing",
    "price = pricing = cost = rate",
    "order = purchase order = po",
    "invoice = bill = billing",
    "how do i = how to = where do i = where can i = need help with = instructions",
    "cannot find = can't find = can not find = where is = hidden = disappeared",
    "release = deployment = deploy = deployed = upgrade = new version = go-live",
    "worked yesterday = used to work = was working = worked before = stopped working",
    "approval = approve = sign-off = authorise = authorize",
    "policy = process = rule = procedure",
    "customer = client = buyer",
    "erp = sap = back office = backend",
    "pick list = picklist = picking list = pick sheet",
    "dispatch = shipping = shipment = despatch",
    "screen = page = view",
])


def parse_synonyms(text: str) -> SynonymGroups:
    """The groups in `text`, each a tuple of lower-cased phrases; raises ValidationError."""
    groups, errors = _parse(text)
    if errors:
        raise ValidationError(list(errors))
    return groups


def synonym_groups(text: str) -> SynonymGroups:
    """The groups to match with: an application's own (if it has valid ones), else the defaults."""
    groups, errors = _parse(text)
    if errors or not groups:
        groups, _ = _parse(DEFAULT_SYNONYMS)
    return groups


@functools.lru_cache(maxsize=256)
def _parse(text: str) -> tuple[SynonymGroups, tuple[str, ...]]:
    groups: list[tuple[str, ...]] = []
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        phrases = [" ".join(_WORD.findall(part.lower())) for part in _SEPARATORS.split(line)]
        shown = line.strip()[:40]
        if any(not phrase for phrase in phrases):
            errors.append(f"Line {number} (“{shown}”): an empty phrase; separate phrases by one comma or “=”.")
        elif len(set(phrases)) < 2:
            errors.append(
                f"Line {number} (“{shown}”): give at least two different phrases that mean the same, "
                "separated by commas or “=”."
            )
        elif any(len(phrase) > MAX_PHRASE_LENGTH for phrase in phrases):
            errors.append(f"Line {number}: keep each phrase under {MAX_PHRASE_LENGTH} characters.")
        else:
            groups.append(tuple(dict.fromkeys(phrases)))
    if len(groups) > MAX_GROUPS:
        errors.append(f"At most {MAX_GROUPS} groups; merge the ones that mean the same.")
    return tuple(groups), tuple(errors[:5])
