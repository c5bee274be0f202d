"""The demo's stand-in: Ben Walsh covers Lachlan Ng's primary role on the dispatch board's
engineering level during Lachlan's annual leave next week, so a new user meets one on the path
page, the ownership sheet and in "Who do I call?" for that week."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User

from readiness.models import EscalationLevel, Person, StandIn, StandInRole


def seed_standins(today: date) -> None:
    level = (
        EscalationLevel.objects.filter(application__slug="dispatch-board", position=2).select_related("primary").first()
    )
    if level is None or level.standins.exists():
        return
    ben = Person.objects.get(email="ben.walsh@harbourlane.example")
    zone = level.primary.zone
    # Lachlan's leave (readiness/demo/world.py): from the start of day 7 to the end of day 11.
    standin = StandIn(
        level=level,
        role=StandInRole.PRIMARY,
        person=ben,
        starts_at=datetime.combine(today + timedelta(days=7), time(0), tzinfo=zone),
        ends_at=datetime.combine(today + timedelta(days=12), time(0), tzinfo=zone),
        reason="Lachlan on annual leave; Ben knows the dispatch jobs",
        created_by=User.objects.filter(username="lead").first(),
    )
    standin.full_clean()
    standin.save()
