"""Escalation levels and ownership rules of an application's support model."""

from __future__ import annotations

from django.db import models, transaction
from django.utils import timezone

from readiness.models import EscalationLevel, OwnershipRule
from readiness.services.evidence import evidence_save
from readiness.services.gates import application_evidence_changed
from readiness.services.person_places import people_schedule_refresh

_PEOPLE = ("primary_id", "backup_id", "after_hours_cover_id")


def levels_people(levels: models.QuerySet[EscalationLevel]) -> set[int]:
    """Everyone named on these levels (one query)."""
    return {pk for row in levels.values_list(*_PEOPLE) for pk in row if pk}


def level_stale_reason(level: EscalationLevel) -> str:
    """Why the level is stale: who on it has left. Empty when nobody has."""
    today = timezone.localdate()
    gone = []
    for role, person in (
        ("primary", level.primary),
        ("backup", level.backup),
        ("after-hours cover", level.after_hours_cover),
    ):
        # A leaving date in the future counts too: the path must be fixed before they go.
        if person is not None and person.left_on is not None:
            verb = "left" if person.has_left(today) else "leaves"
            gone.append(f"{person.name} ({role}) {verb} on {person.left_on:%d %b %Y}")
    reason = "; ".join(gone)
    return reason[:197] + "…" if len(reason) > 200 else reason


@transaction.atomic
def level_save(*, level: EscalationLevel) -> EscalationLevel:
    """Create or update a level. Saving it with nobody gone on it clears its staleness.

    Its people's verification periods are derived again: those put on it, and those taken off
    it (who may now be due later).
    """
    before = levels_people(EscalationLevel.objects.filter(pk=level.pk)) if level.pk else set()
    level.full_clean()
    reason = level_stale_reason(level)
    if reason:
        level.stale_since = level.stale_since or timezone.now()
        level.stale_reason = reason
    else:
        level.stale_since, level.stale_reason = None, ""
    level.save()
    application_evidence_changed(application_ids=[level.application_id])
    people_schedule_refresh(person_ids=before | {pk for pk in map(level.__dict__.get, _PEOPLE) if pk})
    return level


@transaction.atomic
def ownership_rule_save(*, rule: OwnershipRule) -> OwnershipRule:
    return evidence_save(rule, application_ids=[rule.application_id])
