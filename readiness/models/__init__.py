"""Handoff's domain models, one module per concept. Import from here: `from readiness.models import Person`."""

from __future__ import annotations

from .applications import Application, Stage
from .escalation import Coverage, Duty, EscalationLevel, OwnerRole, OwnershipRule
from .people import Leave, Person, Team, WorkingHours
from .system import Heartbeat

__all__ = [
    "Application",
    "Coverage",
    "Duty",
    "EscalationLevel",
    "Heartbeat",
    "Leave",
    "OwnerRole",
    "OwnershipRule",
    "Person",
    "Stage",
    "Team",
    "WorkingHours",
]
