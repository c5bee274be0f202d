"""Create the three roles as groups, with the permissions each needs (readiness/roles.py)."""

from __future__ import annotations

from django.contrib.auth.management import create_permissions
from django.db import migrations

# Frozen copy of readiness.roles.ROLE_PERMISSIONS at the time of this migration: migrations
# must not import code that may change later.
ROLE_PERMISSIONS = {
    "Delivery lead": ["edit_readiness", "waive_gate", "manage_escalation", "log_escalation", "test_reachability"],
    "Support analyst": ["log_escalation"],
    "Business owner": ["edit_readiness", "waive_gate", "sign_off_hypercare"],
}


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations ran; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="readiness", codename__in=codenames)
        )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("readiness", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
