"""What planning each entity of a Backstage catalog import needs besides the entity: the plan it
adds to, who imports, and the rows of Handoff the file names, loaded once for the whole file.

One query per kind of row (teams, people, applications, their runbooks and dashboards, the
importer's memberships), never one per entity: the preview of a file of 2,000 entities reads
what one of 2 does, and so does the confirmation, which plans again (tests/test_import_queries.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.text import slugify

from readiness.imports.catalog_yaml import Entity, parse_ref
from readiness.imports.plan import CREATE, UNCHANGED, UPDATE, ImportPlan, Item, diff
from readiness.models import AlertCheck, Application, Person, Runbook, Team
from readiness.permissions import REFUSALS, can

APPLICATION_KINDS = ("component", "system")


def application_name(entity: Entity, plan: ImportPlan) -> str:
    return entity.text(plan, "metadata", "title") or entity.name


def application_slug(entity: Entity) -> str:
    """The address of the application an entity creates."""
    return slugify(entity.name)[:120]


def _searchable(values: Iterable[str]) -> set[str]:
    """The values that may name a stored row. One holding a NUL (a "\\0" in a quoted YAML value)
    names none, as no text field stores one, and PostgreSQL refuses it in a query: the entity's
    own check reports it at its line."""
    return {value for value in values if "\x00" not in value}


def _by_lower(rows: models.QuerySet[Any], field: str, values: set[str]) -> dict[str, Any]:
    """Rows whose `field`, ignoring case, is one of `values` (one query), by that value in lower case."""
    rows = rows.annotate(_key=Lower(field)).filter(_key__in=_searchable(v.lower() for v in values))
    return {row._key: row for row in rows}


@dataclass
class CatalogContext:
    plan: ImportPlan
    by: Any  # the user importing; None for the command line
    teams: dict[str, Team] = field(default_factory=dict)  # by name in lower case
    people: dict[str, Person] = field(default_factory=dict)  # by email in lower case
    by_ref: dict[str, Application] = field(default_factory=dict)  # by catalog entity
    by_name: dict[str, Application] = field(default_factory=dict)  # by name in lower case
    slugs: set[str] = field(default_factory=set)  # addresses taken, of those the file would create
    runbooks: dict[int, dict[str, Runbook]] = field(default_factory=dict)  # application → title in lower case
    dashboards: dict[int, dict[str, AlertCheck]] = field(default_factory=dict)  # application → signal, lower

    @classmethod
    def load(cls, plan: ImportPlan, by: Any, entities: list[Entity], team_names: dict[str, str]) -> CatalogContext:
        """Every row of Handoff the entities could name. Values are read here with a scratch plan:
        a value's error is reported once, where the entity is planned."""
        scratch = ImportPlan(source="")
        users = [e for e in entities if e.kind == "user"]
        applications = [e for e in entities if e.kind in APPLICATION_KINDS]
        owners = [parse_ref(owner, "group") for e in applications if (owner := e.text(scratch, "spec", "owner"))]
        member_of = [parse_ref(v, "group") for user in users for v in user.texts(scratch, "spec", "memberOf")]
        team_refs = [ref for ref in [*owners, *member_of] if not ref.startswith("user:")]
        context = cls(plan, by)
        context.teams = _by_lower(
            Team.objects.all(), "name", {*team_names.values(), *(ref.rpartition("/")[2] for ref in team_refs)}
        )
        emails = {u.text(scratch, "spec", "profile", "email") for u in users} - {""}
        context.people = _by_lower(Person.objects.select_related("team"), "email", emails)
        refs, slugs = _searchable(e.ref for e in applications), {application_slug(e) for e in applications}
        names = _searchable(application_name(e, scratch).lower() for e in applications)
        found = list(
            Application.objects.select_related("owner_team")
            .annotate(_key=Lower("name"))
            .filter(Q(catalog_ref__in=refs) | Q(_key__in=names) | Q(slug__in=slugs))
        )
        context.by_ref = {a.catalog_ref: a for a in found if a.catalog_ref}
        context.by_name = {a._key: a for a in found}
        context.slugs = {a.slug for a in found}
        for runbook in Runbook.objects.filter(application__in=found):
            context.runbooks.setdefault(runbook.application_id, {})[runbook.title.lower()] = runbook
        for alert in AlertCheck.objects.filter(application__in=found):
            context.dashboards.setdefault(alert.application_id, {})[alert.signal.lower()] = alert
        if by is not None:
            Application.preload_membership(found, by)
        return context

    def valid(self, instance: models.Model, entity: Entity, paths: dict[str, tuple[str, ...]]) -> bool:
        """The model's own rules and bounds on the values the file gives (lengths, one line, no NUL)."""
        try:
            instance.full_clean(
                exclude=["slug", "owner_team", "team", "application"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                path = paths.get(name, ("metadata", "name"))
                self.plan.error(entity.line_at(*path), f"{entity.label}: {'.'.join(path)}: {' '.join(messages)}")
            return False
        return True

    def may(self, action: str, obj: Any, entity: Entity) -> bool:
        if self.by is None or can(self.by, action, obj):
            return True
        self.plan.error(entity.line, f"{entity.label}: {REFUSALS[action]}")
        return False

    def add(
        self,
        kind: str,
        key: str,
        label: str,
        line: int,
        target: Any,
        values: dict[str, Any],
        shown: dict[str, str] | None = None,
    ) -> Item:
        if target is None:
            return self.plan.add(Item(kind, key, label, CREATE, line, values=values))
        changes = diff(target, {k: v for k, v in values.items() if not k.endswith("_name")}, shown)
        return self.plan.add(Item(kind, key, label, UPDATE if changes else UNCHANGED, line, changes, values, target))
