from __future__ import annotations

from typing import Any

from django.core.cache import cache
from django.http import HttpRequest

from readiness.roles import Role

# The roles beside the user's name in the navigation, a label only: permissions are checked in
# the database on every request. Kept a minute per user, so that the label is not a query on
# every page; a change of role shows within that minute.
ROLES_LABEL_SECONDS = 60


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    key = f"navigation:roles:{user.pk}"
    roles = cache.get(key)
    if roles is None:
        roles = [g for g in user.groups.values_list("name", flat=True) if g in Role.values]
        cache.set(key, roles, ROLES_LABEL_SECONDS)
    return {"user_roles": roles}
