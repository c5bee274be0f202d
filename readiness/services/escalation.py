"""Escalation levels and ownership rules of an application's support model."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from readiness.models import EscalationLevel, OwnershipRule


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
    """Create or update a level. Saving it with nobody gone on it clears its staleness."""
    level.full_clean()
    reason = level_stale_reason(level)
    if reason:
        level.stale_since = level.stale_since or timezone.now()
        level.stale_reason = reason
    else:
        level.stale_since, level.stale_reason = None, ""
    level.save()
    return level


@transaction.atomic
def ownership_rule_save(*, rule: OwnershipRule) -> OwnershipRule:
    rule.full_clean()
    rule.save()
    return rule


@transaction.atomic
def ownership_rule_delete(*, rule: OwnershipRule) -> None:
    rule.delete()
