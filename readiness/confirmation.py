"""How fresh the details Handoff holds about a contact are: one rule for the pages, the sheet and the API.

- stale: the last reminder went unanswered (the reminder sweep set `stale_since`), or the last
  confirmation is older than the contact's verification period (they are overdue);
- never: they never confirmed (and are not overdue yet): shown as such, never as fresh;
- confirmed: they confirmed within their verification period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone

from readiness.models import Person


class ConfirmationState(models.TextChoices):
    CONFIRMED = "confirmed", "Confirmed"
    STALE = "stale", "Stale"
    NEVER = "never", "Never confirmed"


@dataclass(frozen=True)
class Confirmation:
    state: ConfirmationState
    confirmed_at: datetime | None
    # Whole days since the last confirmation; None when there was none.
    age_days: int | None
    stale_since: datetime | None

    def as_json(self) -> dict[str, Any]:
        """The API's `confirmation` of a contact."""
        return {
            "state": self.state.value,
            "confirmed_at": timezone.localtime(self.confirmed_at).isoformat() if self.confirmed_at else None,
            "age_days": self.age_days,
        }

    @property
    def is_stale(self) -> bool:
        return self.state == ConfirmationState.STALE


def confirmation_of(person: Person, now: datetime) -> Confirmation:
    confirmed = person.last_confirmed_at
    age = max((now - confirmed).days, 0) if confirmed else None
    if person.stale_since is not None or (age is not None and age > person.verification_days):
        state = ConfirmationState.STALE
    elif confirmed is None:
        state = ConfirmationState.NEVER
    else:
        state = ConfirmationState.CONFIRMED
    return Confirmation(state, confirmed, age, person.stale_since)
