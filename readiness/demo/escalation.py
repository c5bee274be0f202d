"""Escalation in the demo world: the paths that still name a leaver are marked stale.

Sam Fletcher left three weeks ago and the pricing service's path still says "Message Sam":
the path page, the gate board and the lookup show that level as stale until someone
replaces him; his backup, Arjun Rao in Bengaluru, works a split shift that covers only part of
the Melbourne business day the level promises, so the path shows those hours as gaps. The
ordering portal's ERP level promises Sydney business hours only: its nights and weekends are
no gap, a New South Wales public holiday is.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q

from readiness.models import EscalationLevel, Person
from readiness.services.people import levels_mark_stale


def seed_escalation(today: date) -> None:
    leavers = Person.objects.filter(left_on__lte=today)
    levels = EscalationLevel.objects.filter(
        Q(primary__in=leavers) | Q(backup__in=leavers) | Q(after_hours_cover__in=leavers)
    ).select_related("primary", "backup", "after_hours_cover")
    levels_mark_stale(levels=list(levels))
