"""Access helper for views: fetch the application a signed-in user may read, or 404.

Everyone signed in reads every application. What they may change is decided by the table in
readiness/permissions.py (`can`/`require`), asked right after this, before binding any form.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from readiness.models import Application


class AuthenticatedHttpRequest(HttpRequest):
    """The request a view behind @login_required gets: its user is signed in, so it is a User.
    Only an annotation (mypy can't see what the decorator guarantees); nothing builds one."""

    user: User


def get_application_for_user(user: AbstractBaseUser | AnonymousUser, slug: str) -> Application:
    return get_object_or_404(Application.objects.with_people(), slug=slug)
