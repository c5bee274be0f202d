"""The default triage rules every new application starts with (teams edit them afterwards).

Each entry is a class of problem: who owns it, example symptoms a support analyst might
type, and who holds each of the five duties for it.
"""

from __future__ import annotations

from typing import TypedDict


class DefaultRule(TypedDict):
    name: str
    description: str
    example_symptoms: list[str]
    owner_role: str
    duties: dict[str, str]


S, E, B = "support", "engineering", "business_owner"

# Duty fields in OwnershipRule: first_response, escalate, workaround, business_impact, user_comms.
_SUPPORT_LED = {"first_response": S, "escalate": S, "workaround": S, "business_impact": B, "user_comms": S}
_ENGINEERING_LED = {"first_response": S, "escalate": S, "workaround": E, "business_impact": B, "user_comms": S}
_BUSINESS_LED = {"first_response": S, "escalate": S, "workaround": B, "business_impact": B, "user_comms": B}

DEFAULT_RULES: list[DefaultRule] = [
    {
        "name": "Access, login and permissions",
        "description": "The user cannot get in, or cannot see what their role should show.",
        "example_symptoms": [
            "cannot log in",
            "login failure",
            "password reset",
            "account locked",
            "missing permission",
            "access denied",
        ],
        "owner_role": S,
        "duties": _SUPPORT_LED,
    },
    {
        "name": "How-to and expected-but-confusing behaviour",
        "description": "The system works as designed but the user needs help using it; the fix is procedural.",
        "example_symptoms": [
            "how do I",
            "where is the button",
            "cannot find the report",
            "navigation",
            "screen looks different",
        ],
        "owner_role": S,
        "duties": _SUPPORT_LED,
    },
    {
        "name": "Workflow failure or defect",
        "description": "A workflow fails, a job fails, or a screen errors: a defect.",
        "example_symptoms": [
            "error message when submitting",
            "order fails to submit",
            "page crashes",
            "failed job",
            "button does nothing",
        ],
        "owner_role": E,
        "duties": _ENGINEERING_LED,
    },
    {
        "name": "Integration misfires",
        "description": (
            "Data does not move between systems, or moves late. Faithfully moving bad data is a data problem."
        ),
        "example_symptoms": [
            "invoice not syncing",
            "order not reaching the ERP",
            "sync stuck",
            "integration queue backing up",
            "downstream system not updated",
        ],
        "owner_role": E,
        "duties": _ENGINEERING_LED,
    },
    {
        "name": "Wrong or missing data",
        "description": "Data is wrong or missing, including bad data an integration copied faithfully.",
        "example_symptoms": [
            "wrong price",
            "data mismatch",
            "missing customer record",
            "wrong fulfilment code",
            "totals do not match",
        ],
        "owner_role": E,
        "duties": _ENGINEERING_LED,
    },
    {
        "name": "Release regression",
        "description": "Something that worked before the last deployment no longer does.",
        "example_symptoms": [
            "broke after the release",
            "worked yesterday",
            "since the deployment",
            "regression",
        ],
        "owner_role": E,
        "duties": _ENGINEERING_LED,
    },
    {
        "name": "Policy, process or priority decision",
        "description": "The process itself is wrong, priorities conflict, or the 'bug' is a decision never made.",
        "example_symptoms": [
            "change the approval policy",
            "who should approve",
            "process is wrong",
            "conflicting priorities",
            "should customers be allowed to",
        ],
        "owner_role": B,
        "duties": _BUSINESS_LED,
    },
]


class DefaultExitCriterion(TypedDict):
    name: str
    description: str
    kind: str
    metric: str
    threshold: str | None


# The exit criteria every hypercare plan starts from; the team and business owner edit them
# before go-live. Metric codes are readiness.models.MetricCode values.
DEFAULT_EXIT_CRITERIA: list[DefaultExitCriterion] = [
    {
        "name": "No severity-1 incident in the last 7 days",
        "description": "Nothing stopped many users for a week.",
        "kind": "metric",
        "metric": "no_sev1_last_7_days",
        "threshold": "0",
    },
    {
        "name": "Support resolves most escalations without engineering",
        "description": "At least 80 % of the last 7 days' escalations were resolved by support alone.",
        "kind": "metric",
        "metric": "support_resolution_rate_7_days",
        "threshold": "80",
    },
    {
        "name": "Escalations per week are falling",
        "description": "Fewer escalations than the week before, or at most 2 in the last 7 days.",
        "kind": "metric",
        "metric": "escalations_per_week_falling",
        "threshold": "2",
    },
    {
        "name": "Every open known issue has a workaround",
        "description": "Support can answer every known problem of the current release.",
        "kind": "metric",
        "metric": "open_known_issues_have_workaround",
        "threshold": "0",
    },
    {
        "name": "Support ran a full incident cycle alone",
        "description": "At least one severity 1–2 incident handled by support from first call to resolution.",
        "kind": "metric",
        "metric": "support_full_cycle_alone",
        "threshold": "1",
    },
    {
        "name": "Business owner confirms the new process works",
        "description": "Attest with evidence, e.g. the first month-end orders reconciled with the ERP.",
        "kind": "attestation",
        "metric": "",
        "threshold": None,
    },
]
