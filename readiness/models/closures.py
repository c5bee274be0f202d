"""Days the whole organisation is closed, besides public holidays (readiness.public_holidays)."""

from __future__ import annotations

from django.db import models

from readiness.validators import validate_date_in_range


class ClosureDay(models.Model):
    """A day the whole organisation is closed (a shutdown, a stocktake), besides public holidays.

    Everyone is out of hours on it: services/people.py gives each current person (and each
    person added later) a Leave row marked with it, so the lookup's stored directory, which
    carries people's leave, carries the closure with no query of its own.
    """

    day = models.DateField(unique=True, validators=[validate_date_in_range])
    name = models.CharField(max_length=100, help_text="e.g. Christmas shutdown")

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.name} ({self.day:%a %d %b %Y})"

