"""A sign-in session that says whose it is.

Django's database sessions keep the user's id inside their encoded data, so finding one user's
sessions (to end the sign-in of someone who left) meant decoding every live session. This is
Django's own session row (AbstractBaseSession) with the user's id beside it, written when the
session is saved (readiness.sessions.SessionStore), as Django's documentation extends its
database session engine. A plain indexed number, not a foreign key: a session naming a deleted
user is refused at sign-in like any stale one, and must not fail to save.
"""

from __future__ import annotations

from typing import Any

from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models


class UserSession(AbstractBaseSession):
    user_pk = models.PositiveIntegerField(null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = "session"

    @classmethod
    def get_session_store_class(cls) -> Any:
        from readiness.sessions import SessionStore

        return SessionStore
