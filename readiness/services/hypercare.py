"""Writes of hypercare: the plan and its agreement, criteria, the escalation log, extensions, sign-off."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from readiness.defaults import DEFAULT_EXIT_CRITERIA
from readiness.hypercare import hypercare_state
from readiness.models import (
    Application,
    Escalation,
    ExitCriterion,
    Hypercare,
    HypercareExtension,
    HypercareStatus,
    SignOff,
    Stage,
)
from readiness.models.exit_criteria import criteria_fingerprint
from readiness.models.hypercare import plan_fingerprint
from readiness.permissions import CLOSED_REASON, require
from readiness.services.evidence import evidence_save
from readiness.services.gates import application_evidence_changed
from readiness.signoffs import signoff_chain_hash


class SignOffRefused(Exception):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons



def _refuse_once_signed_off(application_id: int) -> None:
    """Under the application's lock, the one a sign-off takes: refused once hypercare is signed off.

    Views ask the permission table first, but what they read may be a moment old: a sign-off
    committed in between must still close the plan, its evidence and extensions."""
    Application.objects.select_for_update().filter(pk=application_id).first()
    if Hypercare.objects.filter(application_id=application_id, status=HypercareStatus.EXITED).exists():
        raise PermissionDenied(CLOSED_REASON)


@transaction.atomic
def exit_criteria_install_defaults(*, application: Application) -> list[ExitCriterion]:
    """Give an application the template criteria, unless it already has criteria of its own."""
    if application.exit_criteria.exists():
        return []
    created = []
    for position, default in enumerate(DEFAULT_EXIT_CRITERIA, start=1):
        threshold = default["threshold"]
        criterion = ExitCriterion(
            application=application,
            position=position,
            **{**default, "threshold": Decimal(threshold) if threshold is not None else None},
        )
        criterion.full_clean()
        criterion.save()
        created.append(criterion)
    application_evidence_changed(application_ids=[application.pk])
    return created


@transaction.atomic
def hypercare_plan_save(
    *, application: Application, starts_on: date, planned_end_on: date, rules_in_force: str
) -> Hypercare:
    """Create or change the hypercare window; criteria come from the template the first time."""
    _refuse_once_signed_off(application.pk)
    hypercare = Hypercare.objects.filter(application=application).first() or Hypercare(application=application)
    hypercare.starts_on = starts_on
    hypercare.planned_end_on = planned_end_on
    hypercare.rules_in_force = rules_in_force
    hypercare.full_clean()
    # Only the plan's own fields: a sign-off committed meanwhile keeps its status and chain head.
    plan_fields = ["starts_on", "planned_end_on", "rules_in_force", "updated_at"]
    hypercare.save(update_fields=plan_fields if hypercare.pk else None)
    exit_criteria_install_defaults(application=application)
    application_evidence_changed(application_ids=[application.pk])
    return hypercare


@transaction.atomic
def hypercare_agree(*, hypercare: Hypercare, by: User, now: datetime | None = None) -> Hypercare:
    """The business owner agrees the window, rules and criteria as they stand now."""
    application = hypercare.application
    # Checked here as well as in the view: the signature is the owner's, whoever calls.
    require(by, "hypercare.agree", application)
    _refuse_once_signed_off(application.pk)
    criteria = list(application.exit_criteria.all())
    if not criteria:
        raise ValidationError("Add at least one exit criterion before agreeing the plan.")
    hypercare.agreed_at = now or timezone.now()
    hypercare.agreed_by = by
    hypercare.agreed_fingerprint = plan_fingerprint(hypercare, criteria)
    # `hypercare` may have been read long before: write only the agreement, never a stale chain head.
    return evidence_save(hypercare, application_ids=[application.pk],
                         update_fields=["agreed_at", "agreed_by", "agreed_fingerprint", "updated_at"])


@transaction.atomic
def exit_criterion_save(*, criterion: ExitCriterion) -> ExitCriterion:
    """Create or redefine a criterion. A redefined criterion loses any acceptance given to the old one."""
    if criterion.pk is not None:
        before = ExitCriterion.objects.get(pk=criterion.pk)
        if before.definition() != criterion.definition():
            criterion.withdraw_acceptance()
    saved = evidence_save(criterion, application_ids=[criterion.application_id])
    hypercare_reopen_if_invalidated(application=criterion.application)
    return saved


def _what_changed(signed: list[dict[str, Any]], now_defined: list[ExitCriterion]) -> str:
    """The criteria whose definition differs from the one signed, in words."""
    by_id = {c.get("id"): c for c in signed}
    changes = []
    for criterion in now_defined:
        before = by_id.pop(criterion.pk, None)
        if before is None:
            changes.append(f"“{criterion.name}” was added")
            continue
        after = criterion.definition()
        if before.get("threshold") != after["threshold"]:
            now_, then = (str(v or "none").removesuffix(".0") for v in (after["threshold"], before.get("threshold")))
            changes.append(f"“{criterion.name}” now needs {now_} (signed with {then})")
        elif {k: before.get(k) for k in after} != after:
            changes.append(f"“{criterion.name}” was redefined")
    changes.extend(f"“{c.get('name')}” was removed" for c in by_id.values())
    return "; ".join(changes) or "the exit criteria changed"


@transaction.atomic
def hypercare_reopen_if_invalidated(*, application: Application, now: datetime | None = None) -> bool:
    """Back to hypercare when the criteria no longer match the sign-off that closed it.

    The sign-off stays as signed (it is an audit record); what moves is the application (stage
    hypercare again), its hypercare (open again, the reason kept for the dashboard and the
    checklist) and the verdicts. Called by whatever redefines a criterion. True if it reopened.
    """
    hypercare = Hypercare.objects.select_for_update().filter(application=application).first()
    if hypercare is None or hypercare.status != HypercareStatus.EXITED:
        return False
    criteria = list(application.exit_criteria.all())
    sign_off = SignOff.objects.select_related("signed_by").latest_for(application)
    if sign_off is None or not sign_off.is_invalidated(criteria_fingerprint(criteria)):
        return False
    by = sign_off.signed_by.get_full_name() or sign_off.signed_by.get_username()
    hypercare.status = HypercareStatus.EXTENDED if hypercare.extensions.exists() else HypercareStatus.ACTIVE
    hypercare.exited_at = None
    hypercare.reopened_at = now or timezone.now()
    hypercare.reopened_reason = (
        f"The sign-off by {by} no longer holds: {_what_changed(sign_off.snapshot.get('criteria', []), criteria)}. "
        "The business owner signs off again once the criteria are met."
    )
    hypercare.full_clean()
    hypercare.save(update_fields=["status", "exited_at", "reopened_at", "reopened_reason", "updated_at"])
    application.stage = Stage.HYPERCARE
    application.save(update_fields=["stage", "updated_at"])
    application_evidence_changed(application_ids=[application.pk])
    return True


@transaction.atomic
def exit_criterion_attest(
    *, criterion: ExitCriterion, evidence: str, by: User, now: datetime | None = None
) -> ExitCriterion:
    _refuse_once_signed_off(criterion.application_id)
    criterion.evidence = evidence.strip()
    if not criterion.evidence:
        raise ValidationError({"evidence": "Describe the evidence."})
    criterion.attested_by = by
    criterion.attested_at = now or timezone.now()
    return evidence_save(criterion, application_ids=[criterion.application_id])


@transaction.atomic
def exit_criterion_accept_unmet(
    *, criterion: ExitCriterion, reason: str, by: User, now: datetime | None = None
) -> ExitCriterion:
    require(by, "hypercare.accept_criterion", criterion.application)
    _refuse_once_signed_off(criterion.application_id)
    criterion.accepted_unmet = True
    criterion.accepted_reason = reason.strip()
    criterion.accepted_by = by
    criterion.accepted_at = now or timezone.now()
    return evidence_save(criterion, application_ids=[criterion.application_id])


@transaction.atomic
def escalation_log(
    *,
    application: Application,
    occurred_at: datetime,
    severity: int,
    problem_class_id: int,
    from_level_id: int,
    to_level_id: int | None,
    summary: str,
    logged_by: User,
    resolved_by: str = "",
    minutes_to_resolve: int | None = None,
    minutes_to_answer: int | None = None,
) -> Escalation:
    """Record one escalation; times in minutes become `resolved_at` and `answered_at`.

    The log feeds the exit criteria and the path page's measured time-to-answer, both read live:
    no stored verdict depends on it. Only the application's members who log escalations write it.
    """
    require(logged_by, "escalation_log.write", application)
    escalation = Escalation(
        application=application,
        occurred_at=occurred_at,
        severity=severity,
        problem_class_id=problem_class_id,
        from_level_id=from_level_id,
        to_level_id=to_level_id,
        summary=summary,
        logged_by=logged_by,
        resolved_by=resolved_by,
        resolved_at=occurred_at + timedelta(minutes=minutes_to_resolve) if minutes_to_resolve is not None else None,
        answered_at=occurred_at + timedelta(minutes=minutes_to_answer) if minutes_to_answer is not None else None,
    )
    escalation.full_clean()
    escalation.save()
    return escalation


@transaction.atomic
def escalation_resolve(
    *, escalation: Escalation, resolved_by: str, resolved_at: datetime, minutes_to_answer: int | None = None
) -> Escalation:
    """Close an entry logged while still open; with the time the called level took to answer,
    when it was logged before anyone had (an answer already recorded stays)."""
    if escalation.resolved_at is not None:
        raise ValidationError({"resolved_by": "This escalation is already resolved."})
    escalation.resolved_by = resolved_by
    escalation.resolved_at = resolved_at
    if minutes_to_answer is not None and escalation.answered_at is None:
        escalation.answered_at = escalation.occurred_at + timedelta(minutes=minutes_to_answer)
    escalation.full_clean()
    escalation.save(update_fields=["resolved_by", "resolved_at", "answered_at"])
    return escalation


@transaction.atomic
def hypercare_extend(
    *, hypercare: Hypercare, reason: str, new_end_on: date, by: User, now: datetime | None = None
) -> HypercareExtension:
    _refuse_once_signed_off(hypercare.application_id)
    now = now or timezone.now()
    if new_end_on <= hypercare.current_end_on:
        current = hypercare.current_end_on
        raise ValidationError({"new_end_on": f"Choose a date after the current end, {current:%d %b %Y}."})
    extension = HypercareExtension(
        hypercare=hypercare, reason=reason.strip(), new_end_on=new_end_on, decided_by=by, decided_at=now
    )
    extension.full_clean()
    extension.save()
    hypercare.status = HypercareStatus.EXTENDED
    hypercare.save(update_fields=["status", "updated_at"])
    application_evidence_changed(application_ids=[hypercare.application_id])
    return extension


@transaction.atomic
def hypercare_sign_off(
    *, application: Application, by: User, statement: str = "", now: datetime | None = None
) -> SignOff:
    """The business owner signs hypercare exit; the stage moves to business as usual.

    Refused, with every reason, unless each criterion is met or its shortfall accepted.
    The snapshot keeps each criterion's definition and value as they were at this moment.
    """
    require(by, "hypercare.sign_off", application)
    now = now or timezone.now()
    # Lock the application so two sign-offs cannot race past the same checks.
    Application.objects.select_for_update().filter(pk=application.pk).first()
    state = hypercare_state(application, now=now)
    reasons = state.sign_off_blockers(timezone.localdate(now))
    if reasons:
        raise SignOffRefused(reasons)
    hypercare = state.hypercare
    assert hypercare is not None  # a missing plan is a blocker above
    sign_off = SignOff(
        application=application,
        signed_by=by,
        signed_at=now,
        statement=statement.strip(),
        fingerprint=criteria_fingerprint(state.criteria),
        snapshot={
            "application": {"slug": application.slug, "name": application.name, "release": application.current_release},
            "hypercare": {
                "starts_on": hypercare.starts_on.isoformat(),
                "planned_end_on": hypercare.planned_end_on.isoformat(),
                "current_end_on": hypercare.current_end_on.isoformat(),
                "rules_in_force": hypercare.rules_list,
            },
            "computed_at": now.isoformat(),
            "criteria": [result.snapshot() for result in state.results],
        },
    )
    # The chain: numbered after the hypercare row's head (locked with the application above),
    # hashed over what was signed, and the head moved on in this same transaction.
    sign_off.sequence = hypercare.signoff_count + 1
    sign_off.previous_hash = hypercare.signoff_head
    sign_off.chain_hash = signoff_chain_hash(sign_off.previous_hash, sign_off)
    sign_off.full_clean()
    sign_off.save()
    hypercare.status = HypercareStatus.EXITED
    hypercare.exited_at = now
    hypercare.signoff_count = sign_off.sequence
    hypercare.signoff_head = sign_off.chain_hash
    hypercare.reopened_at, hypercare.reopened_reason = None, ""
    hypercare.save(update_fields=["status", "exited_at", "signoff_count", "signoff_head", "reopened_at",
                                  "reopened_reason", "updated_at"])
    application.stage = Stage.BAU
    application.save(update_fields=["stage", "updated_at"])
    application_evidence_changed(application_ids=[application.pk])
    return sign_off
