"""Recording a runbook's exercise in Chromium: the checklist's fix link leads to the form, an
exercise without who, how or outcome is refused beside each field, and the recorded one is
listed on the runbook; each page passes axe and the CSP."""

from __future__ import annotations

import pytest
from django.utils import timezone

from readiness.demo import DEMO_PASSWORD, seed
from readiness.models import Runbook, RunbookExercise

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Customer sees a price that differs from their contract"


def test_an_exercise_is_recorded_from_the_checklist_and_listed_on_the_runbook(checked_page) -> None:
    seed(timezone.localdate())
    runbook = Runbook.objects.get(application__slug="pricing-service", title=TITLE)
    checked_page.sign_in("lead", DEMO_PASSWORD)
    page = checked_page.page

    checked_page.goto("/apps/pricing-service/")
    assert f"“{TITLE}” has never been exercised." in page.content()
    page.locator(f'a[href="/apps/pricing-service/runbooks/{runbook.pk}/exercises/new/"]').first.click()
    page.wait_for_load_state()
    checked_page.check()
    page.locator("#id_exercised_by").select_option(index=0)  # nobody picked
    page.get_by_role("button", name="Record the exercise").click()
    page.wait_for_load_state()
    checked_page.check()

    def beside(field: str) -> str:
        return page.locator(f"#id_{field}").locator("xpath=ancestor::div[contains(@class,'mb-3')][1]").inner_text()

    assert "Say who exercised the runbook" in beside("exercised_by")
    assert "Say how it was exercised" in beside("how")
    assert "Say how it went" in beside("outcome")
    assert not RunbookExercise.objects.filter(runbook=runbook).exists()

    page.locator("#id_how").select_option("walk_through")
    page.locator("#id_participants").fill("Service desk and the pricing team")
    page.locator("#id_outcome").select_option("changed")
    page.locator("#id_what_happened").fill("Ran the contract price check for a test customer; step 2 was unclear.")
    page.locator("#id_changes_made").fill("Step 2 names the portal's price page.")
    page.get_by_role("button", name="Record the exercise").click()
    page.wait_for_load_state()
    checked_page.check()

    assert page.url.endswith(f"/apps/pricing-service/runbooks/{runbook.pk}/")
    table = page.locator("#exercises").inner_text()
    assert "Walk-through" in table and "Service desk and the pricing team" in table
    assert "Step 2 names the portal's price page." in table
    checked_page.goto("/apps/pricing-service/")
    assert f"“{TITLE}” has never been exercised." not in page.content()
