"""Evidence: every artefact of an application that its gates are judged on, loaded in bulk."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.utils import timezone

from readiness.models import (
    AccessCheck,
    AlertCheck,
    Application,
    DecisionRecord,
    Drill,
    DrillAction,
    EscalationLevel,
    ExitCriterion,
    GateWaiver,
    Hypercare,
    KnownIssue,
    OwnershipRule,
    Runbook,
)
from readiness.models.standins import attach_standins


@dataclass
class Evidence:
    """Everything one application's gates are judged on, loaded in bulk by `load_evidence`."""

    application: Application
    runbooks: list[Runbook] = field(default_factory=list)
    alerts: list[AlertCheck] = field(default_factory=list)
    access_checks: list[AccessCheck] = field(default_factory=list)
    known_issues: list[KnownIssue] = field(default_factory=list)
    drills: list[Drill] = field(default_factory=list)
    decisions: list[DecisionRecord] = field(default_factory=list)
    levels: list[EscalationLevel] = field(default_factory=list)
    ownership_rules: list[OwnershipRule] = field(default_factory=list)
    waivers: list[GateWaiver] = field(default_factory=list)
    hypercare: Hypercare | None = None
    exit_criteria: list[ExitCriterion] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """How many of each artefact the checklist links to or lists."""
        return {
            "runbook": len(self.runbooks), "alert": len(self.alerts), "access": len(self.access_checks),
            "knownissue": len(self.known_issues), "drill": len(self.drills), "decision": len(self.decisions),
            "waiver": len(self.waivers),
        }


def load_evidence(applications: Iterable[Application]) -> dict[int, Evidence]:
    """Every artefact of these applications, with one query per kind of artefact."""
    bundles = {app.pk: Evidence(application=app) for app in applications}
    ids = list(bundles)
    if not ids:
        return bundles

    def fill(attr: str, rows: Iterable[Any]) -> None:
        for row in rows:
            getattr(bundles[row.application_id], attr).append(row)

    # Exercises newest first: the runbook gate reads the latest one recorded by the day judged.
    fill("runbooks", Runbook.objects.filter(application_id__in=ids).select_related("escalation_level")
         .prefetch_related(models.Prefetch("exercises", queryset=_exercises())))
    fill("alerts", AlertCheck.objects.filter(application_id__in=ids).select_related("owner").prefetch_related(
        models.Prefetch("verifications", queryset=_verifications())))
    fill("access_checks", AccessCheck.objects.filter(application_id__in=ids).select_related("verified_by"))
    fill("known_issues", KnownIssue.objects.filter(application_id__in=ids).select_related("owner"))
    # Each follow-up's owner: gate 6 says who must be replaced when they left.
    fill("drills", Drill.objects.filter(application_id__in=ids).prefetch_related(
        models.Prefetch("actions", queryset=DrillAction.objects.select_related("owner"))))
    fill("decisions", DecisionRecord.objects.filter(application_id__in=ids))
    fill("levels", EscalationLevel.objects.filter(application_id__in=ids).select_related(
        "primary", "backup", "after_hours_cover"))
    # Coverage gaps (gate 4) read everyone's working hours and leave: one query each for all
    # the people on the levels, whichever role they hold.
    people = [person for ev in bundles.values() for level in ev.levels
              for person in (level.primary, level.backup, level.after_hours_cover) if person is not None]
    # Stand-ins count in the gaps and in whom to call: one query for all, with their people.
    people += attach_standins([level for ev in bundles.values() for level in ev.levels], timezone.now())
    models.prefetch_related_objects(people, "working_hours", "leaves")
    fill("ownership_rules", OwnershipRule.objects.filter(application_id__in=ids))
    fill("waivers", GateWaiver.objects.filter(application_id__in=ids).select_related("waived_by"))
    fill("exit_criteria", ExitCriterion.objects.filter(application_id__in=ids))
    for hypercare in Hypercare.objects.filter(application_id__in=ids).select_related("agreed_by"):
        bundles[hypercare.application_id].hypercare = hypercare
    return bundles


def _exercises() -> models.QuerySet[Any]:
    from readiness.models import RunbookExercise

    return RunbookExercise.objects.select_related("exercised_by", "drill", "escalation").order_by(
        "-exercised_on", "-pk")


def _verifications() -> models.QuerySet[Any]:
    from readiness.models import AlertVerification

    return AlertVerification.objects.select_related("verified_by").order_by("-verified_at")
