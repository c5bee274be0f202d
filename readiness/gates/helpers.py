"""Small helpers the gate checks share: places to fix things, days and ages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from readiness.gates.results import Place
from readiness.models import (
    Person,
)


def _place(route: str, *args: str | int, query: str = "", fragment: str = "") -> Place:
    """The page of readiness.urls where a missing piece is supplied, as data (stored with the verdict)."""
    return Place(route, args, query, fragment)


def _day(value: Any) -> date:
    return timezone.localdate(value) if hasattr(value, "tzinfo") and value.tzinfo else value


def _existed(row: Any, on: date) -> bool:
    created = getattr(row, "created_at", None)
    return created is None or _day(created) <= on


def _age(day: date | None, on: date) -> int | None:
    """Days since `day` as seen on `on`; None when it had not happened yet."""
    if day is None or day > on:
        return None
    return (on - day).days


def _fmt(day: date) -> str:
    return f"{day:%d %b %Y}"


def _gone(person: Person | None, on: date) -> bool:
    return person is not None and person.has_left(on)


def leaver_text(person: Person, role: str, on: date) -> str:
    """Who must be replaced, as the checklist and the leaver's page say it: "Ben Walsh left on
    3 Dec 2026: replace them as L2 primary (Engineering)" ("leaves on" for a day ahead of `on`)."""
    assert person.left_on is not None
    verb = "left" if person.left_on <= on else "leaves"
    return f"{person.name} {verb} on {person.left_on.day} {person.left_on:%b %Y}: replace them as {role}"
