"""People as CSV: the export (`people.csv`) and the plan of its import, one format for both.

A person is found again by email (ignoring case), their team by name (created when new).
Working hours are one cell, "Mon 09:00-17:00; Mon 22:00-06:00" (a window ending at or before
its start runs past midnight). Leave is not in the file: it stays as Handoff has it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, time
from typing import Any

from django.db.models.functions import Lower

from readiness.imports.csv_rows import field_errors, read_rows
from readiness.imports.plan import CREATE, UNCHANGED, UPDATE, ImportPlan, Item, diff
from readiness.models import Person, Team, WorkingHours
from readiness.models.people import Weekday, overlapping_windows
from readiness.permissions import REFUSALS, can

PEOPLE_COLUMNS = ["name", "email", "phone", "chat_handle", "team", "timezone", "region", "working_hours", "left_on"]
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
DETAILS = ["name", "phone", "chat_handle", "timezone", "region", "left_on"]


def hours_cell(windows: Iterable[WorkingHours]) -> str:
    return "; ".join(
        f"{DAYS[w.weekday]} {w.starts_at:%H:%M}-{w.ends_at:%H:%M}"
        for w in sorted(windows, key=lambda w: (w.weekday, w.starts_at))
    )


def parse_hours(text: str) -> list[tuple[int, time, time]]:
    """(weekday, start, end) of each window of a working-hours cell; ValueError saying which part."""
    windows = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        day, _, span = part.partition(" ")
        start, _, end = span.strip().partition("-")
        try:
            windows.append(
                (
                    DAYS.index(day.strip().capitalize()[:3]),
                    time.fromisoformat(start.strip()),
                    time.fromisoformat(end.strip()),
                )
            )
        except ValueError:
            raise ValueError(f"working_hours: “{part[:60]}” should read like “Mon 09:00-17:00”.") from None
    return windows


def people_rows() -> Iterable[list[Any]]:
    people = Person.objects.select_related("team").prefetch_related("working_hours").order_by("name", "email")
    for p in people.iterator(chunk_size=500):
        yield [
            p.name,
            p.email,
            p.phone,
            p.chat_handle,
            p.team.name if p.team else "",
            p.timezone,
            p.region,
            hours_cell(p.working_hours.all()),
            p.left_on.isoformat() if p.left_on else "",
        ]


def people_plan(text: str, *, by: Any = None) -> ImportPlan:
    """What importing this people CSV would do, row by row; reads only."""
    plan = ImportPlan(source=text)
    if by is not None and not can(by, "people.manage"):
        plan.error(0, REFUSALS["people.manage"])
        return plan
    rows = list(read_rows(text, PEOPLE_COLUMNS, plan))
    emails = [row["email"].strip().lower() for _, row in rows]
    existing = {
        p._key: p
        for p in Person.objects.annotate(_key=Lower("email"))
        .filter(_key__in=emails)
        .prefetch_related("working_hours")
        .select_related("team")
    }
    teams = {
        t._key: t
        for t in Team.objects.annotate(_key=Lower("name")).filter(
            _key__in=[row["team"].strip().lower() for _, row in rows]
        )
    }
    new_teams: set[str] = set()
    seen: dict[str, int] = {}
    for line, row in rows:
        email = row["email"].strip()
        if email.lower() in seen:
            plan.error(line, f"email: {email} is on line {seen[email.lower()]} too.")
            continue
        seen[email.lower()] = line
        team = row["team"].strip()
        if team and team.lower() not in teams and team.lower() not in new_teams:
            new_teams.add(team.lower())
            if field_errors(Team(name=team), line, plan, [], {"name": "team"}):
                plan.add(Item("team", team.lower(), f"Team {team}", CREATE, line, values={"name": team}))
        _plan_person(line, row, existing.get(email.lower()), plan)
    return plan


def _plan_person(line: int, row: dict[str, str], person: Person | None, plan: ImportPlan) -> None:
    values: dict[str, Any] = {name: row[name].strip() for name in DETAILS}
    try:
        values["left_on"] = date.fromisoformat(values["left_on"]) if values["left_on"] else None
    except ValueError:
        plan.error(line, f"left_on: “{values['left_on'][:40]}” is not a date like 2026-03-31.")
        return
    try:
        hours = parse_hours(row["working_hours"])
    except ValueError as error:
        plan.error(line, str(error))
        return
    windows = [WorkingHours(weekday=day, starts_at=start, ends_at=end) for day, start, end in hours]
    for window in windows:
        if window.starts_at == window.ends_at:
            plan.error(line, f"working_hours: {Weekday(window.weekday).label} {window.label} ends when it starts.")
            return
    if overlaps := overlapping_windows(windows):
        first, second = overlaps[0]
        plan.error(line, f"working_hours: {windows[first]} and {windows[second]} overlap.")
        return
    probe = Person(email=row["email"].strip(), **values)
    if not field_errors(probe, line, plan, ["team", "user"], {}):
        return
    team = row["team"].strip()
    label = f"Person {values['name']} <{probe.email}>"
    values.update(team_name=team, hours=hours)
    if person is None:
        plan.add(Item("person", probe.email.lower(), label, CREATE, line, values={**values, "email": probe.email}))
        return
    changes = diff(person, {name: values[name] for name in DETAILS})
    current_team = person.team.name if person.team else ""
    if current_team.lower() != team.lower():
        changes.append(f"team: {current_team or '(none)'} → {team or '(none)'}")
    current_hours = hours_cell(person.working_hours.all())
    if current_hours != hours_cell(windows):
        changes.append(f"working hours: {current_hours or '(none)'} → {hours_cell(windows) or '(none)'}")
    plan.add(
        Item("person", probe.email.lower(), label, UPDATE if changes else UNCHANGED, line, changes, values, person)
    )
