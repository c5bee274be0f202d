"""An import's preview and its confirmation read the database a fixed number of times, whatever
the size of the file: each kind of row it looks up is loaded at once, not one query per entity
or per CSV row. Each scenario is run with 2 and with 30 of everything, and must cost the same."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.imports.paths_csv import PATH_COLUMNS
from readiness.imports.people_csv import PEOPLE_COLUMNS
from readiness.models import AlertCheck, Application, EscalationLevel, Person, Runbook, Team
from tests import factories

pytestmark = pytest.mark.django_db

ENTITY = "apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n{metadata}spec:\n{spec}"


def _catalog(prefix: str, n: int) -> str:
    """n Groups, n Users, n Systems and n Components, every way an import finds what it needs:
    owners in the file (a group, a user's team) and in Handoff only, links to runbooks and
    dashboards, applications found by their name the first time."""
    documents = []
    for i in range(n):
        who = f"{prefix}-{i}"
        documents += [
            ENTITY.format(kind="Group", metadata=f"  name: team-{who}\n  description: Team {who}.\n",
                          spec=f"  type: team\n  profile:\n    displayName: Team {who}\n  members: [user-{who}]\n"),
            ENTITY.format(kind="User", metadata=f"  name: user-{who}\n",
                          spec=f"  profile:\n    displayName: User {who}\n    email: user-{who}@example.com\n"
                               f"  memberOf: [team-{who}, platform-ops]\n"),
            ENTITY.format(kind="System", metadata=f"  name: platform-{who}\n  title: Platform {who}\n",
                          spec="  owner: platform-ops\n"),
            ENTITY.format(
                kind="Component",
                metadata=f"  name: service-{who}\n  title: Service {who}\n  links:\n"
                         f"    - {{url: 'https://wiki.example.com/{who}', title: Runbook {who}, type: runbook}}\n"
                         f"    - {{url: 'https://grafana.example.com/{who}', title: Dashboard {who}}}\n"
                         f"    - {{url: 'https://git.example.com/{who}', title: Source}}\n",
                spec=f"  type: service\n  lifecycle: production\n  owner: {'user:' if i % 2 else 'group:'}"
                     f"{'user' if i % 2 else 'team'}-{who}\n",
            ),
        ]
    return "---\n".join(documents)


def _count(action: Callable[[], Any]) -> tuple[int, Any]:
    """The queries `action` made, and what it returned."""
    with CaptureQueriesContext(connection) as seen:
        result = action()
    return len(seen.captured_queries), result


def _import_costs(client: Client, url: str, text: str) -> tuple[list[int], list[str]]:
    """The queries of the page's preview and of its confirmation, for a first import and for the
    same file again (when it changes nothing); and the two pages the confirmations led to."""
    costs: list[int] = []
    pages: list[str] = []
    for _ in range(2):
        cost, preview = _count(partial(client.post, url, {"text": text}))
        assert preview.context["plan"].ok, preview.context["plan"].errors
        form = preview.context["confirm"]
        costs.append(cost)
        cost, page = _count(partial(client.post, url, {name: form[name].value() for name in form.fields}, follow=True))
        costs.append(cost)
        pages.append(page.content.decode())
    return costs, pages


def _catalog_costs(client: Client, lead: Any, prefix: str, n: int) -> list[int]:
    for i in range(n):  # the components are in Handoff already, by their name: the import adopts them
        application = factories.ApplicationFactory(name=f"Service {prefix}-{i}", slug=f"service-{prefix}-{i}")
        application.members.add(lead)
        factories.AlertCheckFactory(application=application, signal=f"Dashboard {prefix}-{i}")
        factories.PersonFactory(email=f"USER-{prefix}-{i}@example.com", team=None)
    costs, (first, again) = _import_costs(client, reverse("readiness:catalog_import"), _catalog(prefix, n))
    assert f"Imported: {3 * n} created, {3 * n} changed, 0 left alone." in first
    assert f"Imported: 0 created, 0 changed, {6 * n} left alone." in again
    assert Application.objects.filter(catalog_ref__contains=f"-{prefix}-").count() == 2 * n
    assert Runbook.objects.filter(title__startswith=f"Runbook {prefix}-").count() == n
    assert AlertCheck.objects.filter(dashboard_url__startswith=f"https://grafana.example.com/{prefix}-").count() == n
    # Only the writes of the first import grow with the file (each the services' own, a new
    # application's defaults among them); its preview and every read of the second do not.
    return [costs[0], costs[2], costs[3]]


def test_a_catalog_preview_and_import_cost_the_same_queries_for_2_or_30_of_each_entity() -> None:
    client, lead = Client(), factories.delivery_lead()
    client.force_login(lead)
    factories.TeamFactory(name="platform-ops")
    small = _catalog_costs(client, lead, "small", 2)
    large = _catalog_costs(client, lead, "large", 30)
    assert small == large
    assert Team.objects.filter(name__startswith="Team large-").count() == 30
    assert Person.objects.filter(email__iendswith="@example.com", team__name__startswith="Team large-").count() == 30


def _csv(header: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue()


def _people_costs(client: Client, prefix: str, n: int) -> list[int]:
    """Half the people and half their teams in Handoff already."""
    rows = []
    for i in range(n):
        if i % 2 == 0:
            factories.PersonFactory(email=f"Person-{prefix}-{i}@example.com", name="Old name", team=None)
            factories.TeamFactory(name=f"Crew {prefix}-{i}")
        rows.append([f"Person {prefix}-{i}", f"person-{prefix}-{i}@example.com", "+44 20 0000 0000", "",
                     f"Crew {prefix}-{i}", "Europe/London", "", "Mon 09:00-17:00; Tue 22:00-06:00", ""])
    costs, (first, again) = _import_costs(client, reverse("readiness:people_import"), _csv(PEOPLE_COLUMNS, rows))
    assert f"Imported: {n} created, {n // 2} changed, 0 left alone." in first
    assert f"Imported: 0 created, 0 changed, {n} left alone." in again
    assert Person.objects.filter(name__startswith=f"Person {prefix}-", team__name__startswith="Crew").count() == n
    return [costs[0], costs[2], costs[3]]


def test_a_people_csv_preview_and_import_cost_the_same_queries_for_2_or_30_rows() -> None:
    # Loaded by kind from the start (people with their week, teams); kept so.
    client = Client()
    client.force_login(factories.delivery_lead())
    assert _people_costs(client, "small", 2) == _people_costs(client, "large", 30)


def _paths_costs(client: Client, lead: Any, prefix: str, n: int) -> list[int]:
    """One level a row, each of its own application: half the applications (and their level) in
    Handoff already, the other half created by the import."""
    rows = []
    for i in range(n):
        primary, backup = (factories.PersonFactory(email=f"{role}-{prefix}-{i}@example.com", team=None)
                           for role in ("primary", "backup"))
        if i % 2 == 0:
            application = factories.ApplicationFactory(name=f"Paths {prefix}-{i}", slug=f"paths-{prefix}-{i}")
            application.members.add(lead)
            factories.EscalationLevelFactory(application=application, position=1, name="Old desk",
                                             primary=primary, backup=None)
        rows.append([f"paths-{prefix}-{i}", f"Paths {prefix}-{i}", 1, "Desk", "Answers.", primary.email,
                     backup.email.upper(), "", "first_response escalate", "", 15, "business_hours",
                     "Australia/Melbourne", "09:00", "17:00", ""])
    costs, (first, again) = _import_costs(client, reverse("readiness:paths_import"), _csv(PATH_COLUMNS, rows))
    assert f"Imported: {n} created, {n // 2} changed, 0 left alone." in first
    assert f"Imported: 0 created, 0 changed, {n} left alone." in again
    levels = EscalationLevel.objects.filter(application__slug__startswith=f"paths-{prefix}-", name="Desk")
    assert levels.filter(backup__email__startswith="backup-").count() == n
    return [costs[0], costs[2], costs[3]]


def test_a_paths_csv_preview_and_import_cost_the_same_queries_for_2_or_30_rows() -> None:
    client, lead = Client(), factories.delivery_lead()
    client.force_login(lead)
    assert _paths_costs(client, lead, "small", 2) == _paths_costs(client, lead, "large", 30)
