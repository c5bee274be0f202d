from __future__ import annotations

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_delivery_lead_signs_in_and_sees_the_dashboard(checked_page) -> None:
    factories.delivery_lead(username="dana", first_name="Dana", last_name="Whitfield")
    checked_page.sign_in("dana")
    page = checked_page.page
    assert page.url.rstrip("/") == checked_page.base_url
    assert page.get_by_role("button", name="Sign out").is_visible()
    assert "Dana Whitfield" in page.content()


def test_wrong_password_is_explained_on_the_sign_in_page(checked_page) -> None:
    factories.delivery_lead(username="dana")
    checked_page.sign_in("dana", password="not-it")
    assert "Please enter a correct username and password" in checked_page.page.content()
