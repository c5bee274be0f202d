"""The three roles of Handoff, as Django groups, and what each may do.

The groups and their permissions are created by a data migration (0002_roles), so every
database has them; `seed_demo` only puts demo users in them. What each action needs (the
role's permission and, for an application's objects, membership) is the table in
readiness/permissions.py; views, services and templates ask it, not these codenames.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    DELIVERY_LEAD = "Delivery lead", "Delivery lead"
    SUPPORT_ANALYST = "Support analyst", "Support analyst"
    BUSINESS_OWNER = "Business owner", "Business owner"


# Codenames of the custom permissions declared on Application.Meta.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.DELIVERY_LEAD: [
        "edit_readiness",
        "waive_gate",
        "manage_escalation",
        "log_escalation",
        "test_reachability",
    ],
    Role.SUPPORT_ANALYST: ["log_escalation"],
    Role.BUSINESS_OWNER: ["edit_readiness", "waive_gate", "sign_off_hypercare"],
}


def ensure_role_groups() -> None:
    """Create the role groups with exactly their permissions, if missing or changed.

    The 0002_roles migration creates them on a new database; this runs after every migrate
    (and after the test runner flushes a database) so later permissions reach existing groups.
    """
    from django.contrib.auth.models import Group, Permission

    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = set(Permission.objects.filter(content_type__app_label="readiness", codename__in=codenames))
        if set(group.permissions.all()) != wanted:
            group.permissions.set(wanted)
