"""The dashboard's pages of applications, in Chromium, axe- and CSP-checked."""

from __future__ import annotations

import pytest

from readiness.models import Application, Stage
from readiness.views.gates import PAGE_SIZE
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_sorts_and_pages_through_the_dashboard(checked_page) -> None:
    factories.delivery_lead(username="dana")
    Application.objects.bulk_create(
        Application(name=f"Service {n:02d}", slug=f"service-{n:02d}", stage=Stage.HARDENING)
        for n in range(PAGE_SIZE + 3)
    )
    checked_page.sign_in("dana")
    page = checked_page.page
    page.locator("#dashboard").get_by_role("link", name="Application").click()
    checked_page.check()
    assert page.locator("#dashboard tbody tr").count() == PAGE_SIZE
    pages = page.get_by_role("navigation", name="Pages of applications")
    assert pages.get_by_text("Page 1 of 2").is_visible()
    pages.get_by_role("link", name="Next").click()
    checked_page.check()
    rows = page.locator("#dashboard tbody tr")
    assert rows.count() == 3
    assert rows.first.get_by_role("link").inner_text() == f"Service {PAGE_SIZE:02d}"
    page.get_by_label("Stage").select_option(label="Build")
    page.get_by_role("button", name="Filter").click()
    checked_page.check()
    assert "No applications in this stage." in page.locator("#dashboard").inner_text()
