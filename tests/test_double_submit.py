"""A double-click on any create form does the work once and never answers 500.

Every create form of the URLconf (names ending in `_create`, plus the token list and the
alert's "seen firing" form) is drawn with a GET, then sent again and again with the same data
and the same one-time key: one row, and every answer sends the user to the same place. On
PostgreSQL six copies race through threads against a live server; a different key with the
same name (another case) gets the uniqueness message beside the field.
"""

from __future__ import annotations

import http.cookiejar
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db.models import QuerySet
from django.test import Client
from django.urls import URLPattern, reverse
from django.utils import timezone

from readiness import models as m
from readiness.submissions import KEY_FIELD
from readiness.urls import urlpatterns
from tests import factories
from tests.test_unique_fields import field_errors

# Forms that create rows without "_create" in their URL name (the plan: the first time).
ALSO_CREATE = {"token_list", "alert_verify", "hypercare_plan_edit", "hypercare_extend", "reachability_test_send"}


class FormScraper(HTMLParser):
    """The fields of each POST form on a page, as a browser would send them untouched."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.forms.append((a.get("action", ""), []))
        elif not self.forms:
            return
        fields = self.forms[-1][1]
        kind = a.get("type", "text")
        if tag == "input" and a.get("name") and kind not in ("submit", "button"):
            if kind not in ("checkbox", "radio") or "checked" in a:
                fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            fields.append((self._select, a.get("value", "")))
        elif tag == "textarea":
            self._textarea = a.get("name")
            fields.append((self._textarea or "", ""))

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            name, value = self.forms[-1][1].pop()
            self.forms[-1][1].append((name, value + data))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form_data(page: str, action: str, page_url: str, overrides: dict[str, str]) -> dict[str, str]:
    scraper = FormScraper()
    scraper.feed(page)
    for form_action, fields in scraper.forms:
        if form_action == action or (not form_action and action == page_url):
            data = {name: value.strip() if name != KEY_FIELD else value for name, value in fields}
            assert data.get(KEY_FIELD), f"the form posting to {action} carries no one-time key"
            return {**data, **overrides}
    raise AssertionError(f"no form posting to {action} on {page_url}")


@dataclass
class Case:
    page: str
    action: str
    data: dict[str, str]
    rows: QuerySet[Any]
    # The field whose uniqueness a second key (same name, another case) must be told beside.
    unique: tuple[str, str, str] | None = None  # (field, other spelling, message)


def _world() -> dict[str, Any]:
    admin = factories.UserFactory(username="root", is_superuser=True, is_staff=True)
    application = factories.hypercare_application()
    person = factories.PersonFactory(name="Ana Lim")
    drill = factories.DrillFactory(application=application)
    alert = factories.AlertCheckFactory(application=application, signal="Queue depth")
    return {"admin": admin, "app": application, "person": person, "drill": drill, "alert": alert,
            "planless": factories.ApplicationFactory(), "runbook": factories.RunbookFactory(application=application)}


def _cases(w: dict[str, Any]) -> dict[str, Case]:
    app, person, drill, alert = w["app"], w["person"], w["drill"], w["alert"]
    slug = app.slug
    today = timezone.localdate()
    level, rule = app.levels.order_by("position").first(), app.ownership_rules.first()

    def at(name: str, *args: Any) -> str:
        return reverse(f"readiness:{name}", args=args)

    def simple(name: str, data: dict[str, str], rows: QuerySet[Any], unique: Any = None, *args: Any) -> Case:
        url = at(name, *args)
        return Case(url, url, data, rows, unique)

    return {
        "application_create": simple(
            "application_create", {"name": "Billing Hub", "slug": "billing-hub"}, m.Application.objects.all(),
            ("name", "BILLING hub", "There is already an application with this name (in another case)."),
        ),
        "waiver_create": simple("waiver_create", {"gate": "runbooks", "reason": "Runbooks come next week.",
                                                  "expires_on": f"{today + timedelta(days=7):%Y-%m-%d}"},
                                app.waivers.all(), None, slug),
        "runbook_create": simple(
            "runbook_create", {"title": "Login fails", "symptom": "s", "normal_looks_like": "n",
                               "problem_signs": "p", "steps": "1. look"}, app.runbooks.all(),
            ("title", "LOGIN fails", "This application already has a runbook with this title."), slug,
        ),
        "alert_create": simple(
            "alert_create", {"signal": "Error rate", "threshold": "5%", "user_impact": "Orders fail."},
            app.alerts.all(), ("signal", "error RATE", "This application already has an alert for this signal."),
            slug,
        ),
        "access_create": simple("access_create", {"kind": "logs", "description": "Read the logs."},
                                app.access_checks.all(), None, slug),
        "knownissue_create": simple("knownissue_create", {"title": "Slow export", "release": "1.0.0",
                                                          "symptom": "Slow.", "status": "open"},
                                    app.known_issues.all(), None, slug),
        "drill_create": simple("drill_create", {"scenario": "other", "title": "Bridge call",
                                                "held_on": f"{today:%Y-%m-%d}"}, app.drills.all(), None, slug),
        "decision_create": simple("decision_create", {"title": "Queue", "status": "accepted", "context": "c",
                                                      "decision": "d"}, app.decisions.all(), None, slug),
        "alert_verify": simple(
            "alert_verify", {"verified_at": f"{timezone.localtime() - timedelta(hours=1):%Y-%m-%dT%H:%M}",
                             "verified_by": str(person.pk), "evidence": "Paged at 10:02."},
            alert.verifications.all(), None, slug, alert.pk,
        ),
        "runbook_exercise_create": simple(
            "runbook_exercise_create", {"exercised_on": f"{today:%Y-%m-%d}", "how": "walk_through",
                                        "participants": "Service desk", "outcome": "worked",
                                        "what_happened": "Followed each step; all matched."},
            w["runbook"].exercises.all(), None, slug, w["runbook"].pk,
        ),
        "drillaction_create": Case(at("drill_detail", slug, drill.pk), at("drillaction_create", slug, drill.pk),
                                   {"description": "Fix the bridge number", "owner": str(person.pk)},
                                   drill.actions.all()),
        "drillcall_create": Case(at("drill_detail", slug, drill.pk), at("drillcall_create", slug, drill.pk),
                                 {"level": str(level.pk), "answered": "on", "answer_minutes": "12"},
                                 drill.calls.all()),
        "token_list": simple("token_list", {"name": "Teams bot"}, m.ApiToken.objects.filter(user=w["admin"]),
                             ("name", "TEAMS bot", "You already have a token with this name.")),
        "level_create": simple("level_create", {"name": "Vendor", "responsibility": "Fixes.",
                                                "primary": str(person.pk), "coverage": "business_hours"},
                               app.levels.all(), None, slug),
        "standin_create": simple(
            "standin_create", {"role": "primary", "person": str(person.pk),
                               "starts_at": f"{timezone.localtime() + timedelta(days=1):%Y-%m-%dT%H:%M}",
                               "ends_at": f"{timezone.localtime() + timedelta(days=3):%Y-%m-%dT%H:%M}",
                               "reason": "Covering the primary's leave."},
            level.standins.all(), None, slug, level.pk,
        ),
        "rule_create": simple(
            "rule_create", {"name": "Slow pages", "owner_role": "support"}, app.ownership_rules.all(),
            ("name", "SLOW pages", "This application already has a rule with this name."), slug,
        ),
        "person_create": simple(
            "person_create", {"name": "Raj Patel", "email": "raj@example.com"}, m.Person.objects.all(),
            ("email", "RAJ@example.com", "Someone else already has this email address."),
        ),
        "leave_create": simple("leave_create", {"starts_on": f"{today + timedelta(days=3):%Y-%m-%d}",
                                                "ends_on": f"{today + timedelta(days=4):%Y-%m-%d}"},
                               person.leaves.all(), None, person.pk),
        "team_create": simple("team_create", {"name": "Hosting"}, m.Team.objects.all(),
                              ("name", "HOSTING", "There is already a team with this name.")),
        "criterion_create": simple("criterion_create", {"name": "Stable week", "kind": "attestation"},
                                   app.exit_criteria.all(), None, slug),
        "hypercare_plan_edit": simple(
            "hypercare_plan_edit", {"starts_on": f"{today:%Y-%m-%d}",
                                    "planned_end_on": f"{today + timedelta(days=21):%Y-%m-%d}",
                                    "rules_in_force": "Support answers first."},
            m.Hypercare.objects.filter(application=w["planless"]), None, w["planless"].slug,
        ),
        "hypercare_extend": simple(
            "hypercare_extend", {"new_end_on": f"{app.hypercare.current_end_on + timedelta(days=7):%Y-%m-%d}",
                                 "reason": "The ERP sync still fails weekly."},
            app.hypercare.extensions.all(), None, slug,
        ),
        "reachability_test_send": Case(at("person_reminders", person.pk), at("reachability_test_send", person.pk),
                                       {"channels": "phone"}, person.reachability_tests.all()),
        "escalationlog_create": simple(
            "escalationlog_create", {"occurred_at": f"{timezone.localtime() - timedelta(hours=2):%Y-%m-%dT%H:%M}",
                                     "severity": "3", "problem_class": str(rule.pk), "from_level": str(level.pk),
                                     "summary": "Wrong price shown."},
            app.escalations.all(), None, slug,
        ),
    }


def create_url_names() -> set[str]:
    names = {p.name for p in urlpatterns if isinstance(p, URLPattern) and p.name}
    return {name for name in names if name.endswith("_create")} | (ALSO_CREATE & names)


def test_every_create_form_has_a_case(db: None) -> None:
    # A new create URL without a case here fails: give it one, so its double-click is tested.
    assert create_url_names() == set(_cases(_world()))


@pytest.fixture
def world(db: None) -> dict[str, Any]:
    return _world()


def test_the_same_form_sent_twice_creates_one_row_and_answers_alike(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["admin"])
    for name, case in _cases(world).items():
        before = case.rows.count()
        data = form_data(client.get(case.page).content.decode(), case.action, case.page, case.data)

        first = client.post(case.action, data)
        second = client.post(case.action, data)

        assert first.status_code == 302, (name, field_errors_all(first))
        assert second.status_code == 302 and second["Location"] == first["Location"], name
        assert case.rows.count() == before + 1, name


def field_errors_all(response: Any) -> str:
    return response.content.decode()[:3000] if response.status_code == 200 else str(response.status_code)


def test_an_invalid_form_leaves_its_key_unused(world: dict[str, Any]) -> None:
    client = Client()
    client.force_login(world["admin"])
    url = reverse("readiness:team_create")
    data = form_data(client.get(url).content.decode(), url, url, {"name": ""})

    assert client.post(url, data).status_code == 200
    corrected = client.post(url, {**data, "name": "Hosting"})

    assert corrected.status_code == 302
    assert m.Team.objects.filter(name="Hosting").count() == 1


def test_someone_elses_key_is_refused(world: dict[str, Any]) -> None:
    other = factories.UserFactory(username="other", is_superuser=True)
    first, second = Client(), Client()
    first.force_login(world["admin"])
    second.force_login(other)
    url = reverse("readiness:team_create")
    data = form_data(first.get(url).content.decode(), url, url, {"name": "Hosting"})
    first.post(url, data)

    answer = second.post(url, {**data, "name": "Vendors"})

    assert answer.status_code == 400
    assert "sent by someone else" in answer.content.decode()
    assert not m.Team.objects.filter(name="Vendors").exists()


# --- real races: six threads, a live server, PostgreSQL (SQLite shares one connection) ----------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """One signed-in browser (cookies, CSRF) against the live server; thread-safe to POST from."""

    def __init__(self, base: str, user: Any) -> None:
        client = Client()
        client.force_login(user)
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.session = client.cookies["sessionid"].value

    def _open(self, request: urllib.request.Request) -> tuple[int, str, str]:
        opener = urllib.request.build_opener(_NoRedirect, urllib.request.HTTPCookieProcessor(self.jar))
        request.add_header("Cookie", f"sessionid={self.session}; csrftoken={self.csrf}")
        try:
            with opener.open(request, timeout=30) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("Location", ""), error.read().decode()

    def get(self, path: str) -> str:
        self.csrf = "x" * 32
        status, _, page = self._open(urllib.request.Request(self.base + path))
        assert status == 200, (path, status)
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                self.csrf = cookie.value
        return page

    def post(self, path: str, data: dict[str, str]) -> tuple[int, str, str]:
        body = urllib.parse.urlencode(data).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST")
        request.add_header("Referer", self.base + path)
        request.add_header("X-CSRFToken", self.csrf)
        return self._open(request)


def race(browser: Browser, path: str, bodies: list[dict[str, str]]) -> list[tuple[int, str, str]]:
    start = threading.Barrier(len(bodies))
    answers: list[tuple[int, str, str]] = [(0, "", "")] * len(bodies)

    def send(i: int) -> None:
        start.wait()
        answers[i] = browser.post(path, bodies[i])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def _csrf_data(browser: Browser, case: Case, overrides: dict[str, str] | None = None) -> dict[str, str]:
    data = form_data(browser.get(case.page), case.action, case.page, {**case.data, **(overrides or {})})
    data["csrfmiddlewaretoken"] = browser.csrf
    return data


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_six_identical_posts_at_once_create_one_row_and_no_500(live_server: Any) -> None:
    world = _world()
    browser = Browser(live_server.url, world["admin"])
    for name, case in _cases(world).items():
        before = case.rows.count()
        data = _csrf_data(browser, case)

        answers = race(browser, case.action, [data] * 6)

        assert [status for status, _, _ in answers] == [302] * 6, (name, answers)
        assert len({location for _, location, _ in answers}) == 1, name
        assert case.rows.count() == before + 1, name


UniqueCase = Callable[[dict[str, Any]], Case]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_keys_with_the_same_name_at_once_create_one_and_tell_the_other(live_server: Any) -> None:
    world = _world()
    browser = Browser(live_server.url, world["admin"])
    for name, case in _cases(world).items():
        if case.unique is None:
            continue
        field, other_spelling, message = case.unique
        before = case.rows.count()
        one = _csrf_data(browser, case)
        two = _csrf_data(browser, case, {field: other_spelling})

        answers = race(browser, case.action, [one, two])

        assert sorted(status for status, _, _ in answers) == [200, 302], (name, answers)
        refused = next(page for status, _, page in answers if status == 200)
        assert field_errors(refused, field) == [message], name
        assert case.rows.count() == before + 1, name
