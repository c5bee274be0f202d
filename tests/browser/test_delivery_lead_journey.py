"""The delivery lead's journey through the gate board, in Chromium, axe- and CSP-checked."""

from __future__ import annotations

import pytest
from django.utils import timezone

from readiness.demo import DEMO_PASSWORD, seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_lead_follows_a_blocker_fixes_it_and_sees_the_gate_turn_met(checked_page) -> None:
    seed(timezone.localdate())
    checked_page.sign_in("lead", password=DEMO_PASSWORD)
    page = checked_page.page

    # The dashboard is the lead's home: every application with its gates.
    assert page.get_by_role("heading", name="Go-live readiness").is_visible()
    table = page.locator("#dashboard")
    assert table.get_by_role("link", name="Customer Pricing Service").is_visible()
    table.get_by_role("link", name="Customer Pricing Service").click()
    page.wait_for_load_state()
    checked_page.check()

    assert page.get_by_role("heading", name="Verdict: Not ready").is_visible()
    monitoring = page.locator("#gate-monitoring")
    assert monitoring.locator("[data-status]").inner_text() == "Not met"

    # The verdict names the blocking gates; each leads to its card, where the blockers are listed.
    page.locator("#blockers").get_by_role("link", name="2. Monitoring").click()
    assert page.url.endswith("#gate-monitoring")
    # Follow the blocker: the alert nobody has seen fire.
    monitoring.get_by_role("link", name="Record a firing (Monitoring)").click()
    page.wait_for_load_state()
    checked_page.check()
    heading = "Record that “Portal price differs from ERP contract” was seen firing"
    assert page.get_by_role("heading", name=heading).is_visible()

    # Submitting without evidence is refused beside the field.
    page.get_by_label("Evidence", exact=False).first.fill("")
    page.get_by_role("button", name="Record the firing").click()
    page.wait_for_load_state()
    checked_page.check()
    assert page.locator("#error_1_id_evidence").inner_text() == "This field is required."

    page.get_by_label("Seen by").select_option(label="Raj Patel")
    page.locator("#id_evidence").fill("Sampled 1,000 prices with one contract deliberately changed; the drift alert "
                                      "paged the on-call phone within 4 minutes.")
    page.get_by_label("Evidence link").fill("https://tickets.harbourlane.example/INC-4821")
    page.get_by_role("button", name="Record the firing").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "seen firing" in page.locator(".alert-success").inner_text()

    # Back on the checklist, the monitoring gate is met.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Customer Pricing Service").click()
    page.wait_for_load_state()
    checked_page.check()
    monitoring = page.locator("#gate-monitoring")
    assert monitoring.locator("[data-status]").inner_text() == "Met"
    assert "seen firing" in monitoring.inner_text() and "Raj Patel" in monitoring.inner_text()
    assert page.get_by_role("heading", name="Verdict: Not ready").is_visible()


def test_the_blocked_applications_checklist_lists_each_blocker_once_and_stays_short(checked_page) -> None:
    # The pricing service blocks go-live on most gates. Its page once listed every blocker twice
    # (the verdict box and the gate) and was about 4,200 px tall at 1,280 px wide.
    seed(timezone.localdate())
    checked_page.sign_in("lead", password=DEMO_PASSWORD)
    page = checked_page.page
    page.set_viewport_size({"width": 1280, "height": 900})
    checked_page.goto("/apps/pricing-service/")  # axe- and CSP-checked

    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= 2100, height
    # Each blocker's fix link stands once on the page, in its gate's card.
    fixes = page.locator("main a", has_text="Record a firing").all_inner_texts()
    assert fixes and len(fixes) == len(set(fixes))
    assert page.locator("#blockers a").count() == page.locator("article.gate-not-met").count()
