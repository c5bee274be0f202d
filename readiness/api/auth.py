"""Who is calling: the user's own API token (the tokens page), as `Authorization: Bearer <key>`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.errors import AuthorizationError
from ninja.security import HttpBearer

from readiness.models import ApiToken
from readiness.services.api import api_token_authenticate

READ_ONLY_REFUSAL = "This token is read-only: create a token without “read-only” on the tokens page to write."


class TokenAuth(HttpBearer):
    """Any active token of an active user; the request then acts as that user, so the
    permission table (readiness.permissions) decides the same as for their pages."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token.strip()) if token.strip() else None
        if found is not None:
            request.user = found.user
        return found


class WriteTokenAuth(TokenAuth):
    """A token that may write: a read-only one is refused (403) before the body is even read."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = super().authenticate(request, token)
        if found is not None and found.read_only:
            raise AuthorizationError(message=READ_ONLY_REFUSAL)
        return found


def token_of(request: HttpRequest) -> Any:
    return request.auth  # type: ignore[attr-defined]  # set by ninja once a TokenAuth accepted it
