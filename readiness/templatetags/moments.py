"""`{{ value|moment }}` and `{{ value|day }}`: a time or a day as a person reads it, in their timezone.

The handoff pack's dictionary keeps ISO 8601 text (its JSON export and the CSV stay machine
readable); pages show the same values through these filters, so a stored moment appears once,
in the viewer's own timezone (readiness.middleware.ViewerTimezoneMiddleware activates it).
"""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils import timezone

register = template.Library()

MOMENT_FORMAT = "D j M Y, H:i T"
DAY_FORMAT = "D j M Y"


def _parsed(value: object) -> date | datetime | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return None
    return None


@register.filter
def moment(value: object) -> str:
    """A moment (a datetime or its ISO text) in the viewer's timezone: "Tue 1 Dec 2026, 03:16 AEDT"."""
    parsed = _parsed(value)
    if not isinstance(parsed, datetime):
        return day(value) if parsed is not None else str(value or "")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return str(date_filter(timezone.localtime(parsed), MOMENT_FORMAT))


@register.filter
def day(value: object) -> str:
    """A day (a date or its ISO text): "Tue 1 Dec 2026"."""
    parsed = _parsed(value)
    if parsed is None:
        return str(value or "")
    if isinstance(parsed, datetime):
        parsed = timezone.localtime(parsed) if timezone.is_aware(parsed) else parsed
    return str(date_filter(parsed, DAY_FORMAT))
