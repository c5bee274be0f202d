"""An import's preview and its confirmation read the database a fixed number of times, whatever
the size of the file: each kind of row it looks up is loaded at once, not one query per entity
or per CSV row. Each scenario is run with 2 and with 30 of everything, and must cost the same."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.models import AlertCheck, Application, Person, Runbook, Team
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


def _catalog_costs(client: Client, lead: Any, prefix: str, n: int) -> list[int]:
    """The queries of the preview and the confirmation of a first import (half of what it names
    already in Handoff), then of the same file again, when it changes nothing."""
    for i in range(n):  # the components are in Handoff already, by their name: the import adopts them
        application = factories.ApplicationFactory(name=f"Service {prefix}-{i}", slug=f"service-{prefix}-{i}")
        application.members.add(lead)
        factories.AlertCheckFactory(application=application, signal=f"Dashboard {prefix}-{i}")
        factories.PersonFactory(email=f"USER-{prefix}-{i}@example.com", team=None)
    text, url = _catalog(prefix, n), reverse("readiness:catalog_import")
    costs: list[int] = []
    pages: list[str] = []
    for _ in range(2):
        cost, preview = _count(partial(client.post, url, {"text": text}))
        assert preview.context["plan"].ok, preview.context["plan"].errors
        form = preview.context["confirm"]
        data = {name: form[name].value() for name in form.fields}
        costs.append(cost)
        cost, page = _count(partial(client.post, url, data, follow=True))
        costs.append(cost)
        pages.append(page.content.decode())
    first, again = pages
    assert f"Imported: {3 * n} created, {3 * n} changed, 0 left alone." in first
    assert f"Imported: 0 created, 0 changed, {6 * n} left alone." in again
    assert Application.objects.filter(catalog_ref__contains=f"-{prefix}-").count() == 2 * n
    assert Runbook.objects.filter(title__startswith=f"Runbook {prefix}-").count() == n
    assert AlertCheck.objects.filter(dashboard_url__startswith="https://grafana.example.com/").count() >= n
    # Only the writes of the first import grow with the file; its preview and every read of the
    # second do not. The count of a write is the services' own (a new application's defaults).
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
