"""Every URL that accepts POST, posted to by every kind of user: allowed or refused as the table says.

The URLconf is walked, so a new URL is in this test the day it is added: it either refuses POST
(405) or has an action in readiness.permissions.POST_ACTIONS and a row in EXPECTED below. EXPECTED
is written by hand from shared/domain.md, not read from the module, so loosening or removing a
rule there fails here.

Each POST runs in a savepoint rolled back afterwards: every user meets the same world, and a
refused POST is checked to have written nothing (every row of every readiness table compared).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.db import transaction
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from readiness import models
from readiness.models import DrillScenario
from readiness.permissions import (
    API_POST_ACTIONS,
    POST_ACTIONS,
    PUBLIC_TOKEN_URLS,
    PUBLIC_WEBHOOK_URLS,
    REFUSALS,
    RULES,
)
from readiness.services.api import api_token_create
from tests import factories
from tests.url_walk import Route, walk

pytestmark = pytest.mark.django_db

LEAD, ANALYST, OWNER, NOBODY, ADMIN = "delivery lead", "support analyst", "business owner", "no role", "administrator"

# Not walked, and why:
NOT_WALKED = {
    # Django's admin has its own permission system (is_staff and model permissions); the sign-off
    # admin is tested read-only in test_hypercare_sign_off.
    "admin",
    # Signing in and out, changing one's own password: Django's views, for anyone signed in.
    "login", "logout", "password_change", "password_change_done",
    # The bench's no-op page and the favicon's redirect: any method, nothing written or read.
    "ping", "favicon",
}

# Who may POST where, by hand. (role, member of the application?) pairs; the administrator
# (a superuser) is listed as (ADMIN, True). Org-wide pages (people, teams, tokens, creating an
# application) do not depend on membership, so both answers of a role are listed.
EDITORS = {(LEAD, True), (OWNER, True), (ADMIN, True)}
SIGNED_IN = {(role, member) for role in (LEAD, ANALYST, OWNER, NOBODY) for member in (True, False)} | {(ADMIN, True)}
ORG_MANAGERS = {(LEAD, True), (LEAD, False), (ADMIN, True)}
THE_OWNER = {(OWNER, True)}  # an administrator does not sign for the business owner
EXPECTED: dict[str, set[tuple[str, bool]]] = {
    "application_create": {(LEAD, True), (LEAD, False), (OWNER, True), (OWNER, False), (ADMIN, True)},
    "application_edit": EDITORS,
    "waiver_create": EDITORS,
    # The waiver in the world was asked for by the delivery lead: someone else approves it.
    "waiver_approve": {(OWNER, True), (ADMIN, True)},
    "waiver_revoke": EDITORS,
    **{f"{kind}_{verb}": EDITORS for kind in ("runbook", "alert", "access", "knownissue", "drill", "decision")
       for verb in ("create", "edit")},
    "runbook_mark": EDITORS,
    "runbook_exercise_create": EDITORS,
    "alert_verify": EDITORS,
    "alert_webhook_rotate": EDITORS,
    "unmatched_alert_map": EDITORS,
    "drillaction_create": EDITORS,
    "drillaction_close": EDITORS,
    "drillcall_create": EDITORS,
    "token_list": SIGNED_IN,
    "token_revoke": SIGNED_IN,  # each their own token
    "preferences": SIGNED_IN,  # each their own timezone
    "calendar_feed": SIGNED_IN,  # each their own calendar address
    "level_create": {(LEAD, True), (ADMIN, True)},
    "level_edit": {(LEAD, True), (ADMIN, True)},
    "rule_create": {(LEAD, True), (ADMIN, True)},
    "rule_edit": {(LEAD, True), (ADMIN, True)},
    "person_create": ORG_MANAGERS,
    "person_edit": ORG_MANAGERS,
    "leave_create": ORG_MANAGERS,
    "leave_delete": ORG_MANAGERS,
    "calendar_import": ORG_MANAGERS,
    "person_left": ORG_MANAGERS,
    "team_create": ORG_MANAGERS,
    "team_edit": ORG_MANAGERS,
    "closure_days": ORG_MANAGERS,
    "catalog_import": {(LEAD, True), (LEAD, False), (OWNER, True), (OWNER, False), (ADMIN, True)},
    "people_import": ORG_MANAGERS,
    "paths_import": ORG_MANAGERS,
    "reachability_test_send": ORG_MANAGERS,
    "reachability_test_record": ORG_MANAGERS,
    "hypercare_plan_edit": EDITORS,
    "hypercare_extend": EDITORS,
    "criterion_create": EDITORS,
    "criterion_edit": EDITORS,
    "criterion_attest": EDITORS,
    "hypercare_agree": THE_OWNER,
    "criterion_accept": THE_OWNER,
    "hypercare_sign_off": THE_OWNER,
    "escalationlog_create": {(LEAD, True), (ANALYST, True), (ADMIN, True)},
    "escalationlog_resolve": {(LEAD, True), (ANALYST, True), (ADMIN, True)},
    # And the person being covered, who is none of these users (tests/test_standins.py).
    "standin_create": {(LEAD, True), (ADMIN, True)},
    "standin_end": {(LEAD, True), (ADMIN, True)},
}


# The REST API (namespace api-v1) is authenticated by a token, not a session: walked below with
# each user's token, against API_POST_ACTIONS and API_EXPECTED.
API = "api-v1:"
ALL_ROUTES = list(walk(get_resolver()))
# Public webhooks (Alertmanager, Grafana) are not walked with sessions: their secret is the
# permission, tested in test_the_alert_webhook_answers_only_its_secret below.
ROUTES = [route for route in ALL_ROUTES if route.name not in NOT_WALKED | PUBLIC_TOKEN_URLS | PUBLIC_WEBHOOK_URLS
          and not route.qualified.startswith(API)]
# Not walked: Ninja's placeholder at /api/v1/ itself, which answers 404 to every method.
API_ROUTES = [route for route in ALL_ROUTES if route.qualified.startswith(API) and route.name != "api-root"]

# Who may write through the API, by hand: the same people as on the pages writing the same evidence.
API_EXPECTED: dict[str, set[tuple[str, bool]]] = {
    "api_runbook_exercised": EDITORS,
    "api_alert_verifications": EDITORS,
    "api_drill_create": EDITORS,
    "api_known_issue_create": EDITORS,
    "api_escalation_log_create": {(LEAD, True), (ANALYST, True), (ADMIN, True)},
}


@dataclass
class World:
    app: models.Application
    objects: dict[str, Any]
    users: dict[tuple[str, bool], Any]
    tokens: dict[int, int]


def _world() -> World:
    app = factories.hypercare_application()
    level, rule = app.levels.get(position=1), app.ownership_rules.get()
    person = level.primary
    drill = factories.DrillFactory(application=app)
    now = timezone.now()
    objects = {
        "runbook": factories.RunbookFactory(application=app),
        "alert": factories.AlertCheckFactory(application=app),
        "access": factories.AccessCheckFactory(application=app),
        "knownissue": factories.KnownIssueFactory(application=app),
        "drill": drill,
        "decision": factories.DecisionRecordFactory(application=app),
        "drillaction": factories.DrillActionFactory(drill=drill, description="Fix the pager rota."),
        "level": level,
        "rule": rule,
        "person": person,
        "team": person.team,
        "leave": factories.LeaveFactory(person=person),
        "reachability": factories.ReachabilityTestFactory(person=person, sent_by=app.delivery_lead, sent_at=now),
        "criterion": app.exit_criteria.get(kind="attestation"),
        "escalation": factories.EscalationFactory(application=app, problem_class=rule, from_level=level,
                                                  occurred_at=now - timedelta(hours=1)),
        "standin": factories.StandInFactory(level=level),
        "waiver": factories.GateWaiverFactory(application=app, waived_by=app.delivery_lead, approved_by=None,
                                              approved_at=None),
    }
    analyst, nobody = factories.support_analyst(), factories.UserFactory()
    app.members.add(analyst, nobody)  # the members list: how an analyst supports an application
    users = {
        (LEAD, True): app.delivery_lead, (OWNER, True): app.business_owner,
        (ANALYST, True): analyst, (NOBODY, True): nobody,
        (LEAD, False): factories.delivery_lead(), (OWNER, False): factories.business_owner(),
        (ANALYST, False): factories.support_analyst(), (NOBODY, False): factories.UserFactory(),
        (ADMIN, True): factories.UserFactory(is_superuser=True, is_staff=True),
    }
    tokens = {user.pk: api_token_create(user=user, name="chat")[0].pk for user in users.values()}
    return World(app, objects, users, tokens)


# Which object a route's <pk> names, by the first word of the route's name.
PK_OF = {"drillaction": "drill", "drillcall": "drill", "leave": "person", "reachability": "person",
         "escalationlog": "escalation", "standin": "level", "calendar": "person"}


def _kwargs(route: Route, world: World, user: Any) -> dict[str, Any]:
    first = route.name.split("_")[0]
    if first == "token":  # each user's own token; the anonymous visitor tries the first one
        pk = world.tokens[user.pk] if user is not None else next(iter(world.tokens.values()))
    elif "pk" in route.params:
        pk = world.objects[PK_OF.get(first, first)].pk
    values = {
        "slug": lambda: world.app.slug,
        "pk": lambda: pk,
        "action_pk": lambda: world.objects["drillaction"].pk,
        "leave_pk": lambda: world.objects["leave"].pk,
        "test_pk": lambda: world.objects["reachability"].pk,
        "standin_pk": lambda: world.objects["standin"].pk,
        "what": lambda: "reviewed",
        "key": lambda: "calendar-feed-key",  # the feed answers GET only
    }
    return {param: values[param]() for param in route.params}


def _database() -> str:
    """Every row of every readiness table (histories included), as one digest."""
    digest = hashlib.sha256()
    for model in apps.get_app_config("readiness").get_models():
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _post(client: Client, url: str, *, refused: bool) -> tuple[int, str, bool]:
    """POST in a savepoint rolled back afterwards: (status, redirect target, wrote anything?)."""
    with transaction.atomic():
        before = _database() if refused else ""
        response = client.post(url, {})
        wrote = refused and _database() != before
        transaction.set_rollback(True)
    return response.status_code, response.get("Location", ""), wrote


def test_every_url_accepting_post_has_a_rule_and_an_expectation(admin_client) -> None:
    """A URL either refuses POST (405) or names its action; the table here covers the same URLs."""
    world = _world()
    names = {route.name for route in ROUTES}
    assert set(POST_ACTIONS) <= names, "rules for URLs that no longer exist"
    assert set(POST_ACTIONS) == set(EXPECTED), "readiness.permissions.POST_ACTIONS and EXPECTED disagree"
    assert set(POST_ACTIONS.values()) <= set(RULES) == set(REFUSALS), "an action without a rule or its words"
    unguarded = []
    for route in ROUTES:
        if route.name in POST_ACTIONS:
            continue
        url = reverse(route.qualified, kwargs=_kwargs(route, world, None))
        status, _, _ = _post(admin_client, url, refused=False)
        if status != 405:
            unguarded.append(f"{route.qualified} ({url}) answered POST with {status}")
    assert not unguarded, "POST accepted without an entry in readiness.permissions.POST_ACTIONS:\n" + "\n".join(
        unguarded)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_role_and_membership_gets_the_expected_answer(name: str) -> None:
    route = next(route for route in ROUTES if route.name == name)
    world = _world()
    wrong = []
    for (role, member), user in world.users.items():
        client = Client()
        client.force_login(user)
        url = reverse(route.qualified, kwargs=_kwargs(route, world, user))
        allowed = (role, member) in EXPECTED[name]
        status, _, wrote = _post(client, url, refused=not allowed)
        who = f"{role}, {'member' if member else 'not a member'}"
        if allowed and status in (403, 404, 405):
            wrong.append(f"{who}: expected allowed, got {status}")
        if not allowed and status != 403:
            wrong.append(f"{who}: expected 403, got {status}")
        if wrote:
            wrong.append(f"{who}: refused, but something was written")
    status, location, wrote = _post(Client(), reverse(route.qualified, kwargs=_kwargs(route, world, None)),
                                    refused=True)
    if status != 302 or not location.startswith(reverse("login")) or wrote:
        wrong.append(f"anonymous: expected a redirect to sign in, got {status} {location}")
    assert not wrong, f"{name} ({url}):\n" + "\n".join(wrong)


def test_the_refusal_page_says_why(client) -> None:
    world = _world()
    client.force_login(world.users[(ANALYST, False)])
    response = client.post(reverse("readiness:escalationlog_create", args=[world.app.slug]), {})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Only members of this application who log escalations can write its escalation log." in page
    assert "Back to the dashboard" in page


def test_the_lookup_api_answers_only_a_valid_token(client) -> None:
    """Not walked with the rest: it is authenticated by a token, not a session."""
    world = _world()
    url = reverse("readiness:lookup_api") + f"?application={world.app.slug}&class={world.objects['rule'].name}"
    user = world.users[(ANALYST, False)]
    client.force_login(user)
    assert client.get(url).status_code == 401  # a session is not enough
    assert client.get(url, HTTP_AUTHORIZATION="Bearer not-a-token").status_code == 401
    _, key = api_token_create(user=user, name="bot")
    answer = client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert answer.status_code == 200 and answer.json()["application"] == world.app.slug
    assert client.post(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 405


def _api_request(world: World) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Each API write's URL arguments and a body it accepts from someone allowed."""
    app, level, rule = world.app, world.objects["level"], world.objects["rule"]
    moment = (timezone.localtime() - timedelta(hours=1)).isoformat()
    slug = {"slug": app.slug}
    return {
        "api_runbook_exercised": ({**slug, "pk": world.objects["runbook"].pk}, {
            "exercised_on": timezone.localdate().isoformat(), "how": "walk_through", "participants": "Walk team",
            "outcome": "worked", "what_happened": "Walked through every step in the walk."}),
        "api_alert_verifications": ({**slug, "pk": world.objects["alert"].pk}, {
            "verified_at": moment, "verified_by": world.objects["person"].pk, "evidence": "Seen firing in the walk."}),
        "api_drill_create": (slug, {"scenario": DrillScenario.values[0], "title": "Walked drill",
                                    "held_on": timezone.localdate().isoformat()}),
        "api_known_issue_create": (slug, {"title": "Walked issue", "release": "1.0", "symptom": "Slow export."}),
        "api_escalation_log_create": (slug, {"occurred_at": moment, "severity": 3, "problem_class": rule.pk,
                                             "from_level": level.pk, "summary": "Logged in the walk."}),
    }


def _api_post(url: str, body: dict[str, Any], key: str | None, *, refused: bool) -> tuple[int, bool]:
    """POST JSON with a token (or none) in a savepoint rolled back afterwards: (status, wrote anything?)."""
    headers: dict[str, Any] = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
    with transaction.atomic():
        before = _database() if refused else ""
        response = Client().post(url, body, content_type="application/json", **headers)
        wrote = refused and _database() != before
        transaction.set_rollback(True)
    return response.status_code, wrote


def test_every_api_url_accepting_post_has_a_rule_and_an_expectation() -> None:
    """An API URL either refuses POST (405) or one of the routes it answers for names its action."""
    world = _world()
    _, key = api_token_create(user=world.users[(ADMIN, True)], name="api walk")
    requests = _api_request(world)
    assert set(API_POST_ACTIONS) == set(API_EXPECTED), "permissions.API_POST_ACTIONS and API_EXPECTED disagree"
    assert set(API_POST_ACTIONS) <= {route.name for route in API_ROUTES}, "API rules for URLs that no longer exist"
    assert set(API_POST_ACTIONS.values()) <= set(RULES)
    # Ninja names a URL once per operation: a list's GET and its create's POST share one address.
    names_of: dict[str, set[str]] = {}
    for route in API_ROUTES:
        kwargs = requests[route.name][0] if route.name in requests else {
            name: {"slug": world.app.slug, "pk": world.objects["runbook"].pk}[name] for name in route.params}
        names_of.setdefault(reverse(route.qualified, kwargs=kwargs), set()).add(route.name)
    unguarded = []
    for url, names in names_of.items():
        status, _ = _api_post(url, {}, key, refused=False)
        if status != 405 and not names & set(API_POST_ACTIONS):
            unguarded.append(f"{url} ({', '.join(sorted(names))}) answered POST with {status}")
    assert not unguarded, "API POST accepted without an entry in API_POST_ACTIONS:\n" + "\n".join(unguarded)


@pytest.mark.parametrize("name", sorted(API_EXPECTED))
def test_each_role_and_membership_gets_the_expected_answer_from_the_api(name: str) -> None:
    world = _world()
    route = next(route for route in API_ROUTES if route.name == name)
    kwargs, body = _api_request(world)[name]
    url = reverse(route.qualified, kwargs=kwargs)
    wrong = []
    for (role, member), user in world.users.items():
        _, key = api_token_create(user=user, name="api walk")
        allowed = (role, member) in API_EXPECTED[name]
        status, wrote = _api_post(url, body, key, refused=not allowed)
        who = f"{role}, {'member' if member else 'not a member'}"
        if allowed and status not in (200, 201):
            wrong.append(f"{who}: expected allowed, got {status}")
        if not allowed and status != 403:
            wrong.append(f"{who}: expected 403, got {status}")
        if wrote:
            wrong.append(f"{who}: refused, but something was written")
    status, wrote = _api_post(url, body, None, refused=True)
    if status != 401 or wrote:
        wrong.append(f"no token: expected 401, got {status}")
    assert not wrong, f"{name} ({url}):\n" + "\n".join(wrong)


def test_the_alert_webhook_answers_only_its_secret(client) -> None:
    """Not walked with the rest: Alertmanager and Grafana have no session; the webhook's secret
    is the permission, and a session (even an administrator's) is not enough."""
    assert PUBLIC_WEBHOOK_URLS == {"alert_webhook"}
    world = _world()
    webhook = factories.AlertWebhookFactory(application=world.app, secret="whk_right")
    url = reverse("readiness:alert_webhook", args=[webhook.key])
    body = '{"version": "4", "status": "firing", "alerts": []}'
    client.force_login(world.users[(ADMIN, True)])
    before = _database()
    assert client.post(url, body, content_type="application/json").status_code == 401
    assert client.post(url, body, content_type="application/json",
                       HTTP_AUTHORIZATION="Bearer whk_wrong").status_code == 401
    assert _database() == before
    answer = Client().post(url, body, content_type="application/json", HTTP_AUTHORIZATION="Bearer whk_right")
    assert answer.status_code == 200 and answer.json() == {"recorded": 0, "repeats": 0, "unmatched": 0,
                                                          "resolved": 0}
