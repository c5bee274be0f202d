"""The stand-ins on the path page and their form pass axe and the CSP in Chromium, errors shown too;
a stand-in arranged through the form is listed on the path with its reason."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from readiness.demo import DEMO_PASSWORD, seed
from readiness.models import EscalationLevel, StandIn

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_standin_form_and_the_path_with_a_standin_pass_axe(checked_page) -> None:
    seed(timezone.localdate())
    level = EscalationLevel.objects.get(application__slug="ordering-portal", position=1)
    checked_page.sign_in("lead", DEMO_PASSWORD)
    page = checked_page.page

    assert checked_page.goto("/apps/dispatch-board/path/").status == 200
    assert "Lachlan on annual leave; Ben knows the dispatch jobs" in page.content()

    checked_page.goto(f"/apps/ordering-portal/path/levels/{level.pk}/standins/new/?role=backup")
    page.get_by_role("button", name="Arrange the stand-in").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Name the person who stands in." in page.locator("#id_person").locator("xpath=..").inner_text()
    assert "Say why, in a line" in page.locator("#id_reason").locator("xpath=..").inner_text()

    page.get_by_label("Stand-in").select_option(label="Grace O'Neill (Australia/Sydney, ERP Integration)")
    start = timezone.localtime().replace(second=0, microsecond=0)
    page.get_by_label("From").fill(f"{start:%Y-%m-%dT%H:%M}")
    page.get_by_label("Until").fill(f"{start + timedelta(days=2):%Y-%m-%dT%H:%M}")
    page.get_by_label("Reason").fill("Tom at a conference")
    page.get_by_role("button", name="Arrange the stand-in").click()
    page.wait_for_load_state()
    checked_page.check()
    assert "Grace O'Neill stands in as backup on L1" in page.content()
    assert "Tom at a conference" in page.content()
    assert StandIn.objects.filter(level=level, role="backup").count() == 1
