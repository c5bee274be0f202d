from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client

from readiness.models import ApiToken
from readiness.models.api import hash_key
from readiness.services.api import api_token_create, api_token_revoke
from tests import factories

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def portal() -> object:
    level = factories.EscalationLevelFactory(application__slug="portal", position=1, name="Service desk")
    factories.OwnershipRuleFactory(
        application=level.application, name="Access, login and permissions", example_symptoms="password reset",
        level=level,
    )
    return level.application


def _get(key: str | None = None, **params: str) -> _MonkeyPatchedWSGIResponse:
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    return Client().get("/api/lookup/", {"application": "portal", "symptom": "password reset", **params}, **headers)


def test_no_token_is_401(portal) -> None:
    response = _get()

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "token" in response.json()["error"]


def _refused(response) -> None:
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="handoff"'
    assert response.json() == {"error": "A valid API token is required: Authorization: Bearer <token>."}


def test_unknown_token_is_401(portal) -> None:
    _refused(_get("hnd_not-a-real-token"))


def test_revoked_token_is_401(portal, analyst) -> None:
    token, key = api_token_create(user=analyst, name="Teams bot")
    assert _get(key).status_code == 200

    api_token_revoke(token=token)

    _refused(_get(key))


def test_a_session_is_not_enough(portal, analyst) -> None:
    client = Client()
    client.force_login(analyst)

    _refused(client.get("/api/lookup/", {"symptom": "password reset"}))


def test_only_the_hash_is_stored_and_use_is_stamped(portal, analyst, django_capture_on_commit_callbacks,
                                                    monkeypatch) -> None:
    token, key = api_token_create(user=analyst, name="Teams bot")
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    from readiness import queue

    # The request writes nothing: the stamp is a task, enqueued once the request is done.
    monkeypatch.setattr(queue, "_publish", lambda task, args: task.apply(args=args, throw=True))
    with django_capture_on_commit_callbacks(execute=True):
        answer = _get(key).json()

    assert answer["answer"]["class"] == "Access, login and permissions"
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bad_input_is_400_with_the_field(portal, analyst) -> None:
    _, key = api_token_create(user=analyst, name="bot")

    response = _get(key, at="yesterday-ish", application="nope")

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"at", "application"}


def test_missing_symptom_and_class_is_400(portal, analyst) -> None:
    _, key = api_token_create(user=analyst, name="bot")

    response = _get(key, symptom="")

    assert response.status_code == 400
    assert "symptom" in response.json()["errors"]


def test_at_accepts_an_offset(portal, analyst) -> None:
    _, key = api_token_create(user=analyst, name="bot")

    answer = _get(key, at="2025-06-02T02:00:00+10:00").json()

    assert datetime.fromisoformat(answer["at"]) == datetime(2025, 6, 1, 16, 0, tzinfo=UTC)
    # 02:00 on a Monday is outside the factory's 09:00-17:00: the primary is not called.
    assert answer["answer"]["call"]["call"] is None


def test_user_creates_and_revokes_tokens_on_a_page(analyst) -> None:
    client = Client()
    client.force_login(analyst)

    page = client.post("/account/tokens/", {"name": "Teams bot"}, follow=True)

    token = ApiToken.objects.get(user=analyst)
    assert page.context["new_key"].startswith("hnd_")
    assert hash_key(page.context["new_key"]) == token.key_hash
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_user_cannot_revoke_someone_elses_token(analyst, lead) -> None:
    token, _ = api_token_create(user=lead, name="Lead bot")
    client = Client()
    client.force_login(analyst)

    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_duplicate_token_name_is_refused_beside_the_field(analyst) -> None:
    api_token_create(user=analyst, name="Teams bot")
    client = Client()
    client.force_login(analyst)

    page = client.post("/account/tokens/", {"name": "Teams bot"}, follow=True)

    assert page.context["form"].errors == {"name": ["You already have a token with this name."]}
    assert ApiToken.objects.count() == 1


def test_token_use_is_stamped_at_most_once_a_minute(analyst, django_capture_on_commit_callbacks,
                                                    monkeypatch) -> None:
    import time_machine
    from django.utils import timezone

    from readiness import queue
    from readiness.services.api import api_token_authenticate, api_token_create

    token, key = api_token_create(user=analyst, name="bot")
    monkeypatch.setattr(queue, "_publish", lambda task, args: task.apply(args=args, throw=True))

    def use() -> list:
        # Each use as one request: the stamp is a task, enqueued for when the request is done.
        with django_capture_on_commit_callbacks(execute=True) as enqueued:
            api_token_authenticate(key)
        token.refresh_from_db()
        return enqueued

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert len(use()) == 1
        first = token.last_used_at
        traveller.shift(30)
        assert use() == [] and token.last_used_at == first
        traveller.shift(31)
        assert len(use()) == 1 and token.last_used_at > first
