"""Constraints several models share, written once so their names and messages follow one scheme."""

from __future__ import annotations

from django.db import models
from django.db.models.functions import Lower


def unique_ignoring_case(model: str, field: str, *within: str, message: str) -> models.UniqueConstraint:
    """`field` unique ignoring case (among the rows sharing `within`), as people read names.

    Named readiness_<model>_<field>_ci_unique, which is also its error code: forms check it
    where the user types (forms.mixins.UniqueWhereTypedMixin) and show `message` beside the field.
    """
    name = f"readiness_{model}_{field}_ci_unique"
    return models.UniqueConstraint(
        Lower(field), *within, name=name, violation_error_message=message, violation_error_code=name
    )
