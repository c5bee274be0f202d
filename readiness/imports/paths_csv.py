"""Escalation paths as CSV: the export (`paths.csv`, every application's levels) and the plan of
its import, one format for both.

A level is found again by its application (slug) and position; an application the file names
that Handoff lacks is created with the name the file gives. People are named by email and must
be in Handoff already (import the people CSV first). Levels the file does not list are left
alone; ownership rules and runbooks keep pointing at the levels they named.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import time
from typing import Any

from django.db.models import Q
from django.db.models.functions import Lower

from readiness.imports.csv_rows import field_errors, read_rows
from readiness.imports.plan import CREATE, UNCHANGED, UPDATE, ImportPlan, Item, diff
from readiness.models import Application, EscalationLevel, Person
from readiness.permissions import REFUSALS, can

PATH_COLUMNS = (
    "application application_name position name responsibility primary backup after_hours_cover duties "
    "other_decision_rights response_target_minutes coverage coverage_timezone promised_from promised_until how_to_reach"
).split()
PEOPLE = ["primary", "backup", "after_hours_cover"]
TEXTS = ["name", "responsibility", "other_decision_rights", "coverage", "coverage_timezone", "how_to_reach"]


def path_rows() -> Iterable[list[Any]]:
    levels = EscalationLevel.objects.select_related("application", "primary", "backup", "after_hours_cover")
    for level in levels.order_by("application__slug", "position").iterator(chunk_size=500):
        yield [
            level.application.slug,
            level.application.name,
            level.position,
            level.name,
            level.responsibility,
            *[getattr(level, role).email if getattr(level, role) else "" for role in PEOPLE],
            " ".join(level.duties),
            level.other_decision_rights,
            level.response_target_minutes,
            level.coverage,
            level.coverage_timezone,
            f"{level.promised_from:%H:%M}",
            f"{level.promised_until:%H:%M}",
            level.how_to_reach,
        ]


def paths_plan(text: str, *, by: Any = None) -> ImportPlan:
    """What importing this paths CSV would do, row by row; reads only."""
    plan = ImportPlan(source=text)
    rows = list(read_rows(text, PATH_COLUMNS, plan))
    slugs = {row["application"].strip() for _, row in rows}
    # What the file names is read once for all its rows, never a query a row: the applications
    # by address, and those whose name a new one would take (by address it is not new).
    names = {row["application_name"].strip().lower() for _, row in rows}
    found = list(
        Application.objects.with_people().annotate(_key=Lower("name")).filter(Q(slug__in=slugs) | Q(_key__in=names))
    )
    applications = {a.slug: a for a in found if a.slug in slugs}
    # Names taken, in lower case: by an application (its address), or by a row creating one.
    taken: dict[str, str] = {a._key: a.slug for a in found}
    if by is not None:
        Application.preload_membership(applications.values(), by)
    emails = {row[role].strip().lower() for _, row in rows for role in PEOPLE} - {""}
    people: dict[str, Person] = {
        p._key: p for p in Person.objects.annotate(_key=Lower("email")).filter(_key__in=emails)
    }
    levels = {
        (lv.application_id, lv.position): lv
        for lv in EscalationLevel.objects.filter(application__slug__in=slugs).select_related(*PEOPLE)
    }
    created: set[str] = set()
    seen: dict[tuple[str, str], int] = {}
    for line, row in rows:
        slug = row["application"].strip()
        key = (slug.lower(), str(_int(row["position"]) or row["position"].strip()))  # "01" is level 1
        if key in seen:
            plan.error(line, f"position: {slug} has level {key[1]} on line {seen[key]} too.")
            continue
        seen[key] = line
        application = applications.get(slug)
        if application is None and slug not in created:
            if not _plan_application(line, slug, row["application_name"].strip(), plan, by, taken):
                continue
            created.add(slug)
        elif application is not None and by is not None and not can(by, "escalation_path.manage", application):
            plan.error(line, f"{application.name}: {REFUSALS['escalation_path.manage']}")
            continue
        level = levels.get((application.pk, _int(row["position"]) or 0)) if application else None
        _plan_level(line, row, application, level, people, plan)
    return plan


def _int(text: str) -> int | None:
    try:
        return int(text.strip())
    except ValueError:
        return None


def _plan_application(
    line: int, slug: str, name: str, plan: ImportPlan, by: Any, taken_by: dict[str, str]
) -> bool:
    """`taken_by`: whose each name is, in lower case; the application planned here takes its own."""
    if by is not None and not can(by, "application.create"):
        plan.error(
            line,
            f"application: {slug} is not in Handoff, and {REFUSALS['application.create'][0].lower()}"
            f"{REFUSALS['application.create'][1:]}",
        )
        return False
    taken = taken_by.get(name.lower())
    if taken is not None:
        plan.error(line, f"application_name: {name} is the name of the application {taken}.")
        return False
    if not field_errors(
        Application(name=name, slug=slug),
        line,
        plan,
        ["description"],
        {"name": "application_name", "slug": "application"},
    ):
        return False
    plan.add(Item("application", slug, f"Application {name}", CREATE, line, values={"name": name, "slug": slug}))
    taken_by[name.lower()] = f"{slug} (line {line})"
    return True


def _plan_level(
    line: int,
    row: dict[str, str],
    application: Application | None,
    level: EscalationLevel | None,
    people: dict[str, Person],
    plan: ImportPlan,
) -> None:
    values: dict[str, Any] = {name: row[name].strip() for name in TEXTS}
    values["responsibility"] = row["responsibility"]  # multi-line text, kept as written
    values["duties"] = row["duties"].split()
    errors = len(plan.errors)
    for name, column in (("position", "position"), ("response_target_minutes", "response_target_minutes")):
        values[name] = _int(row[column])
        if values[name] is None or not 0 < values[name] < 32_768:
            plan.error(line, f"{column}: “{row[column][:20]}” should be a whole number from 1.")
    for name in ("promised_from", "promised_until"):
        try:
            values[name] = time.fromisoformat(row[name].strip())
        except ValueError:
            plan.error(line, f"{name}: “{row[name][:20]}” should be a time like 09:00.")
    for role in PEOPLE:
        email = row[role].strip()
        values[role] = people.get(email.lower()) if email else None
        if email and values[role] is None:
            plan.error(line, f"{role}: nobody in Handoff has the email {email[:80]}; import the people CSV first.")
    if len(plan.errors) > errors:
        return
    probe = EscalationLevel(application=application, **values)
    if values["primary"] is None:
        plan.error(line, "primary: each level needs a primary (an email of someone in Handoff).")
    # Its people were just read by their email: asking each exists again would be queries a row.
    elif not field_errors(probe, line, plan, ["application", *PEOPLE], {}):
        return
    if len(plan.errors) > errors:
        return
    slug = row["application"].strip()
    label = f"{application.name if application else row['application_name']}: L{values['position']} {values['name']}"
    values["application_name"] = slug
    emails = {role: values[role].email if values[role] else "" for role in PEOPLE}
    if level is None:
        plan.add(Item("level", f"{slug} {values['position']}", label, CREATE, line, values=values))
        return
    changes = diff(level, {k: v for k, v in values.items() if k not in PEOPLE and k != "application_name"})
    for role in PEOPLE:
        before = getattr(level, role).email if getattr(level, role) else ""
        if before.lower() != emails[role].lower():
            changes.append(f"{role.replace('_', ' ')}: {before or '(none)'} → {emails[role] or '(none)'}")
    plan.add(
        Item(
            "level",
            f"{slug} {values['position']}",
            label,
            UPDATE if changes else UNCHANGED,
            line,
            changes,
            values,
            level,
        )
    )
