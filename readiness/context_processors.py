from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from readiness.roles import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    # Group names are cached on the user for the request; the base layout shows them.
    if not hasattr(user, "_handoff_roles"):
        user._handoff_roles = [g for g in user.groups.values_list("name", flat=True) if g in Role.values]
    return {"user_roles": user._handoff_roles}
