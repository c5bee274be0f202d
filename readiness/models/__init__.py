"""Handoff's domain models, one module per concept. Import from here: `from readiness.models import Person`."""

from __future__ import annotations

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
from .escalation import Coverage, Duty, EscalationLevel, OwnerRole, OwnershipRule
from .gates import GateCode, GateWaiver, ReadinessSnapshot
from .hypercare import (
    CriterionKind,
    Escalation,
    ExitCriterion,
    Hypercare,
    HypercareExtension,
    HypercareStatus,
    MetricCode,
    ResolvedBy,
    Severity,
    SignOff,
    SignOffImmutable,
)
from .people import Leave, Person, ReminderStep, Team, WorkingHours
from .reminders import (
    Channel,
    ConfirmationKind,
    ContactConfirmation,
    ReachabilityResult,
    ReachabilityTest,
    ReminderLog,
)
from .system import FormSubmission, Heartbeat

__all__ = [
    "ApiToken",
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
    "DrillScenario",
    "GateCode",
    "GateWaiver",
    "ReadinessSnapshot",
    "KnownIssue",
    "KnownIssueStatus",
    "Runbook",
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
    "ConfirmationKind",
    "ContactConfirmation",
    "ReachabilityResult",
    "ReachabilityTest",
    "ReminderLog",
    "ReminderStep",
    "ResolvedBy",
    "Severity",
    "SignOff",
    "SignOffImmutable",
    "Stage",
    "Team",
    "WorkingHours",
]
