"""What a user may store, so that every stored value can be shown again (issue 12, hardening).

One place for the bounds of input: dates and moments between 2000 and 2100 (a page computing
"days until go-live" from 0001-01-01, or PostgreSQL handing back a moment before year 1 in
UTC, answered 500 for everyone), single-line text without line breaks or control characters
(a name with a line break broke every later email subject), and no NUL anywhere (PostgreSQL
refuses it in text). `apply_input_bounds` puts the validators on every field of the models,
so ModelForms, full_clean() and services all refuse the same values; `in_range` writes the
same date bounds as a CheckConstraint, so no row can hold what a page cannot show.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models

# Bounds no real user meets: far enough for old evidence and long plans, near enough that any
# arithmetic on them (days between, a week added, the UTC offset) stays inside Python's dates.
DATE_MIN = date(2000, 1, 1)
DATE_MAX = date(2100, 12, 31)
MOMENT_MIN = datetime(2000, 1, 1, tzinfo=UTC)
MOMENT_MAX = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

# A multi-line text (a runbook's steps, a decision's context) is read on a page: ten thousand
# characters is several printed pages. Longer is a paste gone wrong, refused beside the field.
TEXT_MAX_LENGTH = 10_000

DATE_RANGE_MESSAGE = "Enter a date between 1 Jan 2000 and 31 Dec 2100."
SINGLE_LINE_MESSAGE = "Keep this to one line: no line breaks, tabs or control characters."

validate_no_nul = ProhibitNullCharactersValidator()
validate_text_length = MaxLengthValidator(TEXT_MAX_LENGTH)


def validate_date_in_range(value: date) -> None:
    if isinstance(value, datetime):
        validate_moment_in_range(value)
    elif not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


def validate_moment_in_range(value: datetime) -> None:
    # Aware values compare across time zones without converting (converting 0001-01-01 east of
    # UTC overflows); a naive one is read as UTC, the way the bounds are written.
    moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    if not MOMENT_MIN <= moment <= MOMENT_MAX:
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


def validate_single_line(value: str) -> None:
    # Control characters (Cc: NUL, tab, CR, LF, ESC…) and the Unicode line and paragraph
    # separators: anything that would break a subject line, a CSV row or a log line.
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="not_single_line")


def one_line(text: str) -> str:
    """`text` made one line: what validate_single_line refuses becomes a space, runs of spaces one.
    For text read from other systems (a calendar's event title), kept rather than refused."""
    return " ".join("".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char
                            for char in text).split())


def bounds_for(field: models.Field[Any, Any]) -> list[Any]:
    """The validators a model field of this kind needs: the one rule, by the field's class."""
    if isinstance(field, models.DateTimeField):
        return [validate_moment_in_range]
    if isinstance(field, models.DateField):
        return [validate_date_in_range]
    if isinstance(field, models.TextField):
        return [validate_no_nul, validate_text_length]
    if isinstance(field, models.CharField):
        # Includes SlugField, EmailField and URLField: one line each (NUL is a control character).
        return [validate_single_line]
    return []


def apply_input_bounds(model_classes: Iterable[type[models.Model]]) -> None:
    """Add `bounds_for` each field to its validators, once, for every field of the models.

    Called for all of readiness's models when they are defined (readiness/models/__init__.py):
    a field added later gets its bounds without anyone remembering to.
    """
    for model in model_classes:
        for field in model._meta.local_fields:
            missing = [v for v in bounds_for(field) if v not in field._validators]  # type: ignore[attr-defined]
            if missing:
                # New lists, not appends: simple_history's copies of the fields share the old ones.
                # `_validators` is what migrations see; `validators`, cached, what runs (a
                # CharField's own MaxLengthValidator lives only there).
                running = field.validators
                field._validators = [*field._validators, *missing]  # type: ignore[attr-defined]
                field.__dict__["validators"] = [*running, *missing]


def in_range(model: str, field: str, *, moment: bool = False) -> models.CheckConstraint:
    """The database's copy of the bounds of one date (or, `moment`, datetime) field; NULL passes.

    Named readiness_<model>_<field>_in_range, with the message the validators give.
    """
    low, high = (MOMENT_MIN, MOMENT_MAX) if moment else (DATE_MIN, DATE_MAX)
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__isnull": True}) | models.Q(**{f"{field}__range": (low, high)}),
        name=f"readiness_{model}_{field}_in_range",
        violation_error_message=DATE_RANGE_MESSAGE,
    )
