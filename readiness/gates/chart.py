"""The readiness-over-time chart: the same rules run on earlier days."""

from __future__ import annotations

from datetime import date, timedelta

from readiness.gates.evidence import Evidence
from readiness.gates.verdict import evaluate

# Days the readiness-over-time chart shows, up to go-live (or today).
CHART_DAYS = 30


def history(ev: Evidence, end: date, days: int = CHART_DAYS) -> list[tuple[date, int]]:
    """Gates passing (met or waived) on each of the `days` days up to `end`."""
    return [(day, evaluate(ev, day).met_count) for day in (end - timedelta(days=n) for n in range(days - 1, -1, -1))]
