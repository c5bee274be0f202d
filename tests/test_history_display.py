"""How the history page writes a stored value: readable, and never an error, whatever was stored."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db.models import Model

from readiness import models as m
from readiness.history import diff_fields, display


def _field(model: type[Model], name: str):
    return model._meta.get_field(name)


class Unprintable:
    def __str__(self) -> str:
        raise ValueError("no text for this")

    def __repr__(self) -> str:
        return "<Unprintable>"


@pytest.mark.parametrize(
    ("model", "name", "value", "shown"),
    [
        (m.Application, "stage", "hypercare", "Hypercare"),
        (m.Application, "stage", "retired", "retired"),  # a choice since removed from the code
        (m.Application, "go_live_date", date(2026, 3, 1), "1 Mar 2026"),
        (m.Application, "go_live_date", "2026-13-45", "2026-13-45"),  # text where a date should be
        (m.Application, "go_live_date", None, "—"),
        (m.Person, "left_on", Unprintable(), "<Unprintable>"),
        (m.Person, "last_confirmed_at", datetime(2026, 3, 1, 1, 30, tzinfo=UTC), "1 Mar 2026 12:30"),
        (m.Person, "last_confirmed_at", datetime(2026, 3, 1, 1, 30), "1 Mar 2026 01:30"),  # naive: old rows
        (m.Drill, "after_hours", True, "yes"),
        (m.ExitCriterion, "threshold", Decimal("90.0"), "90.0"),
        (m.EscalationLevel, "duties", ["first_response", "workaround"], "First response, Workaround"),
        (m.EscalationLevel, "duties", ["first_response", "juggling"], "First response, juggling"),
        (m.EscalationLevel, "duties", [], "—"),
        (m.EscalationLevel, "primary", 424242, "#424242 (removed)"),
    ],
)
def test_a_stored_value_is_shown(model: type, name: str, value: object, shown: str) -> None:
    assert display(_field(model, name), value, {}) == shown


def test_a_related_row_is_named() -> None:
    assert display(_field(m.EscalationLevel, "primary"), 7, {(m.Person, 7): "Aisha Karim"}) == "Aisha Karim"


def test_fields_left_out_of_history_are_never_compared() -> None:
    """The page once compared every field of the live model; history leaves some out."""
    assert "evidence_version" not in {f.name for f in diff_fields(m.Application.history.model)}
    person_fields = {f.name for f in diff_fields(m.Person.history.model)}
    assert {"verification_days", "next_reminder_at", "reminder_cycle", "stale_since"}.isdisjoint(person_fields)
    assert {"name", "phone", "left_on", "last_confirmed_at"} <= person_fields
    assert "key_hash" not in {f.name for f in diff_fields(m.ApiToken.history.model)}
