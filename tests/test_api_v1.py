"""The REST API (/api/v1/): reads show what the pages show, writes go through the permission
table and the pages' forms, and every refusal is JSON naming the field at fault."""

from __future__ import annotations

import itertools
import json
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings

from readiness import models
from readiness.services.api import api_token_create
from tests import factories
from tests.test_input_properties import KINDS, clearly_wrong

pytestmark = pytest.mark.django_db

API = "/api/v1"
NAMES = itertools.count()


class Caller:
    """A client sending one user's token, as a script or a bot would."""

    def __init__(self, user: User, *, read_only: bool = False) -> None:
        self.user = user
        self.key = api_token_create(user=user, name=f"script {next(NAMES)}", read_only=read_only)[1]
        self.client = Client()

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(API + path, params, HTTP_AUTHORIZATION=f"Bearer {self.key}")

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            API + path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.key}"
        )


@pytest.fixture
def app() -> models.Application:
    application = factories.hypercare_application()
    factories.RunbookFactory(application=application, title="Orders stuck", is_critical=True)
    factories.KnownIssueFactory(application=application, title="Slow export", release="1.2.0")
    factories.AlertCheckFactory(application=application, signal="Order sync failures")
    factories.DrillFactory(application=application, title="Pager drill")
    return application


def _verification(person: models.Person, **changes: Any) -> dict[str, Any]:
    moment = timezone.localtime() - timedelta(hours=2)
    return {
        "verified_at": moment.isoformat(),
        "verified_by": person.pk,
        "evidence": "PagerDuty incident #42 fired and was acknowledged.",
        **changes,
    }


def test_no_token_is_401_json() -> None:
    response = Client().get(f"{API}/applications")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "A valid API token is required: Authorization: Bearer <token>."
    assert Client().get(f"{API}/applications", HTTP_AUTHORIZATION="Bearer hnd_wrong").status_code == 401


def test_a_member_lead_records_an_alert_firing_and_the_monitoring_gate_counts_it(app) -> None:
    alert = app.alerts.get()
    person = app.levels.get(position=1).primary
    caller = Caller(app.delivery_lead)

    response = caller.post(f"/applications/{app.slug}/alerts/{alert.pk}/verifications", _verification(person))

    assert response.status_code == 201, response.json()
    assert response.json()["verified_by"] == {"id": person.pk, "name": person.name}
    stored = models.AlertVerification.objects.get(alert=alert)
    assert stored.evidence == "PagerDuty incident #42 fired and was acknowledged."
    alerts = caller.get(f"/applications/{app.slug}/alerts").json()
    assert alerts["count"] == 1
    assert alerts["items"][0]["last_seen_firing"] is not None


def _known_issue(**changes: Any) -> dict[str, Any]:
    return {"title": "Invoices print twice", "release": "1.4.0", "symptom": "Two copies come out.", **changes}


def test_the_list_shows_the_dashboards_numbers(demo) -> None:
    lead = User.objects.get(username="lead")
    browser = Client()
    browser.force_login(lead)
    rows = {row["application"].slug: row for row in browser.get(reverse("readiness:home")).context["rows"]}

    listed = Caller(lead).get("/applications", limit=100).json()

    assert listed["count"] == models.Application.objects.count() == len(listed["items"])
    assert [item["name"] for item in listed["items"]] == sorted(item["name"] for item in listed["items"])
    for item in listed["items"]:
        row = rows[item["slug"]]
        assert (item["gates_met"], item["gates_total"], item["blockers"], item["stale_items"], item["ready"]) == (
            row["gates_met"],
            row["gates_total"],
            row["blockers"],
            row["stale_items"],
            row["ready"],
        ), item["slug"]
        assert item["url"] == row["url"]


def test_an_application_shows_its_checklists_gates(demo) -> None:
    lead = User.objects.get(username="lead")
    browser = Client()
    browser.force_login(lead)
    application = models.Application.objects.get(slug="dispatch-board")
    page = browser.get(application.get_absolute_url())
    verdict = page.context["verdict"]

    shown = Caller(lead).get(f"/applications/{application.slug}").json()

    assert shown["gates_met"] == verdict.met_count and shown["gates_total"] == verdict.total
    assert [(g["number"], g["title"], g["status"]) for g in shown["gates"]] == [
        (r.gate.number, r.gate.title, r.status.value) for r in verdict.results
    ]
    missing = [m for g in shown["gates"] for m in g["missing"]]
    assert [m["text"] for m in missing] == [m.text for r in verdict.results for m in r.missing]
    for text in [m["text"] for m in missing][:3]:
        assert text in page.content.decode().replace("&#x27;", "'").replace("&quot;", '"')


def test_hypercare_and_path_show_their_pages_facts(app) -> None:
    caller = Caller(factories.support_analyst())  # anyone signed in reads, as on the pages

    hypercare = caller.get(f"/applications/{app.slug}/hypercare").json()
    path = caller.get(f"/applications/{app.slug}/path").json()

    assert hypercare["planned"] and hypercare["plan_agreed"] and not hypercare["signed_off"]
    assert [c["name"] for c in hypercare["criteria"]] == list(app.exit_criteria.values_list("name", flat=True))
    assert hypercare["criteria_met"] == sum(c["status"] == "met" for c in hypercare["criteria"])
    assert [(level["position"], level["name"]) for level in path["levels"]] == [(1, "Service desk"), (2, "Engineering")]
    assert path["levels"][0]["primary"]["confirmation"] in ("confirmed", "never", "stale")
    assert path["rules"][0]["name"] == "Wrong or missing data"


def test_people_say_whether_their_details_are_confirmed() -> None:
    factories.PersonFactory(name="Ann Stale", stale_since=timezone.now() - timedelta(days=2))
    factories.PersonFactory(name="Bob Sure", last_confirmed_at=timezone.now() - timedelta(days=5))
    factories.PersonFactory(name="Cy New", last_confirmed_at=None)

    people = Caller(factories.support_analyst()).get("/people").json()

    assert {p["name"]: p["confirmation"] for p in people["items"]} == {
        "Ann Stale": "stale",
        "Bob Sure": "confirmed",
        "Cy New": "never",
    }


def test_lists_are_paged_with_a_total(app) -> None:
    for n in range(4):
        factories.KnownIssueFactory(application=app, title=f"Issue {n}")
    caller = Caller(app.delivery_lead)

    first = caller.get(f"/applications/{app.slug}/known-issues", limit=2).json()
    rest = caller.get(f"/applications/{app.slug}/known-issues", limit=2, offset=4).json()

    assert first["count"] == 5 and (first["limit"], first["offset"]) == (2, 0)
    assert [i["title"] for i in first["items"]] == ["Issue 0", "Issue 1"]
    assert [i["title"] for i in rest["items"]] == ["Slow export"]
    refused = caller.get(f"/applications/{app.slug}/known-issues", limit=0)
    assert refused.status_code == 422 and list(refused.json()["errors"]) == ["limit"]


@pytest.mark.parametrize(
    "path",
    [
        "/people",
        "/applications",
        "/applications/{slug}/runbooks",
        "/applications/{slug}/alerts",
        "/applications/{slug}/drills",
        "/applications/{slug}/known-issues",
        "/applications/{slug}/escalation-log",
    ],
)
def test_a_list_asks_the_database_the_same_number_of_times_however_long(app, path: str) -> None:
    caller = Caller(app.delivery_lead)
    url = path.format(slug=app.slug)

    def queries() -> int:
        caller.get(url)  # the token's first use: its stamp is asked for once a minute
        with CaptureQueriesContext(connection) as ctx:
            assert caller.get(url).status_code == 200
        return len(ctx.captured_queries)

    few = queries()
    level = app.levels.get(position=1)
    for n in range(5):
        other = factories.ApplicationFactory()
        factories.PersonFactory(name=f"Extra {n}")
        factories.RunbookFactory(application=app, title=f"Runbook {n}")
        factories.AlertVerificationFactory(alert=factories.AlertCheckFactory(application=app, signal=f"Signal {n}"))
        factories.DrillActionFactory(drill=factories.DrillFactory(application=app, title=f"Drill {n}"))
        factories.KnownIssueFactory(application=app, title=f"Issue {n}")
        factories.EscalationFactory(
            application=app,
            problem_class=app.ownership_rules.get(),
            from_level=level,
            occurred_at=timezone.now() - timedelta(hours=n + 1),
        )
        assert other.pk
    assert queries() == few


def test_a_member_lead_records_evidence_and_the_pages_show_it(app) -> None:
    caller = Caller(app.delivery_lead)
    runbook = app.runbooks.get()

    issue = caller.post(f"/applications/{app.slug}/known-issues", _known_issue(workaround="Print once."))
    drill = caller.post(
        f"/applications/{app.slug}/drills",
        {
            "scenario": models.DrillScenario.values[0],
            "title": "Night pager drill",
            "held_on": timezone.localdate().isoformat(),
            "after_hours": True,
            "contacts_answered": True,
        },
    )
    exercised = caller.post(
        f"/applications/{app.slug}/runbooks/{runbook.pk}/exercised",
        {
            "exercised_on": timezone.localdate().isoformat(),
            "how": "walk_through",
            "participants": "Support desk",
            "outcome": "worked",
            "what_happened": "Followed every step; orders flowed again.",
        },
    )

    assert issue.status_code == 201 and issue.json()["title"] == "Invoices print twice"
    assert drill.status_code == 201 and drill.json()["after_hours"] is True
    assert exercised.status_code == 200 and exercised.json()["last_exercised_on"] == timezone.localdate().isoformat()
    browser = Client()
    browser.force_login(app.delivery_lead)
    assert "Invoices print twice" in browser.get(reverse("readiness:knownissue_list", args=[app.slug])).content.decode()
    assert "Night pager drill" in browser.get(reverse("readiness:drill_list", args=[app.slug])).content.decode()
    exercise = runbook.exercises.get()
    assert (exercise.how, exercise.what_happened) == ("walk_through", "Followed every step; orders flowed again.")
    runbook_page = browser.get(reverse("readiness:runbook_detail", args=[app.slug, runbook.pk])).content.decode()
    assert "Followed every step; orders flowed again." in runbook_page


def test_an_analyst_on_the_application_logs_an_escalation(app) -> None:
    analyst = factories.support_analyst()
    app.members.add(analyst)
    level1, level2 = app.levels.order_by("position")
    body = {
        "occurred_at": (timezone.localtime() - timedelta(hours=3)).isoformat(),
        "severity": 2,
        "problem_class": app.ownership_rules.get().pk,
        "from_level": level1.pk,
        "to_level": level2.pk,
        "resolved_by": "engineering",
        "minutes_to_resolve": 45,
        "summary": "Orders stuck in the ERP queue.",
    }

    response = Caller(analyst).post(f"/applications/{app.slug}/escalation-log", body)

    assert response.status_code == 201, response.json()
    logged = models.Escalation.objects.get(summary="Orders stuck in the ERP queue.")
    assert (logged.logged_by, logged.to_level, logged.resolved_at - logged.occurred_at) == (
        analyst,
        level2,
        timedelta(minutes=45),
    )
    listed = Caller(analyst).get(f"/applications/{app.slug}/escalation-log").json()
    assert listed["items"][0]["summary"] == "Orders stuck in the ERP queue." and listed["items"][0]["to_level"] == 2


def test_writes_are_refused_as_on_the_pages_and_nothing_is_written(app) -> None:
    url = f"/applications/{app.slug}/known-issues"
    member_analyst = factories.support_analyst()
    app.members.add(member_analyst)

    other_lead = Caller(factories.delivery_lead()).post(url, _known_issue())
    analyst = Caller(member_analyst).post(url, _known_issue())
    read_only = Caller(app.delivery_lead, read_only=True).post(url, _known_issue())

    assert other_lead.status_code == analyst.status_code == read_only.status_code == 403
    assert other_lead.json()["detail"] == "Only members of this application with an editing role can change it."
    assert read_only.json()["detail"].startswith("This token is read-only")
    assert not models.KnownIssue.objects.filter(title="Invoices print twice").exists()
    assert Caller(app.delivery_lead, read_only=True).get(url).status_code == 200  # it still reads


def test_not_found_is_404_json(app) -> None:
    caller = Caller(app.delivery_lead)
    elsewhere = factories.AlertCheckFactory()  # another application's alert
    person = app.levels.get(position=1).primary

    assert caller.get("/applications/no-such-app").status_code == 404
    response = caller.post(f"/applications/{app.slug}/alerts/{elsewhere.pk}/verifications", _verification(person))
    assert response.status_code == 404 and response.json() == {"detail": "Not found.", "errors": {}}
    assert not models.AlertVerification.objects.exists()


def test_an_unreadable_address_is_400_json(app) -> None:
    response = Caller(app.delivery_lead).get("/people", limit="1\x00")

    assert response.status_code == 400
    assert response.json() == {"detail": "The address holds characters that cannot be read.", "errors": {}}


def test_errors_name_the_field_with_the_pages_words(app) -> None:
    caller = Caller(app.delivery_lead)
    level = app.levels.get(position=1)
    alert = app.alerts.get()
    person = level.primary

    missing = caller.post(f"/applications/{app.slug}/known-issues", {"release": "1.0", "symptom": "x"})
    future = caller.post(
        f"/applications/{app.slug}/alerts/{alert.pk}/verifications",
        _verification(person, verified_at=(timezone.now() + timedelta(days=1)).isoformat()),
    )
    same_level = caller.post(
        f"/applications/{app.slug}/escalation-log",
        {
            "occurred_at": timezone.localtime().isoformat(),
            "problem_class": app.ownership_rules.get().pk,
            "from_level": level.pk,
            "to_level": level.pk,
            "summary": "Went nowhere at all.",
        },
    )
    not_json = caller.client.post(
        f"{API}/applications/{app.slug}/known-issues",
        "{not json",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {caller.key}",
    )

    assert missing.status_code == 422 and list(missing.json()["errors"]) == ["title"]
    assert future.json()["errors"] == {"verified_at": ["A firing cannot be recorded in the future."]}
    assert same_level.json()["errors"] == {
        "to_level": ["An escalation goes to a different level than the one it came from."]
    }
    assert not_json.status_code == 400 and not_json.json()["detail"]


def test_a_body_over_djangos_bound_is_400_json(app) -> None:
    body = _known_issue(symptom="x" * 1_000_000, workaround="x" * 1_000_000, support_script="x" * 1_000_000)

    response = Caller(app.delivery_lead).post(f"/applications/{app.slug}/known-issues", body)

    assert response.status_code == 400
    assert response.json() == {"detail": "The request body is larger than 2.5 MB: send less.", "errors": {}}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Invoices\x00 twice"),
        ("title", "Two\nlines"),
        ("symptom", "x" * 1_000_000),
        ("release", "\u2028"),
        ("title", "a\ud800b"),  # a lone surrogate: JSON carries it, no database stores it
        ("symptom", "x\udfffy"),
        ("owner", 2**31 - 1),
        ("owner", 2**63),
    ],
)
def test_hostile_input_is_refused_beside_its_field_never_a_server_error(app, field: str, value: Any) -> None:
    response = Caller(app.delivery_lead).post(f"/applications/{app.slug}/known-issues", _known_issue(**{field: value}))

    assert response.status_code == 422, response.content[:200]
    assert field in response.json()["errors"]
    assert not models.KnownIssue.objects.filter(release="1.4.0").exists()


@pytest.mark.parametrize(
    "moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", "2026-02-30T10:00", "yesterday", ""]
)
def test_odd_moments_are_refused_beside_the_field(app, moment: str) -> None:
    alert = app.alerts.get()
    person = app.levels.get(position=1).primary

    response = Caller(app.delivery_lead).post(
        f"/applications/{app.slug}/alerts/{alert.pk}/verifications", _verification(person, verified_at=moment)
    )

    assert response.status_code == 422 and list(response.json()["errors"]) == ["verified_at"]


def test_the_tokens_page_offers_and_shows_read_only(client) -> None:
    user = factories.delivery_lead()
    client.force_login(user)

    client.post(reverse("readiness:token_list"), {"name": "dashboard", "read_only": "on"})
    page = client.get(reverse("readiness:token_list")).content.decode()

    assert models.ApiToken.objects.get(user=user, name="dashboard").read_only
    assert "read-only" in page and 'href="/api/v1/docs"' in page


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(title=KINDS["line"], release=KINDS["line"], symptom=KINDS["text"], held_on=KINDS["date"])
def test_what_the_api_stores_it_shows_again_or_says_which_field_is_wrong(
    app, title: str, release: str, symptom: str, held_on: str
) -> None:
    """Generated text and dates (NUL, line breaks, 1 MB, years 1 and 9999): stored and read back
    as sent (trimmed, as the page's form trims), or 422 naming a field; never a server error."""
    caller = Caller(app.delivery_lead)
    with transaction.atomic():
        body = {"title": title, "release": release, "symptom": symptom}
        issue = caller.post(f"/applications/{app.slug}/known-issues", body)
        drill = caller.post(
            f"/applications/{app.slug}/drills",
            {"scenario": models.DrillScenario.values[0], "title": "Drill", "held_on": held_on},
        )
        if len(json.dumps(body, cls=DjangoJSONEncoder)) > django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            assert issue.status_code == 400 and issue.json()["detail"].startswith("The request body is larger than")
        elif issue.status_code == 201:
            shown = caller.get(f"/applications/{app.slug}/known-issues", limit=100).json()["items"]
            assert {"title": title.strip(), "release": release.strip(), "symptom": symptom.strip()}.items() <= next(
                row for row in shown if row["id"] == issue.json()["id"]
            ).items()
        else:
            assert issue.status_code == 422 and set(issue.json()["errors"]) <= {"title", "release", "symptom"}
        for field, kind, value in (
            ("title", "line", title),
            ("release", "line", release),
            ("symptom", "text", symptom),
        ):
            if clearly_wrong(kind, value) and issue.status_code != 400:
                assert field in issue.json()["errors"]
        if drill.status_code == 201:
            assert drill.json()["held_on"] == held_on
        else:
            assert drill.status_code == 422 and list(drill.json()["errors"]) == ["held_on"]
            assert clearly_wrong("date", held_on) or not held_on or drill.json()["errors"]["held_on"]
        transaction.set_rollback(True)
