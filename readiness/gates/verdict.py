"""Judging every gate of an application on a day, and the verdict as stored data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils import timezone

from readiness.gates.evidence import Evidence, load_evidence
from readiness.gates.results import GateResult, Missing, Place, Status
from readiness.gates.rules import GATES, GATES_BY_CODE
from readiness.models import (
    Application,
    GateCode,
    GateWaiver,
)


@dataclass
class Verdict:
    application: Application
    on: date
    results: list[GateResult]

    @property
    def ready(self) -> bool:
        return all(result.passes for result in self.results)

    @property
    def met_count(self) -> int:
        return sum(result.passes for result in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def blockers(self) -> list[tuple[GateResult, Missing]]:
        return [(r, m) for r in self.results if r.status == Status.NOT_MET for m in r.missing]

    @property
    def blocking(self) -> list[GateResult]:
        """The gates that block go-live (not met, not waived), in gate order."""
        return [r for r in self.results if r.status == Status.NOT_MET]

    @property
    def stale_count(self) -> int:
        return sum(m.stale for r in self.results for m in r.missing)

    @property
    def waived(self) -> list[GateResult]:
        return [r for r in self.results if r.status == Status.WAIVED]

    def as_data(self) -> list[dict[str, Any]]:
        """The results as JSON, to store (models.ReadinessSnapshot.verdict); `from_data` reads them back."""
        return [
            {"gate": r.gate.code.value, "status": r.status.value, "evidence": r.evidence,
             "missing": [[m.text, [m.place.route, list(m.place.args), m.place.query, m.place.fragment], m.action,
                          m.stale] for m in r.missing],
             "waiver": r.waiver.pk if r.waiver else None}
            for r in self.results
        ]

    @classmethod
    def from_data(cls, application: Application, on: date, data: list[dict[str, Any]],
                  waivers: dict[int, GateWaiver]) -> Verdict:
        return cls(application, on, [
            GateResult(GATES_BY_CODE[GateCode(r["gate"])], Status(r["status"]), r["evidence"],
                       [Missing(text, Place(route, tuple(args), query, fragment), action, stale)
                        for text, (route, args, query, fragment), action, stale in r["missing"]],
                       waivers.get(r["waiver"]) if r["waiver"] else None)
            for r in data
        ])


def evaluate(ev: Evidence, on: date | None = None) -> Verdict:
    """Judge every gate of one application on day `on` (today by default)."""
    on = on or timezone.localdate()
    results = []
    for gate in GATES:
        check = gate.check(ev, on)
        status = Status.MET if not check.missing else Status.NOT_MET
        waiver = None
        if status == Status.NOT_MET:
            waiver = next((w for w in ev.waivers if w.gate == gate.code and w.in_force_on(on)), None)
            if waiver is not None:
                status = Status.WAIVED
        results.append(GateResult(gate, status, check.evidence, check.missing, waiver))
    return Verdict(ev.application, on, results)


def verdict_for(application: Application, on: date | None = None) -> Verdict:
    return evaluate(load_evidence([application])[application.pk], on)
