"""The plan of a catalog's Components and Systems: each an application (name, owner → owning team,
lifecycle → stage), and its links → runbooks or dashboards (readiness.imports.catalog plans the
rest). Reads only the rows readiness.imports.catalog_context loaded for the whole file."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from readiness.imports.catalog_context import CatalogContext, application_name, application_slug
from readiness.imports.catalog_yaml import Entity, parse_ref
from readiness.imports.plan import CREATE, IGNORED, UNCHANGED, UPDATE, Item
from readiness.models import AlertCheck, Application, Runbook, Stage

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
# What the import writes on an application; the rest of the row is Handoff's and stays.
WRITTEN_FIELDS = ("name", "slug", "description", "stage", "catalog_ref")


def _owner_team(entity: Entity, teams: dict[str, str], context: CatalogContext) -> str | None:
    owner = entity.text(context.plan, "spec", "owner", required=True)
    if not owner:
        return None
    ref = parse_ref(owner, "group", entity.namespace)
    if teams.get(ref):  # a group of the file, or a user of the file with a team
        return teams[ref]
    team = None if ref.startswith("user:") else context.teams.get(ref.rpartition("/")[2])
    if team is not None:
        return team.name
    context.plan.error(
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


def plan_application(entity: Entity, teams: dict[str, str], context: CatalogContext, claimed: dict[str, int]) -> None:
    """`claimed`: an application's name and address, by the line of the file that takes them."""
    plan = context.plan
    errors = len(plan.errors)
    name = application_name(entity, plan)
    lifecycle = entity.text(plan, "spec", "lifecycle", required=entity.kind == "component").lower()
    if lifecycle and lifecycle not in LIFECYCLE_STAGES:
        plan.error(
            entity.line_at("spec", "lifecycle"),
            f"{entity.label}: lifecycle {lifecycle} is not one Handoff knows ({', '.join(LIFECYCLE_STAGES)}).",
        )
    team = _owner_team(entity, teams, context)
    application = context.by_ref.get(entity.ref) or context.by_name.get(name.lower())
    if application is not None and application.catalog_ref not in ("", entity.ref):
        plan.error(
            entity.line_at("metadata", "name"),
            f"{entity.label}: the application {application.name} was "
            f"imported from {application.catalog_ref}; an application's name is taken once.",
        )
        return
    # Found by its entity and renamed: the new name may be another application's (the model's
    # rule on names is not run here, it is the write's).
    namesake = context.by_name.get(name.lower())
    if application is not None and namesake is not None and namesake.pk != application.pk:
        plan.error(
            entity.line_at("metadata", "title"),
            f"{entity.label}: metadata.title: the application {namesake.name} has this name; "
            "an application's name is taken once.",
        )
        return
    values: dict[str, Any] = {"name": name, "catalog_ref": entity.ref, "owner_team_name": team or ""}
    description = entity.text(plan, "metadata", "description")
    if description or application is None:
        values["description"] = description
    if lifecycle in LIFECYCLE_STAGES:
        values["stage"] = _stage(lifecycle, application.stage if application else None)
    if application is None:
        values["slug"] = application_slug(entity)
        if not values["slug"] or values["slug"] in context.slugs:
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
    if not context.valid(
        _probe(application, values),
        entity,
        {"name": ("metadata", "title"), "description": ("metadata", "description")},
    ):
        return
    if len(plan.errors) > errors or not context.may(
        "application.edit" if application else "application.create", application, entity
    ):
        return
    item = context.add(
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
    _plan_links(entity, application, context)


def _probe(application: Application | None, values: dict[str, Any]) -> Application:
    """A new row holding what the import would leave in the fields it writes, for their rules
    (the plan writes nothing; the rest of an existing application is Handoff's, left as it is,
    and checking it would cost queries per application: its people's roles)."""
    probe = Application(**{name: getattr(application, name) for name in WRITTEN_FIELDS} if application else {})
    for name, value in values.items():
        if not name.endswith("_name"):
            setattr(probe, name, value)
    return probe


def _plan_links(entity: Entity, application: Application | None, context: CatalogContext) -> None:
    plan = context.plan
    links = entity.get("metadata", "links") or []
    if not isinstance(links, list):
        plan.error(entity.line_at("metadata", "links"), f"{entity.label}: metadata.links should be a list.")
        return
    runbooks = context.runbooks.get(application.pk, {}) if application else {}
    alerts = context.dashboards.get(application.pk, {}) if application else {}
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
            if context.valid(probe, entity, {"title": ("metadata", "links")}):
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
            if context.valid(
                AlertCheck(signal=title, threshold="-", user_impact="-", dashboard_url=url),
                entity,
                {"signal": ("metadata", "links"), "dashboard_url": ("metadata", "links")},
            ):
                context.add(
                    "dashboard",
                    key,
                    f"Dashboard {title}",
                    line,
                    alerts.get(title.lower()),
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
