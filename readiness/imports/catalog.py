"""The plan of a Backstage catalog import: Group → team, User → person, Component and System →
application (name, owner → owning team, lifecycle → stage), and their links → runbooks or
dashboards. Reads only; readiness.services.imports.catalog_import writes what it lists.

Found again on re-import (so it updates, never duplicates): an application by its catalog
entity (`catalog_ref`, or its name the first time), a team by name and a person by email,
both ignoring case.
"""

from __future__ import annotations

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils.text import slugify

from readiness.imports.catalog_yaml import Entity, parse_ref, read_entities
from readiness.imports.plan import CREATE, IGNORED, UNCHANGED, UPDATE, ImportPlan, Item, diff
from readiness.models import AlertCheck, Application, Person, Runbook, Stage, Team
from readiness.permissions import REFUSALS, can

APPLICATION_KINDS = ("component", "system")
IMPORTED_KINDS = ("group", "user", *APPLICATION_KINDS)

# A lifecycle names the stages it agrees with: an application already in one of them keeps it,
# else it moves to the first ("production" after build or hardening is a go-live: hypercare).
# A new application takes the first too, except a production one: live before Handoff knew it,
# business as usual. Handoff's own stage names are accepted as lifecycles too.
LIFECYCLE_STAGES: dict[str, tuple[str, ...]] = {
    "experimental": (Stage.BUILD, Stage.HARDENING),
    "production": (Stage.HYPERCARE, Stage.BAU),
    "deprecated": (Stage.BAU,),
    **{value: (value,) for value in Stage.values},
}
NEW_APPLICATION_STAGE = {"production": Stage.BAU}


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
    _plan_teams(entities, teams, plan, by)
    # Users' teams: an application a User owns is owned by that user's team.
    teams.update(_plan_people(entities, teams, plan, by))
    claimed: dict[str, int] = {}  # an application's name and address, by the line that takes them
    for entity in entities:
        if entity.kind in APPLICATION_KINDS:
            _plan_application(entity, teams, plan, by, claimed)
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


def _existing(rows: models.QuerySet[Any], field: str, values: list[str]) -> dict[str, Any]:
    """Rows whose `field`, ignoring case, is one of `values` (one query), by that value in lower case."""
    rows = rows.annotate(_key=Lower(field)).filter(_key__in=[v.lower() for v in values])
    return {row._key: row for row in rows}


def _validate(instance: models.Model, entity: Entity, plan: ImportPlan, paths: dict[str, tuple[str, ...]]) -> bool:
    """The model's own rules and bounds on the values the file gives (lengths, one line, no NUL)."""
    try:
        instance.full_clean(
            exclude=["slug", "owner_team", "team", "application"], validate_unique=False, validate_constraints=False
        )
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            path = paths.get(name, ("metadata", "name"))
            plan.error(entity.line_at(*path), f"{entity.label}: {'.'.join(path)}: {' '.join(messages)}")
        return False
    return True


def _may(by: Any, action: str, obj: Any, entity: Entity, plan: ImportPlan) -> bool:
    if by is None or can(by, action, obj):
        return True
    plan.error(entity.line, f"{entity.label}: {REFUSALS[action]}")
    return False


def _plan_teams(entities: list[Entity], teams: dict[str, str], plan: ImportPlan, by: Any) -> None:
    groups = [e for e in entities if e.kind == "group"]
    existing = _existing(Team.objects.all(), "name", list(teams.values()))
    taken: dict[str, Entity] = {}
    for group in groups:
        name = teams[group.ref]
        if name.lower() in taken:
            plan.error(group.line, f"{group.label} has the same team name as line {taken[name.lower()].line}: {name}.")
            continue
        taken[name.lower()] = group
        values = {"name": name, "description": group.text(plan, "metadata", "description")}
        team = existing.get(name.lower())
        if team is not None:  # found by its name ignoring case: Handoff's spelling stays
            del values["name"]
            if not values["description"]:
                del values["description"]  # the file says nothing: Handoff's text stays
        if not _validate(
            Team(**{"name": name, **values}),
            group,
            plan,
            {"name": ("spec", "profile", "displayName"), "description": ("metadata", "description")},
        ):
            continue
        if _may(by, "people.manage", None, group, plan):
            _add(plan, "team", name.lower(), f"Team {name}", group.line, team, values)


def _add(
    plan: ImportPlan,
    kind: str,
    key: str,
    label: str,
    line: int,
    target: Any,
    values: dict[str, Any],
    shown: dict[str, str] | None = None,
) -> Item:
    if target is None:
        return plan.add(Item(kind, key, label, CREATE, line, values=values))
    changes = diff(target, {k: v for k, v in values.items() if not k.endswith("_name")}, shown)
    return plan.add(Item(kind, key, label, UPDATE if changes else UNCHANGED, line, changes, values, target))


def _user_team(
    user: Entity, teams: dict[str, str], members: dict[str, str], existing: dict[str, Team], plan: ImportPlan
) -> str:
    """The team a user belongs to: the first group of memberOf that Handoff knows (in the file or
    already a team), else a group of the file listing them among its members; "" for none."""
    for value in user.texts(plan, "spec", "memberOf"):
        ref = parse_ref(value, "group", user.namespace)
        if ref in teams:
            return teams[ref]
        name = ref.rpartition("/")[2]
        if name in existing:
            return existing[name].name
    return members.get(user.ref, "")


def _plan_people(entities: list[Entity], teams: dict[str, str], plan: ImportPlan, by: Any) -> dict[str, str]:
    """Plans each User; returns the team of each (user ref → team name, "" for none)."""
    users = [e for e in entities if e.kind == "user"]
    members = {
        parse_ref(member, "user", group.namespace): teams[group.ref]
        for group in entities
        if group.kind == "group"
        for member in group.texts(plan, "spec", "members")
    }
    emails = {user.ref: user.text(plan, "spec", "profile", "email", required=True) for user in users}
    existing = _existing(Person.objects.select_related("team"), "email", [email for email in emails.values() if email])
    known_teams = _existing(
        Team.objects.all(),
        "name",
        [parse_ref(v, "group").rpartition("/")[2] for user in users for v in user.texts(plan, "spec", "memberOf")],
    )
    taken: dict[str, Entity] = {}
    user_teams: dict[str, str] = {}
    for user in users:
        email = emails[user.ref]
        if not email or not _may(by, "people.manage", None, user, plan):
            continue
        if email.lower() in taken:
            plan.error(user.line, f"{user.label} has the same email as line {taken[email.lower()].line}: {email}.")
            continue
        taken[email.lower()] = user
        name = user.text(plan, "spec", "profile", "displayName") or user.text(plan, "metadata", "title") or user.name
        values: dict[str, Any] = {"name": name, "email": email}
        if not _validate(
            Person(**values),
            user,
            plan,
            {"name": ("spec", "profile", "displayName"), "email": ("spec", "profile", "email")},
        ):
            continue
        person = existing.get(email.lower())
        if person is not None:  # found by the address ignoring case: Handoff's spelling stays
            del values["email"]
        team = user_teams[user.ref] = _user_team(user, teams, members, known_teams, plan)
        item = _add(
            plan, "person", email.lower(), f"Person {name} <{email}>", user.line, person, {**values, "team_name": team}
        )
        if team and (person is None or person.team is None or person.team.name.lower() != team.lower()):
            if item.action == UNCHANGED:
                item.action = UPDATE
            if person is not None:
                item.changes.append(f"team: {person.team.name if person.team else '(none)'} → {team}")
    return user_teams


def _owner_team(entity: Entity, teams: dict[str, str], plan: ImportPlan) -> str | None:
    owner = entity.text(plan, "spec", "owner", required=True)
    if not owner:
        return None
    ref = parse_ref(owner, "group", entity.namespace)
    if teams.get(ref):  # a group of the file, or a user of the file with a team
        return teams[ref]
    team = None if ref.startswith("user:") else Team.objects.filter(name__iexact=ref.rpartition("/")[2]).first()
    if team is not None:
        return team.name
    plan.error(
        entity.line_at("spec", "owner"),
        f"{entity.label}: its owner {owner} is no Group of this file, no "
        "User of it with a team, and no team in Handoff.",
    )
    return None


def _stage(lifecycle: str, current: str | None) -> str | None:
    stages = LIFECYCLE_STAGES[lifecycle]
    if current in stages:
        return current
    return NEW_APPLICATION_STAGE.get(lifecycle, stages[0]) if current is None else stages[0]


def _find_application(entity: Entity, name: str) -> Application | None:
    by_ref = Application.objects.filter(catalog_ref=entity.ref).select_related("owner_team").first()
    return by_ref or Application.objects.filter(name__iexact=name).select_related("owner_team").first()


def _plan_application(entity: Entity, teams: dict[str, str], plan: ImportPlan, by: Any,
                      claimed: dict[str, int]) -> None:
    errors = len(plan.errors)
    name = entity.text(plan, "metadata", "title") or entity.name
    lifecycle = entity.text(plan, "spec", "lifecycle", required=entity.kind == "component").lower()
    if lifecycle and lifecycle not in LIFECYCLE_STAGES:
        plan.error(
            entity.line_at("spec", "lifecycle"),
            f"{entity.label}: lifecycle {lifecycle} is not one Handoff knows ({', '.join(LIFECYCLE_STAGES)}).",
        )
    team = _owner_team(entity, teams, plan)
    application = _find_application(entity, name)
    if application is not None and application.catalog_ref not in ("", entity.ref):
        plan.error(
            entity.line_at("metadata", "name"),
            f"{entity.label}: the application {application.name} was "
            f"imported from {application.catalog_ref}; an application's name is taken once.",
        )
        return
    values: dict[str, Any] = {"name": name, "catalog_ref": entity.ref, "owner_team_name": team or ""}
    description = entity.text(plan, "metadata", "description")
    if description or application is None:
        values["description"] = description
    if lifecycle in LIFECYCLE_STAGES:
        values["stage"] = _stage(lifecycle, application.stage if application else None)
    if application is None:
        values["slug"] = slugify(entity.name)[:120]
        if not values["slug"] or Application.objects.filter(slug=values["slug"]).exists():
            plan.error(
                entity.line_at("metadata", "name"),
                f"{entity.label}: its address ({values['slug'] or 'empty'})"
                " is taken by another application, or it has no letters.",
            )
    # Two entities of the file becoming one application (a System and a Component both called
    # payments): the second is an error of the file, not a refusal when the import is confirmed.
    slug = values.get("slug") or (application.slug if application else "")
    keys = [f"name:{name.lower()}"] + ([f"slug:{slug}"] if slug else [])
    taken = next((claimed[key] for key in keys if key in claimed), None)
    if taken is not None:
        plan.error(entity.line_at("metadata", "name"),
                   f"{entity.label}: it would be the same application as line {taken}.")
        return
    claimed.update(dict.fromkeys(keys, entity.line))
    if not _validate(
        _probe(application, values),
        entity,
        plan,
        {"name": ("metadata", "title"), "description": ("metadata", "description")},
    ):
        return
    if len(plan.errors) > errors or not _may(
        by, "application.edit" if application else "application.create", application, entity, plan
    ):
        return
    item = _add(
        plan,
        "application",
        entity.ref,
        f"{entity.kind.capitalize()} {name}",
        entity.line,
        application,
        values,
        {"catalog_ref": "catalog entity"},
    )
    current = application.owner_team.name if application and application.owner_team else ""
    if application is not None and team and current.lower() != team.lower():
        item.action = UPDATE
        item.changes.append(f"owning team: {current or '(none)'} → {team}")
    _plan_links(entity, application, plan)


def _probe(application: Application | None, values: dict[str, Any]) -> Application:
    """The application as the import would leave it, for its rules (a copy: the plan writes nothing)."""
    probe = copy.copy(application) if application is not None else Application()
    for name, value in values.items():
        if not name.endswith("_name"):
            setattr(probe, name, value)
    return probe


def _plan_links(entity: Entity, application: Application | None, plan: ImportPlan) -> None:
    links = entity.get("metadata", "links") or []
    if not isinstance(links, list):
        plan.error(entity.line_at("metadata", "links"), f"{entity.label}: metadata.links should be a list.")
        return
    runbooks = {r.title.lower(): r for r in Runbook.objects.filter(application=application)} if application else {}
    alerts = {a.signal.lower(): a for a in AlertCheck.objects.filter(application=application)} if application else {}
    for index, link in enumerate(links):
        line = entity.line_at("metadata", "links", index)
        url, title = (link.get("url"), link.get("title")) if isinstance(link, dict) else (None, None)
        kind = _link_kind(link if isinstance(link, dict) else {})
        if not isinstance(url, str) or not isinstance(title, str) or not title.strip():
            plan.error(line, f"{entity.label}: each link needs a url and a title.")
            continue
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            plan.error(line, f"{entity.label}: {url[:200]} is not a web address.")
            continue
        title = title.strip()
        key = f"{entity.ref} {title.lower()}"
        if kind == "runbook":
            probe = Runbook(title=title, symptom=url, normal_looks_like="-", problem_signs="-", steps=url)
            if _validate(probe, entity, plan, {"title": ("metadata", "links")}):
                found = runbooks.get(title.lower())
                plan.add(
                    Item(
                        "runbook",
                        key,
                        f"Runbook {title}",
                        UNCHANGED if found else CREATE,
                        line,
                        values={"title": title, "url": url, "application_name": entity.ref},
                        target=found,
                    )
                )
        elif kind == "dashboard":
            alert = alerts.get(title.lower())
            if _validate(
                AlertCheck(signal=title, threshold="-", user_impact="-", dashboard_url=url),
                entity,
                plan,
                {"signal": ("metadata", "links"), "dashboard_url": ("metadata", "links")},
            ):
                _add(
                    plan,
                    "dashboard",
                    key,
                    f"Dashboard {title}",
                    line,
                    alert,
                    {"signal": title, "dashboard_url": url, "application_name": entity.ref},
                    {"dashboard_url": "dashboard link"},
                )
        else:
            plan.add(
                Item(
                    "link",
                    key,
                    f"Link {title}",
                    IGNORED,
                    line,
                    ["only runbook and dashboard links are imported (by type, icon or title)"],
                )
            )


def _link_kind(link: dict[str, Any]) -> str:
    words = " ".join(str(link.get(part) or "") for part in ("type", "icon", "title")).lower()
    return "runbook" if "runbook" in words else "dashboard" if "dashboard" in words else ""
