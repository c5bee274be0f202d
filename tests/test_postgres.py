"""Behaviour that depends on PostgreSQL itself (the whole suite also runs on it in CI)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from tests import factories

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_suite_runs_on_real_postgresql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version()")
        assert cursor.fetchone()[0].startswith("PostgreSQL")


def test_database_refuses_working_hours_that_end_when_they_start() -> None:
    # A window ending before it starts runs past midnight (a night shift); one ending as it
    # starts is empty.
    from datetime import time

    from readiness.models import WorkingHours

    person = factories.PersonFactory(hours=(time(9), time(17), range(0, 1)))
    WorkingHours.objects.create(person=person, weekday=3, starts_at=time(22), ends_at=time(6))
    with pytest.raises(IntegrityError, match="readiness_workinghours_not_empty"), transaction.atomic():
        WorkingHours.objects.create(person=person, weekday=2, starts_at=time(9), ends_at=time(9))
