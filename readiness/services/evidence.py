"""The last step of most writes to an application's evidence: validate, save, and say so."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

from readiness.services.gates import application_evidence_changed

M = TypeVar("M", bound=models.Model)


def evidence_save(
    instance: M, *, application_ids: Iterable[int] | models.QuerySet[Any], update_fields: list[str] | None = None
) -> M:
    """Validate and save one row of these applications' evidence, then call
    application_evidence_changed for them, in the caller's transaction."""
    instance.full_clean()
    instance.save(update_fields=update_fields)
    application_evidence_changed(application_ids=application_ids)
    return instance
