"""The hash chain over hypercare sign-offs, and its verification.

What it protects against, and what it does not:

- The web and worker processes connect as the *runtime* role (`manage.py grant_runtime_role`).
  That role may SELECT and INSERT sign-offs but holds no UPDATE, DELETE or TRUNCATE on the
  table, and it does not own it, so it cannot ALTER it or DISABLE its trigger. Whatever the
  application does, or whoever takes it over, can add a sign-off but never change or remove one.
- Only the *owner* role (migrations) can change or remove a sign-off. `signoff_chain_verify`
  then finds: a changed row (its hash no longer matches its contents, or the next row no
  longer points at it); a removed first or middle row (a gap in `sequence`); a removed
  newest row (the hypercare row's `signoff_count` and `signoff_head`, written in the same
  transaction as each sign-off, run ahead of the table).
- The limit: the hashes are not keyed and the chain head lives in the same database. An owner
  who removes or edits rows *and* rewrites every later hash and the hypercare row's head
  leaves a chain that verifies. Catching that needs a copy of the head outside the database:
  `manage.py verify_signoffs` prints each head, and keeping that output (a ticket, the
  change log) makes a later rewrite visible by comparison.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from django.db.models import Q, QuerySet

from readiness.models import Application, Hypercare, SignOff


class _SignOffRow(Protocol):
    """What the hash reads: a SignOff, or the historical model a migration hands over."""

    application_id: int
    sequence: int
    signed_by_id: int
    signed_at: datetime
    statement: str
    snapshot: Any
    fingerprint: str


def signoff_canonical(row: _SignOffRow) -> str:
    """The row as signed, as one JSON text that is the same however the database returns it.

    Keys sorted, no spaces, times in UTC with microseconds: a value read back from SQLite or
    PostgreSQL (jsonb reorders keys) gives the same text as the one hashed at signing.
    """
    payload = {
        "application": row.application_id,
        "sequence": row.sequence,
        "signed_by": row.signed_by_id,
        "signed_at": row.signed_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "statement": row.statement,
        "snapshot": row.snapshot,
        "fingerprint": row.fingerprint,
    }
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def signoff_chain_hash(previous_hash: str, row: _SignOffRow) -> str:
    return hashlib.sha256((previous_hash + signoff_canonical(row)).encode()).hexdigest()


@dataclass
class ChainReport:
    """One application's chain: intact, or each thing found wrong, in words for an operator."""

    application: Application
    count: int = 0
    head: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.intact:
            noun = "sign-off" if self.count == 1 else "sign-offs"
            return f"intact ({self.count} {noun}, chain verified)"
        return "; ".join(self.problems)


def signoff_chain_verify(application: Application) -> ChainReport:
    """Recompute every link of the application's chain and compare the newest with the stored head."""
    rows = list(SignOff.objects.filter(application=application).order_by("sequence", "pk"))
    hypercare = Hypercare.objects.filter(application=application).first()
    report = ChainReport(application=application, count=len(rows))
    problems = report.problems
    expected_sequence = 1
    previous_hash = ""
    for row in rows:
        if row.sequence > expected_sequence:
            missing = range(expected_sequence, row.sequence)
            problems.extend(f"sign-off {n} missing" for n in missing)
        if row.previous_hash != previous_hash:
            problems.append(f"sign-off {row.sequence} does not follow the one before it")
        if row.chain_hash != signoff_chain_hash(row.previous_hash, row):
            problems.append(f"sign-off {row.sequence} altered")
        expected_sequence = row.sequence + 1
        previous_hash = row.chain_hash
    stored_count = hypercare.signoff_count if hypercare else 0
    stored_head = hypercare.signoff_head if hypercare else ""
    if rows and hypercare is None:
        problems.append("chain head missing: the application has no hypercare record")
    elif stored_count > expected_sequence - 1:
        problems.extend(f"sign-off {n} missing" for n in range(expected_sequence, stored_count + 1))
    elif stored_count != expected_sequence - 1 or stored_head != previous_hash:
        problems.append(
            f"chain head mismatch: the hypercare record holds sign-off {stored_count} ({stored_head[:12] or 'none'}), "
            f"the table ends at {expected_sequence - 1} ({previous_hash[:12] or 'none'})"
        )
    report.head = previous_hash
    return report


def applications_with_signoff_chains() -> QuerySet[Application]:
    """Every application that has, or is recorded as having had, a sign-off."""
    signed = SignOff.objects.values("application_id")
    counted = Hypercare.objects.filter(signoff_count__gt=0).values("application_id")
    return Application.objects.filter(Q(pk__in=signed) | Q(pk__in=counted)).order_by("name")
