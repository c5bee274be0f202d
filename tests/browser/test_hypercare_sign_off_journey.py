"""The business owner's journey in Chromium: review the criteria, accept what is unmet, sign off, see BAU."""

from __future__ import annotations

import pytest

from readiness.models import SignOff, Stage
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_business_owner_reviews_criteria_signs_off_and_sees_the_stage_change(checked_page) -> None:
    owner = factories.business_owner(username="priya", first_name="Priya", last_name="Raman")
    app = factories.hypercare_application(owner=owner)
    page = checked_page.page
    checked_page.sign_in("priya")

    checked_page.goto(f"/apps/{app.slug}/hypercare/")
    assert page.locator("#stage").inner_text() == "Hypercare"
    criteria = page.get_by_role("table").filter(has_text="Current value")
    assert criteria.get_by_text("Not met").count() == 2

    # Signing now would be refused: no sign-off button, the reasons instead.
    assert page.get_by_role("button", name="Sign off hypercare exit").count() == 0
    assert "You cannot sign off yet" in page.locator("#sign-off-blockers").inner_text()
    assert SignOff.objects.count() == 0

    # Accept each unmet criterion with a reason.
    for _ in range(2):
        page.get_by_role("link", name="Accept unmet").first.click()
        page.wait_for_load_state()
        checked_page.check()
        page.get_by_label("Why signing off with this unmet is acceptable").fill(
            "The vendor shadows support for one more incident cycle under the support contract."
        )
        page.get_by_role("button", name="Accept with this reason").click()
        page.wait_for_load_state()
        checked_page.check()
    assert criteria.get_by_text("Not met — accepted").count() == 2

    page.get_by_label("Anything to add (optional)").fill("Support has been steady for a week.")
    page.get_by_label("I have reviewed every exit criterion").check()
    page.get_by_role("button", name="Sign off hypercare exit").click()
    page.wait_for_load_state()
    checked_page.check()
    assert page.locator("#stage").inner_text() == "Business as usual"
    assert "Signed off by Priya Raman" in page.locator("#sign-off-status").inner_text()
    app.refresh_from_db()
    assert app.stage == Stage.BAU
    assert SignOff.objects.get().snapshot["criteria"][0]["name"] == app.exit_criteria.first().name


def test_support_analyst_logs_an_escalation_on_a_phone(checked_page) -> None:
    analyst = factories.support_analyst(username="mia")
    app = factories.hypercare_application()
    app.members.add(analyst)  # she supports it: only its members write its escalation log
    page = checked_page.page
    page.set_viewport_size({"width": 390, "height": 844})
    checked_page.sign_in("mia")
    checked_page.goto(f"/apps/{app.slug}/escalation-log/new/")
    page.get_by_label("Severity").select_option("2")
    page.get_by_label("Class of problem").select_option(label="Wrong or missing data")
    page.get_by_label("To level").select_option(label="L2 Engineering")
    page.get_by_label("Summary").fill("Wrong fulfilment code on Sydney orders.")
    page.get_by_role("button", name="Log escalation", exact=True).click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Escalation logged." in page.content()
    assert page.get_by_role("cell", name="Wrong fulfilment code on Sydney orders.").is_visible()
    # The form fits the phone: no sideways scrolling.
    checked_page.goto(f"/apps/{app.slug}/escalation-log/new/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_hypercare_pages_of_the_demo_pass_axe(checked_page, demo) -> None:
    from readiness.models import Application

    Application.objects.get(slug="ordering-portal").members.add(factories.delivery_lead(username="dana"))
    checked_page.sign_in("dana")
    for path in ("hypercare/", "hypercare/plan/", "hypercare/criteria/new/", "hypercare/extend/",
                 "escalation-log/", "escalation-log/new/", "history/", "history/?as_of=2026-01-01", "handoff-pack/"):
        response = checked_page.goto(f"/apps/ordering-portal/{path}")
        assert response.status == 200, path
    open_entry = Application.objects.get(slug="ordering-portal").escalations.get(resolved_at__isnull=True)
    assert checked_page.goto(f"/apps/ordering-portal/escalation-log/{open_entry.pk}/resolve/").status == 200
    page = checked_page.page
    checked_page.goto("/apps/ordering-portal/hypercare/")
    assert page.get_by_text("Not met").count() >= 1 and page.get_by_text("Met", exact=True).count() >= 1
