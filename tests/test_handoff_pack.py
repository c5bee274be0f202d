"""The handoff pack: printable page and a JSON export that validates against the schema in the repo."""

from __future__ import annotations

import json

import jsonschema
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from readiness.models import Application
from readiness.pack import SCHEMA_PATH
from readiness.services.hypercare import hypercare_sign_off
from tests import factories

pytestmark = pytest.mark.django_db


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.mark.parametrize("slug", ["ordering-portal", "dispatch-board", "pricing-service"])
def test_json_export_of_every_demo_application_validates(client, demo, slug) -> None:
    client.force_login(factories.support_analyst())
    response = client.get(reverse("readiness:handoff_pack_json", args=[slug]))
    assert response.status_code == 200
    pack = json.loads(response.content)
    _validator().validate(pack)
    assert pack["application"]["slug"] == slug
    assert len(pack["gates"]["results"]) == 9
    assert pack["escalation_path"] and pack["ownership_rules"] and pack["exit_criteria"]


def test_pack_of_the_portal_carries_everything(client, demo) -> None:
    client.force_login(factories.support_analyst())
    pack = json.loads(client.get(reverse("readiness:handoff_pack_json", args=["ordering-portal"])).content)
    for key in ("runbooks", "known_issues", "drills", "decisions"):
        assert pack[key], key
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


def test_printable_page_has_every_section(client, demo) -> None:
    client.force_login(factories.support_analyst())
    page = client.get(reverse("readiness:handoff_pack", args=["ordering-portal"])).content.decode()
    for heading in ("Go-live gates", "Escalation path", "Ownership rules", "Runbooks", "Known issues", "Drills",
                    "Decision records", "Hypercare and exit criteria", "css/print.css"):
        assert heading in page


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
