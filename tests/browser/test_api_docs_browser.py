"""The REST API's documentation page draws its operations from local files, within the CSP."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_page_lists_the_operations_without_breaking_the_csp(checked_page) -> None:
    requested: list[str] = []
    checked_page.page.on("request", lambda request: requested.append(request.url))
    checked_page.page.goto(checked_page.base_url + "/api/v1/docs")
    page = checked_page.page
    page.get_by_text("/api/v1/applications/{slug}/escalation-log").first.wait_for()
    assert page.get_by_text("Handoff API").first.is_visible()
    assert checked_page.csp_violations() == []
    assert [url for url in requested if not url.startswith(checked_page.base_url)] == []
