"""Imports, written: each works its plan out again in its own transaction and writes exactly what
the plan lists, or nothing (readiness.imports.plan says why it is two steps)."""

from __future__ import annotations

from datetime import time
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models.functions import Lower

from readiness.imports.catalog import catalog_plan
from readiness.imports.paths_csv import paths_plan
from readiness.imports.people_csv import people_plan
from readiness.imports.plan import CREATE, UPDATE, ImportPlan, Item
from readiness.models import AlertCheck, Application, EscalationLevel, Person, Runbook, Team
from readiness.services.applications import application_create
from readiness.services.escalation import level_save
from readiness.services.evidence import evidence_save
from readiness.services.gates import application_evidence_changed
from readiness.services.people import person_mark_left, person_save, team_save

# What an imported link becomes: a runbook kept elsewhere, an alert check for a dashboard. Neither
# is evidence yet: the gates ask for a review, an owner and a firing like for any other.
RUNBOOK_KEPT_ELSEWHERE = {
    "normal_looks_like": "Not written in Handoff yet: see the linked runbook.",
    "problem_signs": "Not written in Handoff yet: see the linked runbook.",
    "is_critical": False,
}
DASHBOARD_DEFAULTS = {
    "threshold": "Not set yet (imported from the service catalog).",
    "user_impact": "Not said yet (imported from the service catalog).",
}


class ImportRefused(Exception):
    """Nothing was written, and why (the file has errors, or the data changed since the preview)."""


def plan_confirmed(plan: ImportPlan, fingerprint: str) -> ImportPlan:
    """The plan, unless it has errors or is not the one the user saw."""
    if not plan.ok:
        raise ImportRefused("The file has errors; nothing was imported.")
    if plan.fingerprint != fingerprint:
        raise ImportRefused(
            "What this file would do has changed since the preview (someone changed the data "
            "meanwhile). Nothing was imported: check the new preview and import again."
        )
    return plan


def _set(target: Any, values: dict[str, Any]) -> Any:
    for name, value in values.items():
        if not name.endswith("_name"):
            setattr(target, name, value)
    return target


def _items(plan: ImportPlan, kind: str) -> list[Item]:
    return [item for item in plan.items if item.kind == kind and item.action in (CREATE, UPDATE)]


@transaction.atomic
def catalog_import(*, text: str, fingerprint: str, by: User | None) -> ImportPlan:
    """Import a Backstage catalog file as its preview said: teams, then people, then applications
    and their links. Returns the plan it carried out."""
    plan = plan_confirmed(catalog_plan(text, by=by), fingerprint)
    for item in _items(plan, "team"):
        team_save(team=_set(item.target or Team(), item.values))
    names = {
        str(item.values.get("team_name") or item.values.get("owner_team_name") or "").lower() for item in plan.items
    } - {""}
    teams = {team.name.lower(): team for team in Team.objects.annotate(key=Lower("name")).filter(key__in=names)}
    for item in _items(plan, "person"):
        person = _set(item.target or Person(), item.values)
        if item.values["team_name"]:
            person.team = teams[item.values["team_name"].lower()]
        person_save(person=person)
    applications: dict[str, Application] = {}
    for item in _items(plan, "application"):
        application = _set(item.target or Application(), item.values)
        if item.values["owner_team_name"]:
            application.owner_team = teams[item.values["owner_team_name"].lower()]
        if item.target is None:
            application_create(application=application, members=[by] if by is not None else None)
        else:
            evidence_save(application, application_ids=[application.pk])
        applications[item.key] = application
    _import_links(plan, applications)
    return plan


def _import_links(plan: ImportPlan, applications: dict[str, Application]) -> None:
    links = _items(plan, "runbook") + _items(plan, "dashboard")
    refs = {item.values["application_name"] for item in links} - set(applications)
    applications |= {
        application.catalog_ref: application for application in Application.objects.filter(catalog_ref__in=refs)
    }
    for item in links:
        application = applications[item.values["application_name"]]
        if item.kind == "runbook":
            url = item.values["url"]
            row: Any = Runbook(
                application=application,
                title=item.values["title"],
                symptom=f"See the runbook kept at {url}",
                steps=f"Follow the runbook at {url}",
                **RUNBOOK_KEPT_ELSEWHERE,
            )
        else:
            row = _set(item.target or AlertCheck(application=application, **DASHBOARD_DEFAULTS), item.values)
        row.full_clean()
        row.save()
    application_evidence_changed(application_ids={applications[item.values["application_name"]].pk for item in links})


@transaction.atomic
def people_import(*, text: str, fingerprint: str, by: User | None) -> ImportPlan:
    """Import a people CSV as its preview said: new teams, then each person with their week.
    Someone newly marked as having left leaves as on their page (their levels go stale)."""
    plan = plan_confirmed(people_plan(text, by=by), fingerprint)
    for item in _items(plan, "team"):
        team_save(team=Team(**item.values))
    names = {str(item.values["team_name"]).lower() for item in plan.items if item.kind == "person"} - {""}
    teams = {team.name.lower(): team for team in Team.objects.annotate(key=Lower("name")).filter(key__in=names)}
    for item in _items(plan, "person"):
        values = {k: v for k, v in item.values.items() if k not in ("hours", "left_on")}
        person = _set(item.target or Person(), values)
        person.team = teams.get(item.values["team_name"].lower())
        week: dict[int, list[tuple[time, time]]] = {}
        for day, start, end in item.values["hours"]:
            week.setdefault(day, []).append((start, end))
        person = person_save(person=person, hours={day: week.get(day) for day in range(7)})
        left_on = item.values["left_on"]
        if left_on != person.left_on:
            if left_on is None:
                person.left_on = None
                person_save(person=person)
            else:
                person_mark_left(person=person, left_on=left_on)
    return plan


@transaction.atomic
def paths_import(*, text: str, fingerprint: str, by: User | None) -> ImportPlan:
    """Import a paths CSV as its preview said: missing applications, then each level."""
    plan = plan_confirmed(paths_plan(text, by=by), fingerprint)
    for item in _items(plan, "application"):
        application_create(application=Application(**item.values), members=[by] if by is not None else None)
    levels = _items(plan, "level")
    applications = {
        a.slug: a for a in Application.objects.filter(slug__in={item.values["application_name"] for item in levels})
    }
    for item in levels:
        level = _set(item.target or EscalationLevel(), item.values)
        level.application = applications[item.values["application_name"]]
        level_save(level=level)
    return plan
