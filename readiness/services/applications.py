from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from readiness.defaults import DEFAULT_RULES
from readiness.models import Application, EscalationLevel, ExitCriterion, Hypercare, OwnershipRule
from readiness.permissions import require
from readiness.services.escalation import levels_people
from readiness.services.gates import application_evidence_changed
from readiness.services.hypercare import exit_criteria_install_defaults
from readiness.services.person_places import people_schedule_refresh

logger = logging.getLogger(__name__)


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
    if created:
        application_evidence_changed(application_ids=[application.pk])
    return created


@transaction.atomic
def application_create(*, application: Application, members: list[User] | None = None) -> Application:
    """Save a new application (its fields set by the form) with its members, the default triage
    rules and the template exit criteria."""
    application.full_clean()
    application.save()
    if members:
        application.members.set(members)
    ownership_rules_install_defaults(application=application)
    exit_criteria_install_defaults(application=application)
    return application


@transaction.atomic
def application_update(
    *, application: Application, by: User, members: list[User] | None = None
) -> Application:
    """Save an edited application (its fields already set by the form) and its members.

    A new business owner goes through application_business_owner_change, which may refuse it.
    """
    stored_owner_id, *stored_periods = Application.objects.select_for_update().values_list(
        "business_owner_id", "contact_verification_days", "first_level_verification_days").get(pk=application.pk)
    if application.business_owner_id != stored_owner_id:
        new_owner = application.business_owner
        application.business_owner_id = stored_owner_id
        application_business_owner_change(application=application, new_owner=new_owner, by=by)
    else:
        application.full_clean()
        application.save()
    if members is not None:
        application.members.set(members)
    application_evidence_changed(application_ids=[application.pk])
    if stored_periods != [application.contact_verification_days, application.first_level_verification_days]:
        # The people on its paths are due sooner or later now.
        people_schedule_refresh(person_ids=levels_people(EscalationLevel.objects.filter(application=application)))
    return application


@transaction.atomic
def application_business_owner_change(
    *, application: Application, new_owner: User | None, by: User,
    now: datetime | None = None,
) -> Application:
    """Hand the business owner's role on this application to someone else.

    Only the current owner or an administrator may (readiness/permissions.py), and only to a
    holder of the Business owner role (Application.clean). What the previous owner signed for
    is theirs alone: their acceptances of unmet exit criteria and the agreement of the hypercare
    plan are retired, so the new owner agrees afresh (gate 9) and accepts what they accept.
    Each row is saved, not updated in bulk, so history keeps who changed it and the stored
    verdicts are retired.
    """
    require(by, "hypercare.hand_over_ownership", application)
    now = now or timezone.now()
    application.business_owner = new_owner
    application.full_clean()
    # simple_history keeps the reason beside the change (the history page shows it).
    application._change_reason = "Business owner handed on"  # type: ignore[attr-defined]
    application.save()
    for criterion in ExitCriterion.objects.filter(application=application).exclude(
        accepted_at__isnull=True, accepted_unmet=False
    ):
        criterion.withdraw_acceptance()
        criterion.full_clean()
        criterion.save()
    hypercare = Hypercare.objects.filter(application=application, agreed_at__isnull=False).first()
    if hypercare is not None:
        hypercare.agreed_at = None
        hypercare.agreed_by = None
        hypercare.agreed_fingerprint = ""
        hypercare.full_clean()
        hypercare.save(update_fields=["agreed_at", "agreed_by", "agreed_fingerprint", "updated_at"])
    application_evidence_changed(application_ids=[application.pk])
    logger.info("application %s: business owner handed to user %s by user %s at %s",
                application.pk, getattr(new_owner, "pk", None), by.pk, now.isoformat())
    return application
