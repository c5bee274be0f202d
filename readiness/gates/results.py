"""What a gate is, what its check returns and how a gate stands on a day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import models
from django.urls import reverse

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
class Place:
    """A page of readiness.urls by route name and arguments: what a stored verdict keeps, so the
    address is drawn by today's URLconf when shown, never baked into the stored row."""

    route: str
    args: tuple[str | int, ...] = ()
    query: str = ""
    fragment: str = ""

    @property
    def url(self) -> str:
        return (reverse(f"readiness:{self.route}", args=self.args) + (f"?{self.query}" if self.query else "")
                + (f"#{self.fragment}" if self.fragment else ""))


@dataclass(frozen=True)
class Missing:
    """One piece of evidence a gate lacks, and where to supply it."""

    text: str
    place: Place
    action: str = "Fix"
    # The evidence existed but aged past its freshness window (counted as "stale" on the dashboard).
    stale: bool = False

    @property
    def url(self) -> str:
        return self.place.url


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
