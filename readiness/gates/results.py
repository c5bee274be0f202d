"""What a gate is, what its check returns and how a gate stands on a day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import models

from readiness.gates.evidence import Evidence
from readiness.models import (
    GateCode,
    GateWaiver,
)


class Status(models.TextChoices):
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"
    WAIVED = "waived", "Waived"


@dataclass(frozen=True)
class Missing:
    """One piece of evidence a gate lacks, and where to supply it."""

    text: str
    url: str
    action: str = "Fix"
    # The evidence existed but aged past its freshness window (counted as "stale" on the dashboard).
    stale: bool = False


@dataclass
class Check:
    evidence: list[str] = field(default_factory=list)
    missing: list[Missing] = field(default_factory=list)


@dataclass(frozen=True)
class Gate:
    code: GateCode
    rule: Callable[[], str]
    check: Callable[[Evidence, date], Check]

    @property
    def title(self) -> str:
        return self.code.label.split(". ", 1)[1]

    @property
    def number(self) -> int:
        return int(self.code.label.split(".", 1)[0])


@dataclass
class GateResult:
    gate: Gate
    status: Status
    evidence: list[str]
    missing: list[Missing]
    waiver: GateWaiver | None = None

    @property
    def rule(self) -> str:
        return self.gate.rule()

    @property
    def passes(self) -> bool:
        return self.status != Status.NOT_MET
