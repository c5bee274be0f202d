"""Importing a Backstage catalog (issue 16, must show 3): a multi-document catalog-info.yaml
imported twice creates its applications, teams and people once; the preview lists exactly what
the import then does; a file with one bad row imports nothing and names the row."""

from __future__ import annotations

import base64
import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from readiness.imports.catalog import catalog_plan
from readiness.imports.plan import IMPORT_MAX_BYTES
from readiness.models import AlertCheck, Application, Person, Runbook, Stage, Team
from readiness.services.imports import ImportRefused, catalog_import
from tests import factories

pytestmark = pytest.mark.django_db

CATALOG = (Path(__file__).parent / "fixtures" / "catalog-info.yaml").read_text()
URL = reverse("readiness:catalog_import")


def _rows() -> dict[str, list[Any]]:
    return {
        "application": sorted(Application.objects.values_list("catalog_ref", "name", "stage", "owner_team__name")),
        "team": sorted(Team.objects.values_list("name", "description")),
        "person": sorted(Person.objects.values_list("email", "name", "team__name")),
        "runbook": sorted(Runbook.objects.values_list("application__catalog_ref", "title", "steps")),
        "dashboard": sorted(AlertCheck.objects.values_list("application__catalog_ref", "signal", "dashboard_url")),
    }


def _import(text: str, by: Any = None) -> Any:
    return catalog_import(text=text, fingerprint=catalog_plan(text, by=by).fingerprint, by=by)


def _lead_client() -> tuple[Client, Any]:
    client, lead = Client(), factories.delivery_lead()
    client.force_login(lead)
    return client, lead


def _preview(client: Client, text: str) -> Any:
    return client.post(URL, {"text": text})


def _confirm(client: Client, response: Any) -> Any:
    form = response.context["confirm"]
    data = {name: form[name].value() for name in form.fields}
    return client.post(URL, data, follow=True)


def test_importing_a_multi_document_catalog_twice_creates_everything_once() -> None:
    first = _import(CATALOG)
    after_first = _rows()
    second = _import(CATALOG)
    assert _rows() == after_first
    assert after_first["application"] == [
        ("component:default/orders-api", "Orders API", Stage.BUILD, "Orders Team"),
        ("system:default/order-platform", "Order Platform", Stage.BUILD, "Orders Team"),
    ]
    assert after_first["team"] == [("Orders Team", "Builds and runs the order pipeline.")]
    # Jenny is a member by her memberOf, Sam by the group's members list.
    assert after_first["person"] == [("jenny.doe@example.com", "Jenny Doe", "Orders Team"),
                                     ("sam.okafor@example.com", "Sam Okafor", "Orders Team")]
    assert after_first["runbook"] == [("component:default/orders-api", "ERP sync stuck",
                                       "Follow the runbook at https://wiki.example.com/orders/runbook-erp-sync")]
    assert after_first["dashboard"] == [("component:default/orders-api", "Orders dashboard",
                                         "https://grafana.example.com/d/orders")]
    assert {item.action for item in first.items} == {"create", "ignored"}
    assert {item.action for item in second.items} == {"unchanged", "ignored"}
    assert [(i.kind, i.key) for i in first.items] == [(i.kind, i.key) for i in second.items]


def test_the_preview_lists_exactly_what_the_import_then_does() -> None:
    team = factories.TeamFactory(name="orders team", description="")
    existing = factories.ApplicationFactory(name="Orders API", stage=Stage.HARDENING, owner_team=None)
    factories.PersonFactory(email="JENNY.DOE@example.com", name="J. Doe", team=None)
    text = CATALOG.replace("lifecycle: experimental", "lifecycle: production")
    plan = catalog_plan(text)
    assert plan.ok
    shown = [(item.line, item.label, item.action, item.changes) for item in plan.items]
    assert shown == [
        (1, "Team Orders Team", "update", ["description: (empty) → Builds and runs the order pipeline."]),
        (13, "Person Jenny Doe <jenny.doe@example.com>", "update",
         ["name: J. Doe → Jenny Doe", "team: (none) → Orders Team"]),
        (23, "Person Sam Okafor <sam.okafor@example.com>", "create", []),
        (33, "System Order Platform", "create", []),
        # The existing application of that name is linked to its catalog entity, goes live, and
        # its owning team is set.
        (42, "Component Orders API", "update", [
            "catalog entity: (empty) → component:default/orders-api",
            "description: A system going live. → Takes orders from the web shop and sends them to the ERP.",
            "stage: Hardening → Hypercare",
            "owning team: (none) → Orders Team"]),
        (49, "Runbook ERP sync stuck", "create", []),
        (52, "Dashboard Orders dashboard", "create", []),
        (55, "Link Source", "ignored", ["only runbook and dashboard links are imported (by type, icon or title)"]),
        (63, "Api orders-openapi", "ignored", ["Handoff imports Component, System, Group and User entities"]),
    ]
    before = _rows()
    done = catalog_import(text=text, fingerprint=plan.fingerprint, by=None)
    assert done.summary() == plan.summary()
    after = _rows()
    # Item by item: what was created is there, what changed says so, nothing else moved.
    assert len(after["team"]) == len(before["team"]) and Team.objects.get(pk=team.pk).name == "orders team"
    assert len(after["person"]) == len(before["person"]) + 1
    assert len(after["application"]) == len(before["application"]) + 1
    existing.refresh_from_db()
    assert (existing.stage, existing.catalog_ref, existing.owner_team) == (
        Stage.HYPERCARE, "component:default/orders-api", team)
    assert Person.objects.get(email__iexact="jenny.doe@example.com").team == team
    assert len(after["runbook"]) == 1 and len(after["dashboard"]) == 1
    assert {item.action for item in catalog_plan(text).items} == {"unchanged", "ignored"}


def test_a_file_with_one_bad_row_imports_nothing_and_names_the_line() -> None:
    bad = CATALOG.replace("    email: sam.okafor@example.com\n", "")
    plan = catalog_plan(bad)
    assert [str(error) for error in plan.errors] == ["line 29: User sam-okafor: spec.profile.email is missing."]
    with pytest.raises(ImportRefused):
        catalog_import(text=bad, fingerprint=plan.fingerprint, by=None)
    assert _rows() == {"application": [], "team": [], "person": [], "runbook": [], "dashboard": []}

    client, _ = _lead_client()
    page = _preview(client, bad).content.decode()
    assert "Nothing can be imported: the file has 1 error." in page
    assert "Line 29: User sam-okafor: spec.profile.email is missing." in page
    assert "Import as shown" not in page
    assert Team.objects.count() == 0


def test_a_system_and_a_component_of_one_name_are_an_error_of_the_file_not_a_refusal_later() -> None:
    twins = """apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: group:default/team-orders
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: group:default/team-orders
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-orders
spec:
  type: team
  children: []
"""
    plan = catalog_plan(twins)
    assert [str(error) for error in plan.errors] == [
        "line 11: Component payments: it would be the same application as line 1."]


def test_the_page_previews_writing_nothing_then_imports_as_shown() -> None:
    client, lead = _lead_client()
    assert "Upload a Backstage catalog-info.yaml" in client.get(URL).content.decode()
    response = client.post(URL, {"file": StringIO(CATALOG)})
    page = response.content.decode()
    assert "7 will be created, 0 changed, 0 left alone, 2 not imported." in page
    assert "Person Jenny Doe &lt;jenny.doe@example.com&gt;" in page and "Import as shown" in page
    assert _rows()["application"] == []  # the preview wrote nothing
    done = _confirm(client, response)
    assert "Imported: 7 created, 0 changed, 0 left alone." in done.content.decode()
    orders = Application.objects.get(catalog_ref="component:default/orders-api")
    assert list(orders.members.all()) == [lead]  # the importer joins what they created, as on the form
    assert orders.ownership_rules.exists() and orders.exit_criteria.exists()  # like any new application
    # The same confirmation sent again (a double-click) does nothing more.
    again = _confirm(client, response)
    assert again.redirect_chain and Application.objects.count() == 2
    assert "7 will be created" not in _preview(client, CATALOG).content.decode()


def test_an_import_whose_data_changed_since_the_preview_is_refused() -> None:
    client, _ = _lead_client()
    response = _preview(client, CATALOG)
    factories.TeamFactory(name="Orders Team")  # someone else, meanwhile
    page = _confirm(client, response).content.decode()
    assert "has changed since the preview" in page and "Nothing was imported" in page
    assert "6 will be created, 1 changed, 0 left alone" in page  # the new preview: the team gets its description
    assert Person.objects.count() == 0


def test_a_damaged_confirmation_is_refused() -> None:
    client, _ = _lead_client()
    response = _preview(client, CATALOG)
    form = response.context["confirm"]
    data = {name: form[name].value() for name in form.fields}
    data["content"] = base64.b64encode(CATALOG.replace("Orders Team", "Other").encode()).decode()
    page = client.post(URL, data, follow=True).content.decode()
    assert "has changed since the preview" in page and Team.objects.count() == 0
    data["content"] = "not base64!"
    assert "The preview sent back is damaged" in client.post(URL, data).content.decode()


@pytest.mark.parametrize(("text", "message"), [
    ("kind: [unclosed", "line 1: Not valid YAML"),
    ("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: a\x00b\n", "Not valid YAML"),
    ("a: &x [1, 2]\nb: [*x, *x]\n", "line 1: Anchors and aliases"),
    ("apiVersion: backstage.io/v1alpha1\nkind: User\n" + "x: " + "[" * 50 + "]" * 50, "Nested more than 20"),
    ("!!python/object/apply:os.system ['true']\n", "Not valid YAML"),
    ("- 1\n- 2\n", "line 1: This document is not a catalog entity"),
    ("apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", "apiVersion should be backstage.io"),
    ("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  title: [1]\nspec:\n"
     "  owner: nobody\n  lifecycle: sometime\n", "line 5: Component x: metadata.title should be text."),
    ("# nothing but a comment\n---\n", "holds no catalog entity"),
    ("\u2028\ufeff\U0001f600: x\n", "line 2: apiVersion should be backstage.io"),
])
def test_hostile_files_are_refused_with_a_line_and_nothing_written(text: str, message: str) -> None:
    plan = catalog_plan(text)
    assert any(message in str(error) for error in plan.errors), plan.errors
    client, _ = _lead_client()
    response = client.post(URL, {"file": StringIO(text)})  # a file: a pasted NUL is refused by the text box
    assert response.status_code == 200 and "Nothing can be imported" in response.content.decode()
    assert Application.objects.count() == Team.objects.count() == 0


def _refuse_nul_as_postgresql_does(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    # psycopg2 refuses a query whose values hold a NUL before PostgreSQL sees it; SQLite takes it.
    if "\\x00" in repr(params):
        raise ValueError("A string literal cannot contain NUL (0x00) characters.")
    return execute(sql, params, many, context)


@pytest.mark.parametrize(("before", "after", "message"), [
    ("displayName: Orders Team", 'displayName: "Orders\\0Team"', "Line 9: Group team-orders: spec.profile.displayName"),
    ("email: jenny.doe@example.com", 'email: "jenny\\0@example.com"', "Line 20: User jenny-doe: spec.profile.email"),
    ("title: Orders API", 'title: "Orders\\0API"', "Line 46: Component orders-api: metadata.title"),
    ("name: orders-api", 'name: "orders\\0api"', "Line 45: Component orders"),
    ("owner: team-orders", 'owner: "team\\0orders"', "Line 60: Component orders-api: its owner team"),
    ("memberOf: [team-orders]", 'memberOf: ["team\\0orders"]', None),
])
def test_a_nul_written_as_an_escape_in_a_value_is_an_error_of_its_line_not_a_500(
        before: str, after: str, message: str | None) -> None:
    # "\0" in a double-quoted YAML value is a NUL once read: the preview looks up what the file
    # names before any value is checked, and on PostgreSQL such a lookup failed the page.
    from django.db import connection

    client, _ = _lead_client()
    text = CATALOG.replace(before, after, 1)
    with connection.execute_wrapper(_refuse_nul_as_postgresql_does):
        response = _preview(client, text)
    assert response.status_code == 200
    page = response.content.decode()
    if message is None:  # a team nobody knows: the person is imported without one
        assert "Person Jenny Doe &lt;jenny.doe@example.com&gt;" in page
    else:
        assert "Nothing can be imported" in page and message in page
    assert Application.objects.count() == Team.objects.count() == Person.objects.count() == 0


def test_a_file_too_large_is_refused_beside_the_field() -> None:
    client, _ = _lead_client()
    huge = "#" * (IMPORT_MAX_BYTES + 1)
    page = client.post(URL, {"file": StringIO(huge)}).content.decode()
    assert "The file is larger than 1 MB; split it." in page
    page = client.post(URL, {"text": huge}).content.decode()
    assert "The file is larger than 1 MB; split it." in page
    assert "Choose a file, or paste its content below." in client.post(URL, {}).content.decode()


def test_bad_values_get_the_models_bounds_at_their_line() -> None:
    text = CATALOG.replace("displayName: Jenny Doe", 'displayName: "Jenny\\nDoe"').replace(
        "title: Orders API", "title: " + "O" * 130).replace("lifecycle: experimental", "lifecycle: someday")
    errors = [str(error) for error in catalog_plan(text).errors]
    assert "line 19: User jenny-doe: spec.profile.displayName: Keep this to one line: no line breaks, tabs or " \
           "control characters." in errors
    assert any(e.startswith("line 46: Component orders-api: metadata.title: Ensure this value has at most 120")
               for e in errors)
    assert any(e.startswith("line 59: Component orders-api: lifecycle someday is not one Handoff knows")
               for e in errors)


def test_each_item_asks_the_permission_table() -> None:
    client = Client()
    client.force_login(factories.support_analyst())
    assert client.get(URL).status_code == 403
    # A business owner may create applications, not people or teams; a delivery lead who is no
    # member of an existing application may not change it.
    owner = factories.business_owner()
    errors = [str(error) for error in catalog_plan(CATALOG, by=owner).errors]
    assert "line 1: Group team-orders: Your role does not allow changing people and teams." in errors
    assert "line 13: User jenny-doe: Your role does not allow changing people and teams." in errors
    factories.ApplicationFactory(name="Order Platform")
    errors = [str(error) for error in catalog_plan(CATALOG, by=factories.delivery_lead()).errors]
    assert errors == ["line 33: System order-platform: Only members of this application with an editing role can "
                      "change it."]


def test_an_application_taken_by_another_entity_is_an_error() -> None:
    _import(CATALOG)
    text = CATALOG.replace("name: orders-api", "name: orders-api-v2")
    errors = [str(error) for error in catalog_plan(text).errors]
    assert any(re.match(r"line 45: Component orders-api-v2: the application Orders API was imported from "
                        r"component:default/orders-api", error) for error in errors)


def test_renaming_an_imported_application_to_another_applications_name_is_an_error_of_its_line() -> None:
    # The preview offered the rename ("name: Orders API → Billing") and the import then refused
    # it without a line, the preview shown again offering the same import.
    client, lead = _lead_client()
    _import(CATALOG)
    Application.objects.update(delivery_lead=lead)
    factories.ApplicationFactory(name="Billing")
    text = CATALOG.replace("title: Orders API", "title: BILLING")

    response = _preview(client, text)

    page = response.content.decode()
    assert ("Line 46: Component orders-api: metadata.title: the application Billing has this name; "
            "an application&#x27;s name is taken once.") in page
    assert "Nothing can be imported" in page and response.context["confirm"] is None
    assert sorted(Application.objects.values_list("name", flat=True)) == ["Billing", "Order Platform", "Orders API"]


def test_the_command_prints_the_plan_and_imports_it(tmp_path: Path) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(CATALOG)
    out = StringIO()
    call_command("import_catalog", str(path), "--dry-run", stdout=out)
    assert "line 42: Component Orders API: will be created" in out.getvalue()
    assert "7 to create, 0 to change, 0 left alone; dry run, nothing written." in out.getvalue()
    assert Application.objects.count() == 0
    call_command("import_catalog", str(path), stdout=out)
    assert "Imported: 7 created, 0 changed, 0 left alone." in out.getvalue()
    path.write_text(CATALOG.replace("    email: sam.okafor@example.com\n", ""))
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_catalog", str(path), stdout=StringIO(), stderr=StringIO())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_confirmations_sent_at_once_import_once_and_never_answer_500(live_server: Any) -> None:
    """A double-click (the same one-time key, four times at once) and two people confirming the
    same preview at once (two keys): one import; the other is told the data changed."""
    from tests.test_double_submit import Browser, race

    lead = factories.delivery_lead()
    browser, client = Browser(live_server.url, lead), Client()
    client.force_login(lead)
    browser.get(URL)

    def confirmation(text: str) -> dict[str, str]:
        form = _preview(client, text).context["confirm"]
        return {**{name: str(form[name].value()) for name in form.fields}, "csrfmiddlewaretoken": browser.csrf}

    clicked = confirmation(CATALOG)
    answers = race(browser, URL, [clicked] * 4)
    assert [status for status, _, _ in answers] == [302] * 4, answers
    assert Application.objects.count() == 2 and Person.objects.count() == 2

    other = CATALOG.replace("orders", "billing").replace("Orders", "Billing").replace("example.com", "example.org")
    one, two = confirmation(other), confirmation(other)
    assert one["submission_key"] != two["submission_key"]
    answers = race(browser, URL, [one, two])
    assert sorted(status for status, _, _ in answers) == [200, 302], answers
    refused = next(page for status, _, page in answers if status == 200)
    assert "has changed since the preview" in refused
    # Its System is the one already imported (now owned by the billing team): one new application.
    assert Application.objects.count() == 3 and Person.objects.count() == 4 and Team.objects.count() == 2
