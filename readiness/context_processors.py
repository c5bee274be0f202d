from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from readiness.roles import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The roles beside the user's name in the navigation: read on each request (one query), so a
    change of role shows on the next page, as the permissions it labels do."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    roles = [name for name in user.groups.order_by("name").values_list("name", flat=True) if name in Role.values]
    return {"user_roles": roles}
