"""Every refusal of the REST API is JSON, also those the framework gives before the API's own
exception handlers: a method an address does not take (405, its Allow header kept) on every
route of the URLconf, and an address under /api/v1/ that no route matches (404)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.urls import get_resolver, reverse

from readiness.middleware import ApiRefusalsInJsonMiddleware
from readiness.services.api import api_token_create
from tests import factories
from tests.url_walk import walk

pytestmark = pytest.mark.django_db

API = "api-v1:"
# Ninja's placeholder at /api/v1/ itself answers 404 to every method: checked with the unknown paths.
ROUTES = [route for route in walk(get_resolver()) if route.qualified.startswith(API) and route.name != "api-root"]
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed(response) -> set[str]:
    return {method.strip() for method in response["Allow"].split(",")}


def test_every_api_route_answers_a_method_it_does_not_take_with_json_and_the_allow_header() -> None:
    # As in production: CSRF checked, so an address outside the API's own views would meet its refusal.
    client = Client(enforce_csrf_checks=True)
    assert {"api_applications", "api_drill_create", "openapi-json", "openapi-view"} <= {r.name for r in ROUTES}
    wrong = []
    for url in sorted({reverse(r.qualified, kwargs={name: "app" if name == "slug" else 1 for name in r.params})
                       for r in ROUTES}):
        # No route of the API takes DELETE: its 405 says which methods the address does take.
        allowed = _allowed(client.delete(url))
        assert allowed and "DELETE" not in allowed, url
        for method in sorted(set(METHODS) - allowed):
            response = client.generic(method, url)
            # A HEAD answer carries no body, only the status and headers.
            json = response.get("Content-Type") == "application/json"
            body = response.json() if json and method != "HEAD" else None
            if response.status_code != 405 or _allowed(response) != allowed:
                wrong.append(f"{method} {url}: {response.status_code}, Allow {response.get('Allow')}")
            elif not json or method != "HEAD" and body != {
                    "detail": f"{method} is not allowed here: this address answers {response['Allow']}.",
                    "errors": {}}:
                wrong.append(f"{method} {url}: {response.get('Content-Type')} {response.content[:80]!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", ["/api/v1/", "/api/v1/no-such-thing", "/api/v1/applications/app/no-such-thing",
                                  "/api/v1/applications/app/runbooks/1/exercised/again"])
@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
def test_an_unknown_api_address_is_a_json_404(path: str, method: str) -> None:
    response = Client().generic(method, path)

    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "detail": "Not found: no such address in the API (its addresses are listed at /api/v1/docs).", "errors": {}}


def test_a_page_outside_the_api_keeps_its_own_answers(client) -> None:
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/applications/%00", "/api/v1/applications/%00/runbooks",
                                  "/api/v1/applications/app%00/alerts/1/verifications", "/api/v1/no%00such"])
def test_a_nul_in_an_api_address_is_a_json_400_not_a_lookup(path: str) -> None:
    # On PostgreSQL the NUL reached the application's lookup, which the database refused: a 500.
    app = factories.ApplicationFactory(slug="app")
    _, key = api_token_create(user=app.delivery_lead, name="script")
    for method in ("GET", "POST"):
        response = Client().generic(method, path, b"{}", content_type="application/json",
                                    headers={"Authorization": f"Bearer {key}"})

        assert response.status_code == 400 and response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "The address holds characters that cannot be read.", "errors": {}}


def test_a_nul_in_a_pages_address_is_a_400_in_words(client) -> None:
    response = client.get("/confirm/%00/")

    assert response.status_code == 400
    assert response.content.decode() == "The address holds characters that cannot be read."


def test_outside_the_api_the_middleware_hands_back_the_answer_without_reading_it() -> None:
    # The bare ping measures the middleware's cost (make bench): outside /api/v1/ it is a prefix check only.
    given: Any = object()  # not even a response: any look at it would fail
    middleware = ApiRefusalsInJsonMiddleware(lambda request: given)

    assert middleware(RequestFactory().get("/health/ping/")) is given
