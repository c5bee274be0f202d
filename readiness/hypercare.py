"""Reads of hypercare: each exit criterion's current value, whether it is met, and what blocks sign-off.

Values are computed from Handoff's own records (the escalation log, known issues) every time
they are shown, so logging an escalation changes them at once. One evaluation costs a fixed
number of queries however many escalations and criteria there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from readiness.models import (
    Application,
    CriterionKind,
    Escalation,
    ExitCriterion,
    Hypercare,
    KnownIssue,
    KnownIssueStatus,
    MetricCode,
    ResolvedBy,
    SignOff,
)
from readiness.models.exit_criteria import criteria_fingerprint

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class CriterionResult:
    criterion: ExitCriterion
    value: Decimal | int | None
    value_text: str
    met: bool

    @property
    def status(self) -> str:
        if self.met:
            return "met"
        return "accepted" if self.criterion.accepted_unmet else "unmet"

    @property
    def status_label(self) -> str:
        return {"met": "Met", "accepted": "Not met — accepted", "unmet": "Not met"}[self.status]

    @property
    def threshold_text(self) -> str:
        c = self.criterion
        if c.kind == CriterionKind.ATTESTATION:
            return "Evidence recorded"
        t = c.threshold_text.removesuffix(".0")
        labels: dict[str, str] = {
            MetricCode.NO_SEV1_LAST_7_DAYS: f"at most {t}",
            MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS: f"at least {t} %",
            MetricCode.ESCALATIONS_PER_WEEK_FALLING: f"fewer than the week before, or at most {t}",
            MetricCode.OPEN_KNOWN_ISSUES_HAVE_WORKAROUND: f"at most {t} without a workaround",
            MetricCode.SUPPORT_FULL_CYCLE_ALONE: f"at least {t}",
        }
        return labels.get(c.metric, t)

    def snapshot(self) -> dict[str, Any]:
        c = self.criterion
        return {
            **c.definition(),
            "threshold_text": self.threshold_text,
            "value": None if self.value is None else str(self.value),
            "value_text": self.value_text,
            "met": self.met,
            "accepted_unmet": c.accepted_unmet,
            "accepted_reason": c.accepted_reason,
            "evidence": c.evidence,
            "attested_at": c.attested_at.isoformat() if c.attested_at else None,
        }


@dataclass
class _Facts:
    """What the metrics read, fetched once: escalations of the last 14 days and of hypercare, known issues."""

    now: datetime
    escalations: list[Escalation]
    hypercare_start: datetime | None
    open_issues_without_workaround: int
    open_issues: int

    def in_window(self, start: datetime, end: datetime) -> list[Escalation]:
        return [e for e in self.escalations if start <= e.occurred_at < end]


def _fetch_facts(application: Application, hypercare: Hypercare | None, now: datetime) -> _Facts:
    start = None
    if hypercare is not None:
        start = timezone.make_aware(datetime.combine(hypercare.starts_on, datetime.min.time()))
    since = min(filter(None, [now - 2 * WEEK, start]))
    escalations = list(
        Escalation.objects.filter(application=application, occurred_at__gte=since, occurred_at__lte=now).only(
            "occurred_at", "severity", "resolved_by", "resolved_at"
        )
    )
    issues = list(
        KnownIssue.objects.filter(application=application, status=KnownIssueStatus.OPEN).values_list(
            "workaround", flat=True
        )
    )
    return _Facts(
        now=now,
        escalations=escalations,
        hypercare_start=start,
        open_issues=len(issues),
        open_issues_without_workaround=sum(1 for w in issues if not w.strip()),
    )


def _evaluate_metric(criterion: ExitCriterion, facts: _Facts) -> tuple[Decimal | int | None, str, bool]:
    threshold = criterion.threshold if criterion.threshold is not None else Decimal(0)
    now = facts.now
    last_week = facts.in_window(now - WEEK, now + timedelta(seconds=1))
    code = criterion.metric
    if code == MetricCode.NO_SEV1_LAST_7_DAYS:
        count = sum(1 for e in last_week if e.severity == 1)
        return count, f"{count} severity-1 in the last 7 days", count <= threshold
    if code == MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS:
        if not last_week:
            return None, "no escalations in the last 7 days", True
        by_support = sum(1 for e in last_week if e.resolved_by == ResolvedBy.SUPPORT)
        rate = (Decimal(100) * by_support / len(last_week)).quantize(Decimal("0.1"))
        text = f"{rate.normalize():f} % ({by_support} of {len(last_week)}) by support alone"
        return rate, text, rate >= threshold
    if code == MetricCode.ESCALATIONS_PER_WEEK_FALLING:
        previous = len(facts.in_window(now - 2 * WEEK, now - WEEK))
        current = len(last_week)
        text = f"{current} in the last 7 days, {previous} the 7 days before"
        return current, text, current < previous or current <= threshold
    if code == MetricCode.OPEN_KNOWN_ISSUES_HAVE_WORKAROUND:
        missing = facts.open_issues_without_workaround
        return missing, f"{missing} of {facts.open_issues} open known issues without a workaround", missing <= threshold
    if code == MetricCode.SUPPORT_FULL_CYCLE_ALONE:
        start = facts.hypercare_start
        alone = sum(
            1
            for e in facts.escalations
            if e.severity <= 2 and e.resolved_by == ResolvedBy.SUPPORT and (start is None or e.occurred_at >= start)
        )
        return alone, f"{alone} severity 1–2 incidents resolved by support alone", alone >= threshold
    return None, "unknown metric", False


def evaluate_criterion(criterion: ExitCriterion, facts: _Facts) -> CriterionResult:
    if criterion.kind == CriterionKind.ATTESTATION:
        met = bool(criterion.evidence.strip()) and criterion.attested_at is not None
        text = f"attested {timezone.localtime(criterion.attested_at):%d %b %Y}" if met else "no evidence yet"
        return CriterionResult(criterion, None, text, met)
    value, text, met = _evaluate_metric(criterion, facts)
    return CriterionResult(criterion, value, text, bool(met))


@dataclass(frozen=True)
class HypercareState:
    """Everything the hypercare page, the gate and the handoff pack need, read once."""

    application: Application
    hypercare: Hypercare | None
    criteria: list[ExitCriterion]
    results: list[CriterionResult]
    sign_off: SignOff | None
    fingerprint: str

    @property
    def plan_agreed(self) -> bool:
        return self.hypercare is not None and bool(self.criteria) and self.hypercare.is_agreed(self.criteria)

    @property
    def sign_off_invalidated(self) -> bool:
        return self.sign_off is not None and self.sign_off.is_invalidated(self.fingerprint)

    @property
    def signed_off(self) -> bool:
        return self.sign_off is not None and not self.sign_off_invalidated

    @property
    def met_count(self) -> int:
        return sum(1 for r in self.results if r.met)

    def sign_off_blockers(self, today: Any) -> list[str]:
        """Plain reasons the business owner cannot sign off now; empty when they can."""
        reasons = []
        if self.hypercare is None:
            reasons.append("There is no hypercare plan for this application.")
        elif today < self.hypercare.starts_on:
            reasons.append(f"Hypercare has not started yet: it starts on {self.hypercare.starts_on:%d %b %Y}.")
        if not self.criteria:
            reasons.append("There are no exit criteria to sign off against.")
        if self.signed_off:
            reasons.append("Hypercare is already signed off, and no criterion has changed since.")
        for result in self.results:
            if result.status == "unmet":
                reasons.append(
                    f"“{result.criterion.name}” is not met ({result.value_text}; needs {result.threshold_text}) "
                    "and has not been accepted with a reason."
                )
        return reasons


def hypercare_state(application: Application, *, now: datetime | None = None) -> HypercareState:
    hypercare = Hypercare.objects.filter(application=application).prefetch_related("extensions").first()
    criteria = list(application.exit_criteria.all())
    facts = _fetch_facts(application, hypercare, now or timezone.now())
    return HypercareState(
        application=application,
        hypercare=hypercare,
        criteria=criteria,
        results=[evaluate_criterion(c, facts) for c in criteria],
        sign_off=SignOff.objects.select_related("signed_by").latest_for(application),
        fingerprint=criteria_fingerprint(criteria),
    )
