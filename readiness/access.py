"""Access helpers for views: fetch what the user may see, or raise 404/403.

Everyone signed in reads every application; editing needs membership and the role's
permission (Application.can_edit). Views call these first, before binding any form.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from readiness.models import Application


def get_application_for_user(
    user: AbstractBaseUser | AnonymousUser, slug: str, *, edit: bool = False
) -> Application:
    application = get_object_or_404(Application.objects.with_people(), slug=slug)
    if edit and not application.can_edit(user):
        raise PermissionDenied("Only members of this application with an editing role can change it.")
    return application


def require_perm(user: AbstractBaseUser | AnonymousUser, perm: str) -> None:
    if not user.has_perm(perm):
        raise PermissionDenied("Your role does not allow this.")
