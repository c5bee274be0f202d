"""The demo world of shared/domain.md, built by `manage.py seed_demo`.

Harbour Lane Supplies, a wholesale distributor in Melbourne, is handing three applications
over to its support organisation (service desk in Melbourne and Sydney, an offshore team in
Manila, a hosting vendor). Each section is idempotent: it creates what is missing and leaves
what exists alone, so a second run changes nothing. Later areas append their section here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from django.db import transaction

from readiness.demo import artefacts, escalation, gates, hypercare, reminders, standins, world
from readiness.demo.world import DEMO_PASSWORD
from readiness.models import Person
from readiness.services.person_places import people_schedule_refresh

__all__ = ["DEMO_PASSWORD", "SECTIONS", "seed"]

# Each section takes today's date; order matters (later sections use earlier rows).
SECTIONS: list[Callable[[date], None]] = [
    world.seed_users,
    world.seed_people,
    world.seed_applications,
    world.seed_escalation_paths,
    standins.seed_standins,
    escalation.seed_escalation,
    artefacts.seed_artefacts,
    hypercare.seed_hypercare,
    reminders.seed_reminders,
]


@transaction.atomic
def seed(today: date) -> None:
    for section in SECTIONS:
        section(today)
    # The sections save rows directly, not through the services, so what those writes cause is
    # done once here, for everything: verification periods derived from the paths as seeded
    # (a second run changes nothing), then every application judged into its snapshots.
    people_schedule_refresh(person_ids=Person.objects.values_list("pk", flat=True))
    gates.seed_readiness_snapshots(today)
