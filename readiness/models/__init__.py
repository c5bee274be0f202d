"""Handoff's domain models, one module per concept. Import from here: `from readiness.models import Person`."""

from __future__ import annotations

from django.db.models import Model

from readiness.validators import apply_input_bounds

from .api import ApiToken
from .applications import Application, Stage
from .artefacts import (
    REQUIRED_DRILL_SCENARIOS,
    AccessCheck,
    AccessKind,
    ActionStatus,
    AlertCheck,
    AlertVerification,
    DecisionRecord,
    DecisionStatus,
    Drill,
    DrillAction,
    DrillScenario,
    KnownIssue,
    KnownIssueStatus,
    Runbook,
)
from .calendars import CalendarFeed
from .closures import ClosureDay
from .drill_calls import DrillCall
from .escalation import Coverage, Duty, EscalationLevel, OwnerRole, OwnershipRule
from .exercises import ExerciseHow, ExerciseOutcome, RunbookExercise
from .exit_criteria import CriterionKind, ExitCriterion, MetricCode
from .gates import GateCode, GateWaiver, ReadinessSnapshot
from .hypercare import Escalation, Hypercare, HypercareExtension, HypercareStatus, ResolvedBy, Severity
from .lookup import LookupDirectory
from .people import Leave, Person, ReminderChannel, ReminderStep, Team, WorkingHours
from .preferences import UserPreference
from .regressions import CountdownDigest, GateRegression
from .reminders import (
    Channel,
    ConfirmationKind,
    ContactConfirmation,
    ReachabilityResult,
    ReachabilityTest,
    ReminderLog,
)
from .sessions import UserSession
from .signoffs import SignOff, SignOffImmutable
from .standins import StandIn, StandInRole
from .system import FormSubmission, Heartbeat
from .webhooks import AlertWebhook, UnmatchedAlert

__all__ = [
    "ApiToken",
    "CalendarFeed",
    "REQUIRED_DRILL_SCENARIOS",
    "AccessCheck",
    "AccessKind",
    "ActionStatus",
    "AlertCheck",
    "AlertVerification",
    "DecisionRecord",
    "DecisionStatus",
    "Drill",
    "DrillAction",
    "DrillCall",
    "DrillScenario",
    "GateCode",
    "CountdownDigest",
    "UserPreference",
    "GateRegression",
    "GateWaiver",
    "ReadinessSnapshot",
    "LookupDirectory",
    "KnownIssue",
    "KnownIssueStatus",
    "Runbook",
    "RunbookExercise",
    "ExerciseHow",
    "ExerciseOutcome",
    "Application",
    "Coverage",
    "CriterionKind",
    "Duty",
    "Escalation",
    "EscalationLevel",
    "ExitCriterion",
    "FormSubmission",
    "Heartbeat",
    "Hypercare",
    "HypercareExtension",
    "HypercareStatus",
    "Leave",
    "MetricCode",
    "OwnerRole",
    "OwnershipRule",
    "Person",
    "Channel",
    "ClosureDay",
    "ConfirmationKind",
    "ContactConfirmation",
    "ReachabilityResult",
    "ReachabilityTest",
    "ReminderLog",
    "ReminderChannel",
    "ReminderStep",
    "ResolvedBy",
    "Severity",
    "SignOff",
    "SignOffImmutable",
    "Stage",
    "StandIn",
    "StandInRole",
    "Team",
    "WorkingHours",
    "AlertWebhook",
    "UnmatchedAlert",
    "UserSession",
]

# Every field of every model above gets the bounds of its kind (dates 2000–2100, one-line
# names, no NUL), so forms, full_clean() and services refuse what a page could not show again.
# Not ReadinessSnapshot: derived, never typed, and the checklist's chart judges the days before
# a go-live, which reach below the bound when the go-live is on it. Nor UserSession: Django's.
apply_input_bounds(
    model for model in (globals()[name] for name in __all__)
    if isinstance(model, type) and issubclass(model, Model) and model not in (ReadinessSnapshot, UserSession)
)
