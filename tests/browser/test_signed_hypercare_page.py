"""Issue 15, Must show 5, in Chromium: after sign-off the hypercare page shows the signed snapshot
and no control the server would refuse; a redefined criterion brings it back into hypercare."""

from __future__ import annotations

import pytest
from django.conf import settings

from readiness.models import SignOff, Stage
from readiness.permissions import CLOSED_REASON
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every control the page offers while hypercare is open, which the server refuses once it is signed off.
REFUSED = [
    ("button", "Sign off hypercare exit"),
    ("button", "Agree window and exit criteria"),
    ("link", "Edit plan"),
    ("link", "Add criterion"),
    ("link", "Extend hypercare"),
]


@pytest.mark.parametrize("username", ["priya", "dan"])
def test_after_sign_off_the_page_shows_the_signed_snapshot_and_no_refused_control(checked_page, username) -> None:
    owner = factories.business_owner(username="priya", first_name="Priya", last_name="Raman")
    app = factories.signed_off_application(owner=owner, statement="Support has been steady for a week.")
    app.delivery_lead.username = "dan"
    app.delivery_lead.save()
    page = checked_page.page
    checked_page.sign_in(username)
    checked_page.goto(f"/apps/{app.slug}/hypercare/")

    record = page.locator("#signed-record")
    assert record.is_visible()
    text = record.inner_text()
    assert "Signed off by Priya Raman" in text and "Support has been steady for a week." in text
    assert "chain verified" in text
    signed = page.locator("#signed-criteria")
    for criterion in SignOff.objects.get().snapshot["criteria"]:
        row = signed.get_by_role("row").filter(has_text=criterion["name"])
        assert row.get_by_role("cell", name=criterion["threshold_text"], exact=True).is_visible()
        assert row.get_by_role("cell", name=criterion["value_text"], exact=True).is_visible()
        assert row.get_by_text("Met", exact=True).is_visible()
    # The record leads the page: above the plan and the live criteria.
    assert record.bounding_box()["y"] < page.locator("#plan-heading").bounding_box()["y"]

    for role, name in REFUSED:
        assert page.get_by_role(role, name=name).count() == 0, name
    assert page.get_by_role("link", name="Attest").count() == 0
    assert page.get_by_role("link", name="Accept unmet").count() == 0
    assert page.locator("form[action*='sign-off'], form[action*='agree']").count() == 0
    assert page.locator("#closed-reason").inner_text() == CLOSED_REASON
    assert page.get_by_text("You cannot sign off yet").count() == 0


def test_redefining_a_criterion_brings_it_back_into_hypercare_with_the_reason(checked_page) -> None:
    app = factories.signed_off_application()
    app.delivery_lead.username = "dan"
    app.delivery_lead.save()
    page = checked_page.page
    checked_page.sign_in("dan")
    checked_page.goto(f"/apps/{app.slug}/hypercare/")
    criterion = app.exit_criteria.get(metric="support_resolution_rate_7_days")
    page.get_by_role("link", name=f"Redefine {criterion.name} (reopens hypercare)").click()
    page.wait_for_load_state()
    checked_page.check()
    page.get_by_label("Threshold").fill("90")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    checked_page.check()
    assert page.locator("#stage").inner_text() == "Hypercare"
    reason = page.locator("#reopened-reason").inner_text()
    assert f"“{criterion.name}” now needs 90 (signed with 80)" in reason
    assert page.locator("#signed-record").count() == 0
    app.refresh_from_db()
    assert app.stage == Stage.HYPERCARE
    checked_page.goto("/")
    assert "Sign-off invalidated:" in page.get_by_role("row").filter(has_text=app.name).inner_text()


def test_a_lead_chooses_their_timezone_and_the_signed_record_follows(checked_page) -> None:
    app = factories.signed_off_application()
    app.delivery_lead.username = "dan"
    app.delivery_lead.save()
    page = checked_page.page
    checked_page.sign_in("dan")
    page.get_by_role("link", name=settings.TIME_ZONE).click()  # the menu names the timezone in use
    page.wait_for_load_state()
    checked_page.check()
    page.get_by_label("Your timezone").fill("Asia/Manila")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Times are now shown in Asia/Manila." in page.content()
    checked_page.goto(f"/apps/{app.slug}/hypercare/")
    assert "PST" in page.locator("#sign-off-status").inner_text()  # Philippine time
    assert page.get_by_role("link", name="Asia/Manila").is_visible()
