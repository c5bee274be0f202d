"""/favicon.ico, which browsers ask for on every first visit, leads to the icon."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_favicon_redirects_to_the_static_icon_which_exists(client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    assert response["Location"] == "/static/favicon.ico"
    icon = finders.find("favicon.ico")
    assert icon is not None
    with open(icon, "rb") as file:
        assert file.read(4) == b"\x00\x00\x01\x00"  # an ICO header


def test_every_page_names_the_icon(client, lead) -> None:
    client.force_login(lead)
    html = client.get(reverse("readiness:home")).content.decode()
    assert '<link rel="icon" href="/static/favicon.ico" sizes="32x32">' in html
