"""Every escalation page passes axe and the CSP in Chromium, forms with their errors shown too."""

from __future__ import annotations

import pytest
from django.utils import timezone

from readiness.demo import DEMO_PASSWORD, seed
from readiness.models import EscalationLevel, OwnershipRule, Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_escalation_pages_are_accessible(checked_page) -> None:
    seed(timezone.localdate())
    mia = Person.objects.get(name="Mia Chen")
    level = EscalationLevel.objects.get(application__slug="ordering-portal", position=3)
    rule = OwnershipRule.objects.filter(application__slug="ordering-portal").first()
    checked_page.sign_in("lead", DEMO_PASSWORD)

    for path in [
        "/apps/ordering-portal/path/", "/apps/pricing-service/path/", "/apps/ordering-portal/rules/",
        f"/apps/ordering-portal/rules/{rule.pk}/edit/", "/apps/ordering-portal/path/levels/new/",
        f"/apps/ordering-portal/path/levels/{level.pk}/edit/", "/apps/ordering-portal/sheet/", "/people/",
        f"/people/{mia.pk}/", f"/people/{mia.pk}/edit/", f"/people/{mia.pk}/left/", "/people/new/", "/teams/new/",
        "/account/tokens/", "/call/?problem_class=Integration+misfires",
        f"/people/{Person.objects.get(name='Arjun Rao').pk}/edit/",
    ]:
        assert checked_page.goto(path).status == 200, path


def test_form_errors_show_beside_the_fields_and_pass_axe(checked_page) -> None:
    seed(timezone.localdate())
    mia = Person.objects.get(name="Mia Chen")
    checked_page.sign_in("lead", DEMO_PASSWORD)
    page = checked_page.page

    checked_page.goto(f"/people/{mia.pk}/edit/")
    page.get_by_label("Timezone").fill("Mars/Olympus_Mons")
    # Monday's second row (the first is 08:00–18:00): a window inside the first overlaps it.
    page.locator("#id_hours-1-starts_at").fill("12:00")
    page.locator("#id_hours-1-ends_at").fill("13:00")
    page.get_by_label("Public holidays").fill("AU-XX")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    checked_page.check()
    beside = {
        name: page.locator(f"#id_{name}").locator("xpath=..").inner_text()
        for name in ("timezone", "hours-1-starts_at", "region")
    }
    assert "Mars/Olympus_Mons is not a known IANA timezone" in beside["timezone"]
    assert "Overlaps Monday 08:00–18:00" in beside["hours-1-starts_at"]
    assert "AU has no region XX" in beside["region"]

    checked_page.goto("/apps/ordering-portal/path/levels/new/")
    page.get_by_label("Name").fill("Vendor")
    page.get_by_role("button", name="Save level").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Name the primary" in page.locator("#id_primary").locator("xpath=..").inner_text()
    assert not EscalationLevel.objects.filter(name="Vendor").exists()
