"""The session engine (settings.SESSION_ENGINE): Django's database sessions, each row keeping
whose session it is (models.UserSession), so a user's sessions are one indexed query away."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

if TYPE_CHECKING:
    from readiness.models import UserSession


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls) -> Any:
        from readiness.models import UserSession

        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session: UserSession = super().create_model_instance(data)  # type: ignore[assignment]  # our model class
        user_pk = data.get(SESSION_KEY)
        session.user_pk = int(user_pk) if isinstance(user_pk, str) and user_pk.isdigit() else None
        return session
