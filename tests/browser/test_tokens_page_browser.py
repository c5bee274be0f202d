"""The new API token is readable: the page that shows it passes axe (colour contrast included)."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_page_showing_a_new_token_passes_axe(checked_page) -> None:
    factories.delivery_lead(username="dana")
    checked_page.sign_in("dana")
    checked_page.goto("/account/tokens/")
    page = checked_page.page
    page.get_by_label("Name").fill("chat bot")
    page.get_by_role("button", name="Create token").click()
    checked_page.check()
    token = page.locator("#new-token")
    assert len(token.inner_text()) > 20
    assert token.evaluate("e => getComputedStyle(e).color") == "rgb(33, 37, 41)"
