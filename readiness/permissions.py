"""Who may do what in Handoff: one table, read by views, services and templates alike.

Each action is a role permission (the groups of readiness/roles.py) and, for anything that
belongs to an application, membership of that application:

| action                        | role permission      | and                                        |
|-------------------------------|----------------------|--------------------------------------------|
| application.create            | edit_readiness       | (no application yet; the creator joins it) |
| application.edit              | edit_readiness       | member                                     |
| artefact.edit                 | edit_readiness       | member (runbooks, alerts, access checks,   |
|                               |                      | known issues, drills, decisions, their     |
|                               |                      | small actions, runbook exercises; the      |
|                               |                      | alert webhook's secret and mapping an      |
|                               |                      | unmatched alert to a check)                |
| hypercare.edit                | edit_readiness       | member (plan, criteria, evidence, extend), |
|                               |                      | while hypercare is open                    |
| hypercare.redefine_criterion  | edit_readiness       | member (also after sign-off: it reopens)   |
| waiver.create                 | waive_gate           | member (asking for a waiver)               |
| waiver.approve                | waive_gate           | member, not the one who asked for it       |
| waiver.revoke                 | waive_gate           | member                                     |
| escalation_path.manage        | manage_escalation    | member (levels, ownership rules)           |
| escalation_log.write          | log_escalation       | member (log and resolve)                   |
| standin.manage                | manage_escalation    | member; or, without the role, the person   |
|                               |                      | being covered (their Person's user): for a |
|                               |                      | level, anyone on it; for a stand-in, the   |
|                               |                      | holder of the role it covers               |
| hypercare.agree               | sign_off_hypercare   | the application's own business owner,      |
| hypercare.accept_criterion    | sign_off_hypercare   | each while hypercare is open               |
| hypercare.sign_off            | sign_off_hypercare   | (not signed off, or the sign-off undone)   |
| hypercare.hand_over_ownership | —                    | the current business owner, or a superuser |
|                               |                      | (anyone who may edit while there is none)  |
| people.manage                 | manage_escalation    | role alone: people and teams are org-wide  |
|                               |                      | (and importing a people CSV)               |
| catalog.import                | edit_readiness       | role alone to open it; each application it |
|                               |                      | changes asks application.edit, each one it |
|                               |                      | creates application.create, each team or   |
|                               |                      | person people.manage                       |
| paths.import                  | manage_escalation    | role alone to open it; each application it |
|                               |                      | changes asks escalation_path.manage, each  |
|                               |                      | one it creates application.create          |
| reachability.test             | test_reachability    | role alone: a person is org-wide           |
| token.manage                  | —                    | signed in; only one's own tokens           |
| preference.edit               | —                    | signed in; only one's own preferences      |

A member of an application is what `Application.is_member` says: its delivery lead, business
owner or support lead, or a user on its members list. That list is how a support analyst (who
is none of the three) belongs to the applications they support: the demo world puts its
analyst there. Holding the Support analyst role alone lets nobody write an application's
escalation log; those rows feed its hypercare exit criteria.

Superusers (administrators) hold every role permission (Django's rule) and count as members of
every application. They do not act as an application's business owner: agreeing, accepting an
unmet criterion and signing off stay the owner's own signature. They may hand business
ownership on, so a departed owner does not leave an application unsignable.

Reading is everyone's who is signed in (readiness.access.get_application_for_user, 404 for an
unknown application). Anonymous users may do nothing here: views send them to sign in first.
The alert webhook (`/hooks/alerts/<key>/`, PUBLIC_WEBHOOK_URLS) is public too, for Alertmanager
and Grafana, which have no session: the webhook's secret, sent as `Authorization: Bearer`, is the
permission (wrong or missing: 401; unknown address: 404), and it writes only the verifications of
that webhook's application and its list of unmatched alerts. Issuing or rotating the secret is
artefact.edit on the monitoring page.

Pages decide which buttons to show with the same `can`, passed to templates as booleans, and
show `why_not` where a button would be refused.

Once the business owner has signed hypercare off, the signed record stands: editing the plan,
its evidence, extending, agreeing, accepting and signing again are refused with the sign-off
as the reason (`CLOSED_BY_SIGN_OFF`). Redefining a criterion stays open to editors: it is how a
sign-off is invalidated, and it returns the application to hypercare
(readiness.services.hypercare.hypercare_reopen_if_invalidated).
`POST_ACTIONS` names the action guarding each URL that accepts POST; tests/test_permissions_walk.py
fails for a URL that accepts POST without one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied

from readiness.models import Application, HypercareStatus, StandIn

User = AbstractBaseUser | AnonymousUser
Rule = Callable[[Any, Any], bool]


def application_of(obj: Any) -> Application | None:
    """The application an object belongs to (itself, its parent's, or none: org-wide)."""
    if obj is None or isinstance(obj, Application):
        return obj
    if hasattr(obj, "application"):
        return obj.application
    if hasattr(obj, "runbook"):  # before "drill": a runbook's exercise may name no drill
        return obj.runbook.application
    if hasattr(obj, "drill"):
        return obj.drill.application
    return None


def _has_role(user: Any, codename: str) -> bool:
    return bool(user.is_authenticated and user.is_active and user.has_perm(f"readiness.{codename}"))


def role(codename: str) -> Rule:
    """Decided by the role's permission alone (org-wide objects, or nothing yet to belong to)."""
    return lambda user, obj: _has_role(user, codename)


def member_with(codename: str) -> Rule:
    """The role's permission and membership of the object's application."""

    def rule(user: Any, obj: Any) -> bool:
        application = application_of(obj)
        if application is None or not _has_role(user, codename):
            return False
        return bool(user.is_superuser or application.is_member(user))

    return rule


def business_owner_with(codename: str) -> Rule:
    """The role's permission, held by the application's own business owner (no superuser)."""

    def rule(user: Any, obj: Any) -> bool:
        application = application_of(obj)
        return bool(
            application is not None and _has_role(user, codename) and application.business_owner_id == user.pk
        )

    return rule


def _hand_over_ownership(user: Any, obj: Any) -> bool:
    application = application_of(obj)
    if application is None or not user.is_authenticated:
        return False
    if user.is_superuser or application.business_owner_id == user.pk:
        return True
    # Nobody holds it yet: the first owner is named like at creation, by whoever edits.
    return application.business_owner_id is None and RULES["application.edit"](user, application)


def _approve_waiver(user: Any, waiver: Any) -> bool:
    # Two people: the one who asked for a waiver does not approve it (GateWaiver's constraint too).
    return RULES["waiver.create"](user, waiver) and (waiver is None or waiver.waived_by_id != user.pk)


def _manage_standin(user: Any, obj: Any) -> bool:
    # The delivery lead arranges cover; so may the person going away, for their own role.
    if RULES["escalation_path.manage"](user, obj):
        return True
    person = getattr(user, "person", None) if user.is_authenticated and user.is_active else None
    if person is None or obj is None:
        return False
    if isinstance(obj, StandIn):
        return bool(obj.covered_id == person.pk)
    return person.pk in (obj.primary_id, obj.backup_id, obj.after_hours_cover_id)


def _own_token(user: Any, obj: Any) -> bool:
    return bool(user.is_authenticated and (obj is None or obj.user_id == user.pk))


RULES: dict[str, Rule] = {
    "application.create": role("edit_readiness"),
    "application.edit": member_with("edit_readiness"),
    "artefact.edit": member_with("edit_readiness"),
    "hypercare.edit": member_with("edit_readiness"),
    "hypercare.redefine_criterion": member_with("edit_readiness"),
    "waiver.create": member_with("waive_gate"),
    "waiver.approve": _approve_waiver,
    "waiver.revoke": member_with("waive_gate"),
    "escalation_path.manage": member_with("manage_escalation"),
    "escalation_log.write": member_with("log_escalation"),
    "standin.manage": _manage_standin,
    "hypercare.agree": business_owner_with("sign_off_hypercare"),
    "hypercare.accept_criterion": business_owner_with("sign_off_hypercare"),
    "hypercare.sign_off": business_owner_with("sign_off_hypercare"),
    "hypercare.hand_over_ownership": _hand_over_ownership,
    "people.manage": role("manage_escalation"),
    "catalog.import": role("edit_readiness"),
    "paths.import": role("manage_escalation"),
    "reachability.test": role("test_reachability"),
    "token.manage": _own_token,
    "preference.edit": _own_token,
}

# Why each action is refused, in the words the 403 page shows.
REFUSALS: dict[str, str] = {
    "application.create": "Your role does not allow creating applications.",
    "application.edit": "Only members of this application with an editing role can change it.",
    "artefact.edit": "Only members of this application with an editing role can change it.",
    "hypercare.edit": "Only members of this application with an editing role can change its hypercare plan.",
    "hypercare.redefine_criterion": ("Only members of this application with an editing role can redefine its exit "
                                     "criteria."),
    "waiver.create": "Only the application's delivery lead or business owner can waive a gate.",
    "waiver.approve": ("Only the application's delivery lead or business owner can approve a waiver, and not the "
                       "one who asked for it."),
    "waiver.revoke": "Only the application's delivery lead or business owner can revoke a waiver.",
    "escalation_path.manage": "Only a member of this application who manages escalation paths can change it.",
    "escalation_log.write": "Only members of this application who log escalations can write its escalation log.",
    "standin.manage": ("Only a member of this application who manages escalation paths, or the person being "
                       "covered, can arrange or end a stand-in."),
    "hypercare.agree": "Only the application's business owner agrees the hypercare plan.",
    "hypercare.accept_criterion": "Only the application's business owner accepts an unmet criterion.",
    "hypercare.sign_off": "Only the application's business owner signs off hypercare.",
    "hypercare.hand_over_ownership": "Only the current business owner or an administrator can hand it on.",
    "people.manage": "Your role does not allow changing people and teams.",
    "catalog.import": "Your role does not allow importing a service catalog.",
    "paths.import": "Your role does not allow importing escalation paths.",
    "reachability.test": "Your role does not allow reachability tests.",
    "token.manage": "You can only manage your own API tokens.",
    "preference.edit": "You can only change your own preferences.",
}

# The action guarding each URL (by name, in the readiness namespace) that accepts POST.
ARTEFACT_KINDS = ["runbook", "alert", "access", "knownissue", "drill", "decision"]
POST_ACTIONS: dict[str, str] = {
    "application_create": "application.create",
    "application_edit": "application.edit",
    "waiver_create": "waiver.create",
    "waiver_approve": "waiver.approve",
    "waiver_revoke": "waiver.revoke",
    **{f"{kind}_{verb}": "artefact.edit" for kind in ARTEFACT_KINDS for verb in ("create", "edit")},
    "runbook_mark": "artefact.edit",
    "runbook_exercise_create": "artefact.edit",
    "alert_verify": "artefact.edit",
    "alert_webhook_rotate": "artefact.edit",
    "unmatched_alert_map": "artefact.edit",
    "drillaction_create": "artefact.edit",
    "drillaction_close": "artefact.edit",
    "drillcall_create": "artefact.edit",
    "token_list": "token.manage",
    "token_revoke": "token.manage",
    "preferences": "preference.edit",
    "calendar_feed": "token.manage",
    "level_create": "escalation_path.manage",
    "level_edit": "escalation_path.manage",
    "rule_create": "escalation_path.manage",
    "rule_edit": "escalation_path.manage",
    "person_create": "people.manage",
    "person_edit": "people.manage",
    "leave_create": "people.manage",
    "leave_delete": "people.manage",
    "calendar_import": "people.manage",
    "person_left": "people.manage",
    "team_create": "people.manage",
    "team_edit": "people.manage",
    "closure_days": "people.manage",
    "catalog_import": "catalog.import",
    "people_import": "people.manage",
    "paths_import": "paths.import",
    "reachability_test_send": "reachability.test",
    "reachability_test_record": "reachability.test",
    "hypercare_plan_edit": "hypercare.edit",
    "hypercare_extend": "hypercare.edit",
    "criterion_create": "hypercare.edit",
    "criterion_edit": "hypercare.redefine_criterion",
    "criterion_attest": "hypercare.edit",
    "hypercare_agree": "hypercare.agree",
    "criterion_accept": "hypercare.accept_criterion",
    "hypercare_sign_off": "hypercare.sign_off",
    "escalationlog_create": "escalation_log.write",
    "escalationlog_resolve": "escalation_log.write",
    "standin_create": "standin.manage",
    "standin_end": "standin.manage",
}

# The REST API's writes (readiness.api), by URL name in its api-v1 namespace: the same actions as
# the pages that write the same evidence. tests/test_permissions_walk.py posts to each with every
# kind of user's token.
API_POST_ACTIONS: dict[str, str] = {
    "api_runbook_exercised": "artefact.edit",
    "api_alert_verifications": "artefact.edit",
    "api_drill_create": "artefact.edit",
    "api_known_issue_create": "artefact.edit",
    "api_escalation_log_create": "escalation_log.write",
}

# Public pages answering a signed link from an email (the token is the permission).
PUBLIC_TOKEN_URLS = {"reminder_confirm", "reminder_change", "reachability_ack"}
# Public addresses posted to by other systems, the secret in their Authorization header the permission.
PUBLIC_WEBHOOK_URLS = {"alert_webhook"}


# Refused once hypercare is signed off (and the sign-off still holds): the record stands.
CLOSED_BY_SIGN_OFF = {"hypercare.edit", "hypercare.agree", "hypercare.accept_criterion", "hypercare.sign_off"}
CLOSED_REASON = ("Hypercare is signed off: the plan, its evidence and the sign-off stand as signed. "
                 "Redefining an exit criterion reopens hypercare and asks for a new sign-off.")


def _signed_off(obj: Any) -> bool:
    """Hypercare exited by a sign-off that still holds (redefining a criterion reopens it).

    Reads the application's hypercare row once per application object (Django caches it)."""
    application = application_of(obj)
    if application is None:
        return False
    try:
        hypercare = application.hypercare
    except ObjectDoesNotExist:
        return False
    return bool(hypercare.status == HypercareStatus.EXITED)


def can(user: User, action: str, obj: Any = None) -> bool:
    """Whether the user may do the action (on the object, or its application)."""
    return RULES[action](user, obj) and not (action in CLOSED_BY_SIGN_OFF and _signed_off(obj))


def why_not(user: User, action: str, obj: Any = None) -> str:
    """Why `can` says no, in the words pages show instead of a button; "" when it says yes."""
    if not RULES[action](user, obj):
        return REFUSALS[action]
    return CLOSED_REASON if action in CLOSED_BY_SIGN_OFF and _signed_off(obj) else ""


def require(user: User, action: str, obj: Any = None) -> None:
    """Refuse with 403 and the reason, unless the user may do the action."""
    reason = why_not(user, action, obj)
    if reason:
        raise PermissionDenied(reason)
