"""The go-live gates: rules computed from evidence, never boxes someone ticks.

Each gate is a code, a one-sentence rule and a small check function. A check reads an
`Evidence` bundle (every artefact of one application, loaded beforehand) and a day, and
returns what satisfies the rule and what is missing, each missing piece with the page (a
route and its arguments) where it is fixed. Checks run in Python over prefetched rows, so a page asks the
database a fixed number of times however many applications and artefacts there are
(`load_evidence` makes one query per kind of artefact). Evaluating at a past day only
counts evidence that existed and was dated on or before it (backfilling a day's snapshot).

Other areas extend a gate by editing its check function (and `Evidence`/`load_evidence`
when they need more rows): gate 4 gains contact confirmation and coverage gaps, gate 9 the
hypercare plan.

The package by concept: `evidence` (the rows, loaded in bulk), `results` (a gate, a check's
outcome, a gate's result, the page where a missing piece is supplied), `helpers` (places and
days the checks share), `rules` (the nine gates; gate 4 in `escalation`), `verdict` (judging an
application on a day, stored as data: route names and ids, never addresses), `chart` (readiness
over time, as the stored snapshots recorded it) and `version` (the hash of the rules a stored
verdict used).
"""

from readiness.gates.chart import CHART_DAYS
from readiness.gates.evidence import Evidence, load_evidence
from readiness.gates.results import Check, Gate, GateResult, Missing, Status
from readiness.gates.rules import GATES, GATES_BY_CODE
from readiness.gates.verdict import Verdict, evaluate, verdict_for
from readiness.gates.version import rules_version

__all__ = [
    "CHART_DAYS", "GATES", "GATES_BY_CODE", "Check", "Evidence", "Gate", "GateResult", "Missing", "Status",
    "Verdict", "evaluate", "load_evidence", "rules_version", "verdict_for",
]
