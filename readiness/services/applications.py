from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from readiness.defaults import DEFAULT_RULES
from readiness.models import Application, EscalationLevel, OwnershipRule, Stage
from readiness.services.hypercare import exit_criteria_install_defaults


@transaction.atomic
def ownership_rules_install_defaults(
    *, application: Application, levels_by_role: Mapping[str, EscalationLevel] | None = None
) -> list[OwnershipRule]:
    """Give an application the default triage rules it lacks; existing rules are left alone."""
    existing = set(application.ownership_rules.values_list("name", flat=True))
    created = []
    for default in DEFAULT_RULES:
        if default["name"] in existing:
            continue
        rule = OwnershipRule(
            application=application,
            name=default["name"],
            description=default["description"],
            example_symptoms="\n".join(default["example_symptoms"]),
            owner_role=default["owner_role"],
            level=(levels_by_role or {}).get(default["owner_role"]),
            **{f"{duty}_role": role for duty, role in default["duties"].items()},
        )
        rule.full_clean()
        rule.save()
        created.append(rule)
    return created


@transaction.atomic
def application_create(
    *,
    name: str,
    slug: str,
    description: str = "",
    current_release: str = "",
    go_live_date: date | None = None,
    stage: str = Stage.BUILD,
    delivery_lead: AbstractBaseUser | None = None,
    business_owner: AbstractBaseUser | None = None,
    support_lead: AbstractBaseUser | None = None,
    members: list[AbstractBaseUser] | None = None,
) -> Application:
    """Create an application with the default triage rules and the template exit criteria."""
    application = Application(
        name=name,
        slug=slug,
        description=description,
        current_release=current_release,
        go_live_date=go_live_date,
        stage=stage,
        delivery_lead=delivery_lead,
        business_owner=business_owner,
        support_lead=support_lead,
    )
    application.full_clean()
    application.save()
    if members:
        application.members.set(members)
    ownership_rules_install_defaults(application=application)
    exit_criteria_install_defaults(application=application)
    return application


@transaction.atomic
def application_update(
    *, application: Application, members: list[AbstractBaseUser] | None = None
) -> Application:
    """Save an edited application (its fields already set by the form) and its members."""
    application.full_clean()
    application.save()
    if members is not None:
        application.members.set(members)
    return application
