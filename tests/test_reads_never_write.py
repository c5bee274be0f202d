"""Reads never write: every GET of every URL, by every kind of user, issues no INSERT, UPDATE or
DELETE. Snapshots of the gates are stored by the writing service once its write commits (in its
request for a few applications, through a task for many) and by beat's hourly refresh; a page
that finds none current judges live and stores nothing.

The URLconf is walked, so a new URL is in this test the day it is added: a URL with arguments
fails here until ARGS says how to fill them from the demo world.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import get_resolver, reverse
from django.utils import timezone

from readiness import models, queue
from readiness.gates import verdict_for
from readiness.services.api import api_token_create
from readiness.services.artefacts import artefact_save
from readiness.services.calendars import calendar_feed_create
from readiness.services.gates import readiness_snapshots_refresh_all
from readiness.services.reachability import REACHABILITY_SALT
from readiness.services.reminders import link_token
from tests import factories
from tests.conftest import wait_for
from tests.url_walk import walk

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE", "MERGE")

# Not walked, and why: Django's admin (its own views, not the product's pages; its writes say
# what they cause through readiness.admin), and signing out (a GET there ends the session).
NOT_WALKED = {"admin", "logout"}


@dataclass
class World:
    """The demo world and, per application, one row of each kind a URL names."""

    apps: list[models.Application]
    rows: dict[str, dict[str, Any]]  # application slug -> kind -> row
    person: models.Person
    leave: models.Leave
    team: models.Team
    reachability: models.ReachabilityTest
    token: models.ApiToken
    api_key: str
    feed_key: str


def _world() -> World:
    lead = User.objects.get(username="lead")
    apps = list(models.Application.objects.order_by("name"))
    rows: dict[str, dict[str, Any]] = {}
    for app in apps:
        drill = models.Drill.objects.filter(application=app).first()
        rows[app.slug] = {
            "runbook": models.Runbook.objects.filter(application=app).first(),
            "alert": models.AlertCheck.objects.filter(application=app).first(),
            "access": models.AccessCheck.objects.filter(application=app).first(),
            "knownissue": models.KnownIssue.objects.filter(application=app).first(),
            "drill": drill,
            "decision": models.DecisionRecord.objects.filter(application=app).first(),
            "drillaction": models.DrillAction.objects.filter(drill=drill).first() if drill else None,
            "level": models.EscalationLevel.objects.filter(application=app).first(),
            "rule": models.OwnershipRule.objects.filter(application=app).first(),
            "criterion": models.ExitCriterion.objects.filter(application=app).first(),
            "escalationlog": models.Escalation.objects.filter(application=app).first(),
            "waiver": models.GateWaiver.objects.filter(application=app).first(),
            "standin": models.StandIn.objects.filter(level__application=app).first(),
        }
    person = models.Person.objects.filter(left_on__isnull=True).order_by("pk").first()
    leave = models.Leave.objects.order_by("pk").first()
    reachability = models.ReachabilityTest.objects.create(
        person=person, channel="phone", sent_by=lead, sent_at=timezone.now())
    token, key = api_token_create(user=lead, name="Teams bot")
    _, feed_key = calendar_feed_create(user=lead)
    return World(apps=apps, rows=rows, person=person, leave=leave, team=models.Team.objects.first(),
                 reachability=reachability, token=token, api_key=key, feed_key=feed_key)


def _row(kind: str) -> Callable[[World, str], dict[str, Any] | None]:
    """The application's first row of `kind` as pk (None when this application has none)."""

    def kwargs(world: World, slug: str) -> dict[str, Any] | None:
        row = world.rows[slug][kind]
        return {"slug": slug, "pk": row.pk} if row is not None else None

    return kwargs


def _slug(world: World, slug: str) -> dict[str, Any]:
    return {"slug": slug}


def _person(world: World, slug: str) -> dict[str, Any]:
    return {"pk": world.person.pk}


def _drillaction(world: World, slug: str) -> dict[str, Any] | None:
    action = world.rows[slug]["drillaction"]
    return {"slug": slug, "pk": action.drill_id, "action_pk": action.pk} if action else None


def _runbook_mark(world: World, slug: str) -> dict[str, Any] | None:
    kwargs = _row("runbook")(world, slug)
    return kwargs and {**kwargs, "what": "reviewed"}


# How to fill each URL's arguments, by URL name. Called once per demo application (`slug`);
# None skips that application (it has no such row).
ARGS: dict[str, Callable[[World, str], dict[str, Any] | None]] = {
    **{name: _slug for name in (
        "application_detail", "application_edit", "waiver_create", "path_detail", "level_create", "rule_list",
        "rule_create", "ownership_sheet", "hypercare_detail", "hypercare_plan_edit", "hypercare_agree",
        "hypercare_extend", "hypercare_sign_off", "criterion_create", "escalationlog_list", "escalationlog_create",
        "escalationlog_export", "history", "handoff_pack", "handoff_pack_json",
        # The REST API (api-v1), read with a token below as well as with a session (401).
        "api_application", "api_path", "api_runbooks", "api_alerts", "api_drills", "api_drill_create",
        "api_known_issues", "api_known_issue_create", "api_hypercare", "api_escalation_log",
        "api_escalation_log_create",
        *(f"{kind}_{verb}" for kind in ("runbook", "alert", "access", "knownissue", "drill", "decision")
          for verb in ("list", "create")),
    )},
    **{f"{kind}_{verb}": _row(kind) for kind in ("runbook", "alert", "access", "knownissue", "drill", "decision")
       for verb in ("detail", "edit")},
    "runbook_mark": _runbook_mark,
    "api_runbook_exercised": _row("runbook"),
    "api_alert_verifications": _row("alert"),
    "runbook_exercise_create": _row("runbook"),
    "monitoring": _slug,
    "alert_webhook_rotate": _slug,
    "unmatched_alert_map": _slug,
    # Any webhook's address: a GET is refused (405) before the webhook is looked up.
    "alert_webhook": lambda world, slug: {"key": uuid.UUID(int=1)},
    "alert_verify": _row("alert"),
    "drillaction_create": _row("drill"),
    "drillcall_create": _row("drill"),
    "drillaction_close": _drillaction,
    "level_edit": _row("level"),
    "rule_edit": _row("rule"),
    "criterion_edit": _row("criterion"),
    "criterion_attest": _row("criterion"),
    "criterion_accept": _row("criterion"),
    "escalationlog_resolve": _row("escalationlog"),
    "waiver_approve": _row("waiver"),
    "waiver_revoke": _row("waiver"),
    "standin_create": _row("level"),
    "standin_end": lambda world, slug: (standin := world.rows[slug]["standin"]) and {
        "slug": slug, "pk": standin.level_id, "standin_pk": standin.pk},
    **{name: _person for name in (
        "person_detail", "person_edit", "leave_create", "person_left", "person_reminders", "reachability_test_send",
        "calendar_import",
    )},
    "calendar_feed_ics": lambda world, slug: {"key": world.feed_key},
    "leave_delete": lambda world, slug: {"pk": world.leave.person_id, "leave_pk": world.leave.pk},
    "team_edit": lambda world, slug: {"pk": world.team.pk},
    "token_revoke": lambda world, slug: {"pk": world.token.pk},
    "reachability_test_record": lambda world, slug: {"pk": world.person.pk, "test_pk": world.reachability.pk},
    # The public pages a reminder or test email links to, with a valid signed token: GET shows them.
    "reminder_confirm": lambda world, slug: {"token": link_token(world.person, world.person.reminder_cycle)},
    "reminder_change": lambda world, slug: {"token": link_token(world.person, world.person.reminder_cycle)},
    "reachability_ack": lambda world, slug: {
        "token": signing.TimestampSigner(salt=REACHABILITY_SALT).sign(f"{world.reachability.pk}.0")},
}

# Query strings a page reads, each asked besides the bare URL.
QUERIES: dict[str, list[dict[str, str]]] = {
    "home": [{"sort": "-blockers", "stage": "hardening"}, {"page": "2"}],
    "lookup": [{"symptom": "password reset"}, {"symptom": "orders stuck", "application": "dispatch-board"}],
    "lookup_api": [{"symptom": "password reset"}],
    "history": [{"at": (timezone.localdate() - timedelta(days=3)).isoformat()}, {"at": "2099-01-01"}],
    "people_list": [{"team": "1"}],
}


ROUTES = [route for route in walk(get_resolver()) if route.name not in NOT_WALKED]


def _urls(world: World) -> Iterator[str]:
    for route in ROUTES:
        if not route.params:
            yield reverse(route.qualified)
            continue
        # A new URL with arguments must say here how to fill them.
        assert route.name in ARGS, f"{route.name}: add to ARGS how to fill {route.params} from the demo world"
        filled = [ARGS[route.name](world, app.slug) for app in world.apps]
        filled = [kwargs for kwargs in filled if kwargs is not None]
        assert filled, f"{route.name}: the demo world has nothing to fill {route.params} with"
        # Per-application URLs once per application; the others (people, tokens) once.
        yield from dict.fromkeys(reverse(route.qualified, kwargs=kwargs) for kwargs in filled)


def _writes(client: Client, url: str, query: dict[str, str] | None = None, **headers: Any) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, query or {}, **headers)
    # 503: /health/workers/ with no worker running here; a 500 would hide what a page does.
    assert response.status_code != 500, f"GET {url} {query or ''}: {response.status_code}"
    return [f"GET {url} {query or ''}: {q['sql'][:160]}" for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith(WRITES)]


def test_every_url_has_its_arguments_filled() -> None:
    # Without the demo: checks ARGS names no URL that is gone (a page removed or renamed).
    names = {route.name for route in ROUTES}
    assert set(ARGS) <= names, sorted(set(ARGS) - names)
    assert {route.name for route in ROUTES if route.params} <= set(ARGS)


@pytest.mark.parametrize("username", ["lead", "analyst", "owner", "admin", None])
def test_no_get_of_any_url_writes(demo, username: str | None) -> None:
    world = _world()
    client = Client()
    if username:
        client.force_login(User.objects.get(username=username))
        client.get(reverse("readiness:home"))  # a first page after signing in may save the new session
    seen, writes = 0, []
    for url in _urls(world):
        name = get_resolver().resolve(url).url_name
        for query in [None, *QUERIES.get(name, [])]:
            writes += _writes(client, url, query)
            seen += 1
    # The API as its callers use it: a token, no session.
    writes += _writes(Client(), reverse("readiness:lookup_api"), {"symptom": "password reset"},
                      HTTP_AUTHORIZATION=f"Bearer {world.api_key}")
    api_urls = [url for url in _urls(world) if url.startswith("/api/v1/")]
    for url in api_urls:
        writes += _writes(Client(), url, {"limit": "2", "offset": "1"}, HTTP_AUTHORIZATION=f"Bearer {world.api_key}")
    assert len(api_urls) > 20
    assert seen > 80
    assert writes == []


def test_the_checklist_shows_a_write_at_once_and_its_commit_stores_it(demo, django_capture_on_commit_callbacks,
                                                                        monkeypatch) -> None:
    """After an evidence write, before its on-commit refresh runs, the checklist judges live (the
    new verdict, nothing stored); the refresh then stores today's snapshot."""
    readiness_snapshots_refresh_all()  # beat's hourly run: every application stored
    application = models.Application.objects.get(slug="dispatch-board")
    client = Client()
    client.force_login(User.objects.get(username="lead"))
    url = application.get_absolute_url()
    before = client.get(url).context["verdict"]
    monkeypatch.setattr(queue, "_publish", lambda task, args: task.apply(args=args, throw=True))
    runbook = models.Runbook.objects.filter(application=application, is_critical=True).first()

    with django_capture_on_commit_callbacks() as enqueued:
        runbook.last_reviewed_on = timezone.localdate() - timedelta(days=400)
        artefact_save(instance=runbook)

    assert not models.ReadinessSnapshot.objects.filter(application=application, day=timezone.localdate()).exists()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert not [q for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)]
    live = verdict_for(application)
    shown = response.context["verdict"]
    assert shown.met_count == live.met_count < before.met_count
    assert any("400 days ago" in m.text for r in shown.results for m in r.missing)
    assert "400 days ago" in response.content.decode()
    assert not models.ReadinessSnapshot.objects.filter(application=application, day=timezone.localdate()).exists()

    for callback in enqueued:  # once the write committed
        callback()

    stored = models.ReadinessSnapshot.objects.get(application=application, day=timezone.localdate())
    assert stored.gates_met == live.met_count and stored.verdict is not None


@pytest.mark.worker
def test_a_real_worker_stores_the_snapshots_a_service_write_enqueued(celery_worker_process) -> None:
    """Through Redis and a worker process: a leave of someone on more paths than the writer judges
    itself commits, its refresh is published, the worker stores every application's snapshot."""
    from readiness.services.gates import SNAPSHOT_INLINE
    from readiness.services.people import leave_add

    person = factories.PersonFactory()
    applications = [factories.ApplicationFactory() for _ in range(SNAPSHOT_INLINE + 1)]
    for application in applications:
        factories.EscalationLevelFactory(application=application, position=1, backup=person)
    assert not models.ReadinessSnapshot.objects.exists()

    # Its own transaction here: it commits, and publishes on commit.
    leave_add(person=person, starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=2))

    wait_for(lambda: models.ReadinessSnapshot.objects.count() == len(applications),
             message="the snapshots the worker stores")
    for application in applications:
        stored = models.ReadinessSnapshot.objects.get(application=application)
        assert stored.day == timezone.localdate() and stored.verdict is not None
        assert stored.gates_met == verdict_for(application).met_count
    assert "readiness.tasks.readiness_snapshots_refresh_for" in celery_worker_process.log()
