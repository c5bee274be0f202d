"""The REST API's OpenAPI schema is valid, and the live server keeps to it: Schemathesis sends
generated requests to every operation (bounded in examples and time) and no answer is a server
error or differs from what the schema documents (status, content type, body, headers)."""

from __future__ import annotations

import time
from typing import Any

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from readiness.services.api import api_token_create
from tests import factories

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
# Per operation: enough to meet empty, long and odd values of every field, quick enough for CI.
EXAMPLES = 12
STARTED: dict[str, float] = {}


@pytest.mark.django_db
def test_the_served_schema_is_valid_openapi() -> None:
    served = Client().get("/api/v1/openapi.json")

    assert served.status_code == 200 and served["Content-Type"] == "application/json"
    schema = served.json()
    validate(schema)  # raises on any departure from the OpenAPI 3.1 specification
    assert schema["components"]["securitySchemes"]["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    assert {"/api/v1/applications", "/api/v1/applications/{slug}/escalation-log", "/api/v1/people"} <= set(
        schema["paths"]
    )


@pytest.fixture
def world(live_server: Any) -> dict[str, Any]:
    """An application in hypercare with a row of each kind, and a token of its delivery lead (who may write)."""
    application = factories.hypercare_application()
    runbook = factories.RunbookFactory(application=application)
    alert = factories.AlertCheckFactory(application=application)
    factories.KnownIssueFactory(application=application)
    factories.DrillFactory(application=application)
    _, key = api_token_create(user=application.delivery_lead, name="schemathesis")
    return {
        "url": live_server.url,
        "key": key,
        "slug": application.slug,
        "pk": {"runbook": runbook.pk, "alert": alert.pk},
    }


@pytest.fixture
def api_schema(world: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_url(f"{world['url']}/api/v1/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)
def test_every_answer_keeps_to_the_schema(case: Any, world: dict[str, Any]) -> None:
    # Real rows most of the time, so generated bodies reach the forms and services behind the
    # 404; an odd generated id is kept, to exercise the not-found answer too.
    if "slug" in (case.path_parameters or {}):
        case.path_parameters["slug"] = world["slug"]
    pk = (case.path_parameters or {}).get("pk")
    if isinstance(pk, int) and pk % 2 == 0:
        case.path_parameters["pk"] = world["pk"]["runbook" if "runbooks" in case.path else "alert"]
    STARTED.setdefault("at", time.monotonic())
    case.call_and_validate(base_url=world["url"], headers={"Authorization": f"Bearer {world['key']}"}, checks=CHECKS)
