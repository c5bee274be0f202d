"""Small helpers the gate checks share: addresses of pages, days and ages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.utils import timezone

from readiness import links
from readiness.models import (
    Person,
)


def _address(name: str, args: tuple[Any, ...]) -> str | None:
    # Judging one application on 30 days asks the same addresses 30 times: reversed once.
    return links.address(f"readiness:{name}", *args)


def _url(name: str, *args: Any, query: str = "") -> str:
    return links.url(f"readiness:{name}", *args) + (f"?{query}" if query else "")


def _first_url(names: Iterable[str], *args: Any, fallback: str) -> str:
    """The first route that exists: pages of other areas may not be installed yet."""
    return next((url for name in names if (url := _address(name, args)) is not None), fallback)


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
