"""The handoff pack: printable page and a JSON export that validates against the schema in the repo."""

from __future__ import annotations

import json

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.gates import verdict_for
from readiness.models import Application, GateCode
from readiness.pack import SCHEMA_PATH
from readiness.services.hypercare import hypercare_sign_off
from tests import factories

pytestmark = pytest.mark.django_db


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _full_pack_world() -> Application:
    """In hypercare, with one of every artefact the pack carries, each named so the pack can be read for it."""
    application = factories.hypercare_application()
    factories.RunbookFactory(application=application, title="Orders stuck in pending", is_critical=True)
    factories.KnownIssueFactory(application=application, title="Slow invoice PDF", workaround="Download it again.")
    drill = factories.DrillFactory(application=application, title="Login outage drill", findings="Pager slow.")
    factories.DrillActionFactory(drill=drill, description="Move the pager rota to the new phone")
    factories.DecisionRecordFactory(application=application, title="Replay integration messages by hand")
    factories.AlertCheckFactory(application=application, signal="ERP order sync failures")
    return application


@pytest.mark.parametrize("world", ["bare", "full"])
def test_the_json_export_validates_and_carries_the_application(client, world: str) -> None:
    application = factories.ApplicationFactory(stage="build") if world == "bare" else _full_pack_world()
    client.force_login(factories.support_analyst())

    response = client.get(reverse("readiness:handoff_pack_json", args=[application.slug]))

    pack = json.loads(response.content)
    _validator().validate(pack)
    assert (pack["application"]["slug"], pack["application"]["name"]) == (application.slug, application.name)
    assert [g["code"] for g in pack["gates"]["results"]] == [code.value for code in GateCode]
    assert [level["name"] for level in pack["escalation_path"]] == (
        [] if world == "bare" else ["Service desk", "Engineering"])


def test_the_pack_carries_every_artefact_and_the_agreed_plan(client) -> None:
    application = _full_pack_world()
    client.force_login(factories.support_analyst())

    pack = json.loads(client.get(reverse("readiness:handoff_pack_json", args=[application.slug])).content)

    assert [r["title"] for r in pack["runbooks"]] == ["Orders stuck in pending"]
    assert [k["title"] for k in pack["known_issues"]] == ["Slow invoice PDF"]
    assert [(d["title"], [a["description"] for a in d["actions"]]) for d in pack["drills"]] == [
        ("Login outage drill", ["Move the pager rota to the new phone"])]
    assert [d["title"] for d in pack["decisions"]] == ["Replay integration messages by hand"]
    assert [r["name"] for r in pack["ownership_rules"]] == ["Wrong or missing data"]
    assert pack["hypercare"]["plan_agreed"] is True
    hypercare_gate = next(g for g in pack["gates"]["results"] if g["code"] == "hypercare_plan")
    assert hypercare_gate["status"] == "met"


def test_pack_with_a_sign_off_validates_and_the_schema_rejects_a_broken_one(client) -> None:
    app = factories.hypercare_application()
    for criterion in app.exit_criteria.all():
        criterion.accepted_unmet, criterion.accepted_reason = True, "Accepted for the test."
        criterion.save()
    hypercare_sign_off(application=app, by=app.business_owner)
    client.force_login(app.business_owner)
    pack = json.loads(client.get(reverse("readiness:handoff_pack_json", args=[app.slug])).content)
    _validator().validate(pack)
    assert pack["sign_off"]["invalidated"] is False
    pack["sign_off"]["fingerprint"] = "not-a-digest"
    del pack["exit_criteria"][0]["met"]
    errors = list(_validator().iter_errors(pack))
    assert len(errors) == 2


def test_the_printable_page_shows_each_section_with_what_it_holds(client) -> None:
    application = _full_pack_world()
    client.force_login(factories.support_analyst())

    page = client.get(reverse("readiness:handoff_pack", args=[application.slug])).content.decode()

    verdict = verdict_for(application)
    shown = {
        "Go-live gates": f"Go-live gates ({verdict.met_count} of 9 passing)",
        "Escalation path": "Service desk",
        "Ownership rules": "Wrong or missing data",
        "Runbooks": "Orders stuck in pending (critical)",
        "Monitoring": "ERP order sync failures",
        "Known issues": "<strong>Slow invoice PDF</strong>",
        "Drills": "Move the pager rota to the new phone",
        "Decision records": "Replay integration messages by hand",
        "Hypercare": "No severity-1 incident in the last 7 days",
    }
    assert [section for section, text in shown.items() if text not in page] == []
    assert "css/print.css" in page


def test_pack_query_count_does_not_grow(client) -> None:
    app = factories.hypercare_application()
    client.force_login(app.delivery_lead)
    url = reverse("readiness:handoff_pack", args=[app.slug])
    client.get(url)  # a first page caches the navigation's roles label
    with CaptureQueriesContext(connection) as first:
        client.get(url)
    for i in range(10):
        factories.EscalationLevelFactory(application=app, position=10 + i)
        factories.OwnershipRuleFactory(application=app)
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second.captured_queries) == len(first.captured_queries)
    assert Application.objects.count() == 1
