"""The plan of a Backstage catalog import: Group → team, User → person, Component and System →
application (readiness.imports.catalog_applications: name, owner → owning team, lifecycle →
stage, and their links → runbooks or dashboards). Reads only; readiness.services.imports.
catalog_import writes what it lists.

Found again on re-import (so it updates, never duplicates): an application by its catalog
entity (`catalog_ref`, or its name the first time), a team by name and a person by email,
both ignoring case. What the file names is loaded once, by kind (readiness.imports.catalog_context).
"""

from __future__ import annotations

from typing import Any

from readiness.imports.catalog_applications import plan_application
from readiness.imports.catalog_context import APPLICATION_KINDS, CatalogContext
from readiness.imports.catalog_yaml import Entity, parse_ref, read_entities
from readiness.imports.plan import IGNORED, UNCHANGED, UPDATE, ImportPlan, Item
from readiness.models import Person, Team

IMPORTED_KINDS = ("group", "user", *APPLICATION_KINDS)


def catalog_plan(text: str, *, by: Any = None) -> ImportPlan:
    """What importing this catalog file would do, item by item, with every error's line.

    `by`: the user importing (each item is checked against the permission table); None for the
    command line, run by whoever runs the server.
    """
    plan = ImportPlan(source=text)
    entities = read_entities(text, plan)
    seen: dict[str, Entity] = {}
    for entity in entities:
        if entity.ref in seen:
            plan.error(entity.line, f"{entity.label} is in the file twice (first on line {seen[entity.ref].line}).")
        seen[entity.ref] = entity
    teams = _team_names(entities, plan)
    context = CatalogContext.load(plan, by, entities, teams)
    _plan_teams(entities, teams, context)
    # Users' teams: an application a User owns is owned by that user's team.
    teams.update(_plan_people(entities, teams, context))
    claimed: dict[str, int] = {}
    for entity in entities:
        if entity.kind in APPLICATION_KINDS:
            plan_application(entity, teams, context, claimed)
        elif entity.kind not in IMPORTED_KINDS:
            plan.add(
                Item(
                    entity.kind,
                    entity.ref,
                    entity.label,
                    IGNORED,
                    entity.line,
                    ["Handoff imports Component, System, Group and User entities"],
                )
            )
    return plan


def _team_names(entities: list[Entity], plan: ImportPlan) -> dict[str, str]:
    """Group ref → the team's name in Handoff (its display name, else its title, else its name)."""
    names: dict[str, str] = {}
    for group in (e for e in entities if e.kind == "group"):
        names[group.ref] = (
            group.text(plan, "spec", "profile", "displayName") or group.text(plan, "metadata", "title") or group.name
        )
    return names


def _plan_teams(entities: list[Entity], teams: dict[str, str], context: CatalogContext) -> None:
    plan = context.plan
    taken: dict[str, Entity] = {}
    for group in (e for e in entities if e.kind == "group"):
        name = teams[group.ref]
        if name.lower() in taken:
            plan.error(group.line, f"{group.label} has the same team name as line {taken[name.lower()].line}: {name}.")
            continue
        taken[name.lower()] = group
        values = {"name": name, "description": group.text(plan, "metadata", "description")}
        team = context.teams.get(name.lower())
        if team is not None:  # found by its name ignoring case: Handoff's spelling stays
            del values["name"]
            if not values["description"]:
                del values["description"]  # the file says nothing: Handoff's text stays
        if not context.valid(
            Team(**{"name": name, **values}),
            group,
            {"name": ("spec", "profile", "displayName"), "description": ("metadata", "description")},
        ):
            continue
        if context.may("people.manage", None, group):
            context.add("team", name.lower(), f"Team {name}", group.line, team, values)


def _user_team(user: Entity, teams: dict[str, str], members: dict[str, str], context: CatalogContext) -> str:
    """The team a user belongs to: the first group of memberOf that Handoff knows (in the file or
    already a team), else a group of the file listing them among its members; "" for none."""
    for value in user.texts(context.plan, "spec", "memberOf"):
        ref = parse_ref(value, "group", user.namespace)
        if ref in teams:
            return teams[ref]
        name = ref.rpartition("/")[2]
        if name in context.teams:
            return context.teams[name].name
    return members.get(user.ref, "")


def _plan_people(entities: list[Entity], teams: dict[str, str], context: CatalogContext) -> dict[str, str]:
    """Plans each User; returns the team of each (user ref → team name, "" for none)."""
    plan = context.plan
    members = {
        parse_ref(member, "user", group.namespace): teams[group.ref]
        for group in entities
        if group.kind == "group"
        for member in group.texts(plan, "spec", "members")
    }
    users = [e for e in entities if e.kind == "user"]
    emails = {user.ref: user.text(plan, "spec", "profile", "email", required=True) for user in users}
    taken: dict[str, Entity] = {}
    user_teams: dict[str, str] = {}
    for user in users:
        email = emails[user.ref]
        if not email or not context.may("people.manage", None, user):
            continue
        if email.lower() in taken:
            plan.error(user.line, f"{user.label} has the same email as line {taken[email.lower()].line}: {email}.")
            continue
        taken[email.lower()] = user
        name = user.text(plan, "spec", "profile", "displayName") or user.text(plan, "metadata", "title") or user.name
        values: dict[str, Any] = {"name": name, "email": email}
        if not context.valid(
            Person(**values), user, {"name": ("spec", "profile", "displayName"), "email": ("spec", "profile", "email")}
        ):
            continue
        person = context.people.get(email.lower())
        if person is not None:  # found by the address ignoring case: Handoff's spelling stays
            del values["email"]
        team = user_teams[user.ref] = _user_team(user, teams, members, context)
        item = context.add(
            "person", email.lower(), f"Person {name} <{email}>", user.line, person, {**values, "team_name": team}
        )
        if team and (person is None or person.team is None or person.team.name.lower() != team.lower()):
            if item.action == UNCHANGED:
                item.action = UPDATE
            if person is not None:
                item.changes.append(f"team: {person.team.name if person.team else '(none)'} → {team}")
    return user_teams
