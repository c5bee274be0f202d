"""The API token page: a new token is shown once, never cached, and readable."""

from __future__ import annotations

import pytest
from django.urls import reverse

from readiness.models import ApiToken
from readiness.services.api import api_token_authenticate

pytestmark = pytest.mark.django_db


def _no_store(response) -> bool:
    return "no-store" in response["Cache-Control"].split(", ")


def test_the_token_page_is_never_cached(client, lead) -> None:
    client.force_login(lead)
    response = client.get(reverse("readiness:token_list"))
    assert response.status_code == 200
    assert _no_store(response)
    assert "No tokens yet." in response.content.decode()


def test_the_new_token_is_shown_once_on_a_page_no_cache_keeps(client, lead) -> None:
    client.force_login(lead)
    # Followed: the page showing the token may be the POST's answer or the page it redirects to.
    response = client.post(reverse("readiness:token_list"), {"name": "chat bot"}, follow=True)

    assert response.status_code == 200
    assert _no_store(response)
    html = response.content.decode()
    key = html.split('<code class="new-token user-select-all" id="new-token">', 1)[1].split("</code>", 1)[0]
    assert api_token_authenticate(key) == ApiToken.objects.get(user=lead, name="chat bot")
    assert "Created the token chat bot. Copy it now: it is not shown again." in html
    # Shown once: the next visit lists the token by its first characters only.
    again = client.get(reverse("readiness:token_list")).content.decode()
    assert key not in again and "chat bot" in again
