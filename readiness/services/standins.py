"""Stand-ins (overrides): a named person covering a role of a level for a period."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from readiness.models import EscalationLevel, StandIn
from readiness.services.evidence import evidence_save
from readiness.services.gates import application_evidence_changed


@transaction.atomic
def standin_create(*, standin: StandIn) -> StandIn:
    """Store a stand-in, after its rules: one per role at a time, not the person replaced.

    The level's row is locked first, so two stand-ins sent at once for one role are checked one
    after the other (the second sees the first and is refused beside its dates). The lookup's
    stored directory holds stand-ins: the application's evidence moves on, so it is built again.
    """
    EscalationLevel.objects.select_for_update().filter(pk=standin.level_id).values_list("pk").first()
    return evidence_save(standin, application_ids=[standin.level.application_id])


@transaction.atomic
def standin_end(*, standin: StandIn, now: datetime | None = None) -> str:
    """End a current stand-in now, or cancel one that has not started (its history keeps it).

    Returns what was done: "ended" or "cancelled". One already over is refused.
    """
    now = now or timezone.now()
    # Locked and read again: two clicks at once end it once, the second is told it is over.
    locked = StandIn.objects.select_for_update().filter(pk=standin.pk).values_list("starts_at", "ends_at").first()
    if locked is None:
        raise ValidationError("This stand-in was already cancelled.")
    standin.starts_at, standin.ends_at = locked
    if standin.ends_at <= now:
        raise ValidationError("This stand-in is already over.")
    if standin.starts_at >= now:
        standin.delete()
        done = "cancelled"
    else:
        # Only the end moves, to now: the level may have been edited since (the stand-in named on it,
        # the role emptied), and re-judging the whole row would then refuse to end it at all.
        standin.ends_at = now
        standin.save(update_fields=["ends_at"])
        done = "ended"
    application_evidence_changed(application_ids=[standin.level.application_id])
    return done
