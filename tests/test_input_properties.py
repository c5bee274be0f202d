"""Every value a user can store can be shown again (issue 12): each create/edit form, driven
with generated dates, moments, numbers and text (NUL, line breaks, control characters, 1 MB,
years 1 and 9999, nothing at all), either saves a row its page shows again or says beside the
field what is wrong; never a 500. Then the pages that read everything still answer."""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from itertools import count
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from readiness import models
from readiness.middleware import unreadable
from readiness.services.api import api_token_create
from readiness.services.reminders import link_token
from readiness.validators import (
    DATE_RANGE_MESSAGE,
    MOMENT_MAX,
    MOMENT_MIN,
    SINGLE_LINE_MESSAGE,
    apply_input_bounds,
    bounds_for,
    validate_moment_in_range,
)
from tests import factories

pytestmark = pytest.mark.django_db

MEGABYTE = "x" * 1_000_000
ODD_TEXT = ["", " ", "\x00", "a\x00b", "two\nlines", "cr\rhere", "tab\there", "esc\x1b[31m", "sep\u2028x",
            "<b>&amp;</b> \"quoted\" 'single'", "Zoë Ŝmith 山田", MEGABYTE]
ODD_DATES = ["0001-01-01", "9999-12-31", "1999-12-31", "2000-01-01", "2100-12-31", "2101-01-01", "",
             "2026-02-30", "not a date"]
ODD_MOMENTS = ["0001-01-01T00:00", "9999-12-31T23:59", "1999-12-31T23:59", "2000-01-01T12:00", "", "nonsense"]
ODD_NUMBERS = ["", "0", "-1", "1.5", "NaN", "1e400", "9" * 40, str(2**63)]

KINDS: dict[str, st.SearchStrategy[str]] = {
    "line": st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=40)),
    "text": st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=200)),
    "date": st.one_of(st.sampled_from(ODD_DATES), st.dates().map(date.isoformat)),
    "moment": st.one_of(st.sampled_from(ODD_MOMENTS), st.datetimes().map(lambda d: d.isoformat(timespec="minutes"))),
    "number": st.one_of(st.sampled_from(ODD_NUMBERS), st.integers().map(str)),
}


def clearly_wrong(kind: str, value: str) -> bool:
    """Values no form may store: the error must then be beside this very field."""
    if "\x00" in value or value == MEGABYTE:
        return True
    if kind == "line":
        # Forms strip surrounding whitespace (a trailing CR included) before anything is checked.
        return any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in value.strip())
    if kind in ("date", "moment"):
        return value[:4] in ("0001", "9999", "1999", "2101")
    return False


# --- the world the forms are filled in ----------------------------------------------------------

@dataclass
class World:
    client: Client
    app: models.Application
    person: models.Person
    alert: models.AlertCheck
    drill: models.Drill
    runbook: models.Runbook
    access: models.AccessCheck
    issue: models.KnownIssue
    decision: models.DecisionRecord
    level: models.EscalationLevel
    rule: models.OwnershipRule
    team: models.Team
    criterion: models.ExitCriterion
    n: count = field(default_factory=count)


@pytest.fixture
def world(client: Client) -> World:
    admin = factories.UserFactory(username="admin", is_superuser=True, is_staff=True)
    client.force_login(admin)
    app = factories.hypercare_application()
    app.members.add(admin)
    person = factories.PersonFactory(name="Sam Contact")
    return World(
        client=client, app=app, person=person,
        alert=factories.AlertCheckFactory(application=app, owner=person),
        drill=factories.DrillFactory(application=app),
        runbook=factories.RunbookFactory(application=app),
        access=factories.AccessCheckFactory(application=app),
        issue=factories.KnownIssueFactory(application=app),
        decision=factories.DecisionRecordFactory(application=app),
        level=app.levels.get(position=2),
        rule=app.ownership_rules.get(),
        team=person.team,
        criterion=app.exit_criteria.order_by("pk").first(),
    )


def _today(offset: int = 0) -> str:
    return (timezone.localdate() + timedelta(days=offset)).isoformat()


def _earlier(minutes: int = 30) -> str:
    return (timezone.localtime() - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M")


@dataclass
class Case:
    url: Callable[[World], str]
    model: type[Model]
    base: Callable[[World, int], dict[str, Any]]
    fields: dict[str, str]
    # The row an edit form changes; None for a create form (the newest row is the new one).
    edits: Callable[[World], Model] | None = None
    # Where the stored values are read again; the row's own page when None.
    shown: Callable[[World, Model], str] | None = None
    # Single-line fields whose stored text that page shows as typed.
    visible: tuple[str, ...] = ()
    # The page the form is drawn on, when it is not the address it posts to.
    page: Callable[[World], str] | None = None
    # What a page answering 200 says when it saved (a public page with no one to redirect).
    done: str | None = None


def _slug(w: World, name: str, *args: Any) -> str:
    return reverse(f"readiness:{name}", args=[w.app.slug, *args])


def _application(w: World, n: int) -> dict[str, Any]:
    return {"name": f"Application {n}", "slug": f"application-x{n}", "description": "A system.",
            "current_release": "1.0.0", "go_live_date": _today(20), "stage": "build"}


def _runbook(w: World, n: int) -> dict[str, Any]:
    return {"title": f"Scenario {n}", "symptom": "Errors.", "normal_looks_like": "None.", "problem_signs": "Many.",
            "steps": "1. Look.", "is_critical": "on", "last_reviewed_on": _today(-3)}


def _alert(w: World, n: int) -> dict[str, Any]:
    return {"signal": f"Signal {n}", "threshold": "More than 5", "user_impact": "Orders stop.",
            "dashboard_url": "https://grafana.example.com/d/1"}


def _access(w: World, n: int) -> dict[str, Any]:
    return {"kind": "logs", "description": f"Index {n}", "verified_by": w.person.pk, "verified_on": _today(-1)}


def _issue(w: World, n: int) -> dict[str, Any]:
    return {"title": f"Issue {n}", "release": "1.0.0", "symptom": "Odd.", "workaround": "Twice.",
            "support_script": "Say sorry.", "status": "open"}


def _drill(w: World, n: int) -> dict[str, Any]:
    return {"scenario": "login_failure", "title": f"Drill {n}", "held_on": _today(-2), "support_attended": "on",
            "contacts_answered": "on", "answer_minutes": "4", "findings": "Went well."}


def _decision(w: World, n: int) -> dict[str, Any]:
    return {"title": f"Decision {n}", "status": "proposed", "decided_on": _today(-5), "context": "Why.",
            "decision": "This.", "alternatives": "", "constraints": "", "edge_cases": "", "what_failed": ""}


def _level(w: World, n: int) -> dict[str, Any]:
    return {"position": str(10 + n), "name": f"Level {n}", "responsibility": "Answers.", "primary": w.person.pk,
            "coverage": "business_hours", "coverage_timezone": "Australia/Melbourne", "duties": ["first_response"],
            "other_decision_rights": "", "response_target_minutes": "30", "how_to_reach": "Phone."}


def _standin(w: World, n: int) -> dict[str, Any]:
    # A period of its own each time: one stand-in per role at a time.
    starts = timezone.localtime() + timedelta(days=2 * n + 1)
    return {"role": "primary", "person": w.person.pk, "starts_at": f"{starts:%Y-%m-%dT%H:%M}",
            "ends_at": f"{starts + timedelta(days=1):%Y-%m-%dT%H:%M}", "reason": f"Covering leave {n}."}


def _rule(w: World, n: int) -> dict[str, Any]:
    return {"name": f"Class {n}", "description": "What.", "example_symptoms": "It breaks.", "owner_role": "support",
            "level": w.level.pk}


def _person(w: World, n: int) -> dict[str, Any]:
    return {"name": f"Person {n}", "email": f"p{n}@example.com", "phone": "+61 3 9000 0000", "chat_handle": "@p",
            "team": w.team.pk, "timezone": "Australia/Melbourne", "reminder_channel": "chat",
            "chat_webhook": f"https://hooks.slack.com/services/T{n}/B{n}/x"}


def _criterion(w: World, n: int) -> dict[str, Any]:
    return {"name": f"Criterion {n}", "description": "Measured.", "kind": "metric", "metric": "sev1_open",
            "threshold": "0", "position": "5"}


def _escalation(w: World, n: int) -> dict[str, Any]:
    return {"occurred_at": _earlier(), "severity": "3", "problem_class": w.rule.pk,
            "from_level": w.app.levels.get(position=1).pk, "to_level": w.level.pk, "resolved_by": "",
            "minutes_to_resolve": "", "minutes_to_answer": "", "summary": "Prices were wrong."}


def _open_escalation(w: World) -> str:
    entry = factories.EscalationFactory(
        application=w.app, problem_class=w.rule, from_level=w.app.levels.get(position=1),
        occurred_at=timezone.now() - timedelta(hours=2),
    )
    return _slug(w, "escalationlog_resolve", entry.pk)


def _contact_url(w: World) -> str:
    w.person.refresh_from_db()
    return reverse("readiness:reminder_change", args=[link_token(w.person, w.person.reminder_cycle)])


def _hypercare(w: World, row: Model) -> str:
    return _slug(w, "hypercare_detail")


def _preferences(w: World) -> str:
    """The signed-in administrator's own timezone page, their preference row made first (an edit)."""
    admin = get_user_model().objects.get(username="admin")
    models.UserPreference.objects.get_or_create(user=admin, defaults={"timezone": "Australia/Melbourne"})
    return reverse("readiness:preferences")


LINE, TEXT, DATE, MOMENT, NUMBER = "line", "text", "date", "moment", "number"
ARTEFACT = {  # kind: (base, fields, row of the world, visible)
    "runbook": (_runbook, {"title": LINE, "symptom": TEXT, "steps": TEXT, "last_reviewed_on": DATE},
                "runbook", ("title",)),
    "alert": (_alert, {"signal": LINE, "threshold": LINE, "user_impact": TEXT, "dashboard_url": LINE,
                       "alert_name": LINE, "alert_labels": TEXT},
              "alert", ("signal", "threshold")),
    "access": (_access, {"description": LINE, "verified_on": DATE}, "access", ("description",)),
    "knownissue": (_issue, {"title": LINE, "release": LINE, "symptom": TEXT, "support_script": TEXT},
                   "issue", ("title", "release")),
    "drill": (_drill, {"title": LINE, "held_on": DATE, "answer_minutes": NUMBER, "findings": TEXT},
              "drill", ("title",)),
    "decision": (_decision, {"title": LINE, "decided_on": DATE, "context": TEXT, "what_failed": TEXT},
                 "decision", ("title",)),
}
MODEL_OF = {"runbook": models.Runbook, "alert": models.AlertCheck, "access": models.AccessCheck,
            "knownissue": models.KnownIssue, "drill": models.Drill, "decision": models.DecisionRecord}

CASES: dict[str, Case] = {
    "application_create": Case(
        lambda w: reverse("readiness:application_create"), models.Application, _application,
        {"name": LINE, "slug": LINE, "description": TEXT, "current_release": LINE, "go_live_date": DATE},
        visible=("name",),
    ),
    "application_edit": Case(
        lambda w: _slug(w, "application_edit"), models.Application,
        lambda w, n: {**_application(w, n), "stage": "hypercare", "go_live_date": _today(-10)},
        {"name": LINE, "description": TEXT, "current_release": LINE, "go_live_date": DATE, "synonyms": TEXT},
        edits=lambda w: w.app, visible=("name",),
    ),
    "waiver_create": Case(
        lambda w: _slug(w, "waiver_create"), models.GateWaiver,
        lambda w, n: {"gate": "rehearsal", "reason": "Covered by the vendor.", "expires_on": _today(30)},
        {"reason": TEXT, "expires_on": DATE}, shown=lambda w, row: _slug(w, "application_detail"),
    ),
    **{
        f"{kind}_create": Case(
            lambda w, kind=kind: _slug(w, f"{kind}_create"),  # type: ignore[misc]  # mypy: lambda with defaults
            MODEL_OF[kind], base, fields, visible=visible,
        )
        for kind, (base, fields, _, visible) in ARTEFACT.items()
    },
    **{
        f"{kind}_edit": Case(
            lambda w, kind=kind, row=row: _slug(w, f"{kind}_edit", getattr(w, row).pk),  # type: ignore[misc]
            MODEL_OF[kind], base, fields,
            edits=lambda w, row=row: getattr(w, row),  # type: ignore[misc]  # mypy: lambda with defaults
            visible=visible,
        )
        for kind, (base, fields, row, visible) in ARTEFACT.items()
    },
    "alert_verify": Case(
        lambda w: _slug(w, "alert_verify", w.alert.pk), models.AlertVerification,
        lambda w, n: {"verified_at": _earlier(), "verified_by": w.person.pk, "evidence": "Paged.", "evidence_url": ""},
        {"verified_at": MOMENT, "evidence": TEXT, "evidence_url": LINE},
        shown=lambda w, row: w.alert.get_absolute_url(),
    ),
    "runbook_exercise_create": Case(
        lambda w: _slug(w, "runbook_exercise_create", w.runbook.pk), models.RunbookExercise,
        lambda w, n: {"exercised_on": _today(-1), "how": "walk_through", "exercised_by": w.person.pk,
                      "participants": "Service desk", "outcome": "changed", "what_happened": "Followed every step.",
                      "changes_made": "Step 3 names the new queue."},
        {"exercised_on": DATE, "participants": LINE, "what_happened": TEXT, "changes_made": TEXT},
        shown=lambda w, row: w.runbook.get_absolute_url(), visible=("participants",),
    ),
    # A drill naming the runbooks it used records their exercises (readiness.services.exercises.drill_save).
    "drill_with_runbooks": Case(
        lambda w: _slug(w, "drill_create"), models.Drill,
        lambda w, n: {**_drill(w, n), "runbooks_used": [w.runbook.pk], "runbook_outcome": "changed",
                      "runbook_changes": "Step 2 now names the queue."},
        {"title": LINE, "held_on": DATE, "findings": TEXT, "runbook_changes": TEXT}, visible=("title",),
    ),
    "drillaction_create": Case(
        lambda w: _slug(w, "drillaction_create", w.drill.pk), models.DrillAction,
        lambda w, n: {"description": f"Action {n}", "owner": w.person.pk},
        {"description": LINE}, shown=lambda w, row: w.drill.get_absolute_url(), visible=("description",),
        page=lambda w: w.drill.get_absolute_url(),
    ),
    # Recording a level again corrects its row: the row read back is the drill's call of the level.
    "drillcall_create": Case(
        lambda w: _slug(w, "drillcall_create", w.drill.pk), models.DrillCall,
        lambda w, n: {"level": w.level.pk, "answered": "on", "answer_minutes": str(n % 60)},
        {"answer_minutes": NUMBER}, edits=lambda w: models.DrillCall.objects.get(drill=w.drill, level=w.level),
        shown=lambda w, row: w.drill.get_absolute_url(), page=lambda w: w.drill.get_absolute_url(),
    ),
    "level_create": Case(
        lambda w: _slug(w, "level_create"), models.EscalationLevel, _level,
        {"name": LINE, "responsibility": TEXT, "other_decision_rights": LINE, "response_target_minutes": NUMBER,
         "how_to_reach": TEXT, "position": NUMBER},
        shown=lambda w, row: _slug(w, "path_detail"), visible=("name",),
    ),
    "level_edit": Case(
        lambda w: _slug(w, "level_edit", w.level.pk), models.EscalationLevel,
        lambda w, n: {**_level(w, n), "position": "2"},
        {"name": LINE, "responsibility": TEXT, "response_target_minutes": NUMBER},
        edits=lambda w: w.level, shown=lambda w, row: _slug(w, "path_detail"), visible=("name",),
    ),
    "standin_create": Case(
        lambda w: _slug(w, "standin_create", w.level.pk), models.StandIn, _standin,
        {"starts_at": MOMENT, "ends_at": MOMENT, "reason": LINE},
        shown=lambda w, row: _slug(w, "path_detail"), visible=("reason",),
    ),
    "rule_create": Case(
        lambda w: _slug(w, "rule_create"), models.OwnershipRule, _rule,
        {"name": LINE, "description": TEXT, "example_symptoms": TEXT},
        shown=lambda w, row: _slug(w, "rule_list"), visible=("name",),
    ),
    "rule_edit": Case(
        lambda w: _slug(w, "rule_edit", w.rule.pk), models.OwnershipRule, _rule,
        {"name": LINE, "description": TEXT}, edits=lambda w: w.rule,
        shown=lambda w, row: _slug(w, "rule_list"), visible=("name",),
    ),
    "person_create": Case(
        lambda w: reverse("readiness:person_create"), models.Person, _person,
        {"name": LINE, "email": LINE, "phone": LINE, "chat_handle": LINE, "timezone": LINE}, visible=("name",),
    ),
    "person_edit": Case(
        lambda w: reverse("readiness:person_edit", args=[w.person.pk]), models.Person, _person,
        {"name": LINE, "phone": LINE, "chat_handle": LINE}, edits=lambda w: w.person, visible=("name",),
    ),
    "team_create": Case(
        lambda w: reverse("readiness:team_create"), models.Team,
        lambda w, n: {"name": f"Team {n}", "description": "Does things."},
        {"name": LINE, "description": TEXT}, shown=lambda w, row: reverse("readiness:people_list"),
        visible=("name",),
    ),
    "team_edit": Case(
        lambda w: reverse("readiness:team_edit", args=[w.team.pk]), models.Team,
        lambda w, n: {"name": f"Team {n}", "description": "Does things."},
        {"name": LINE, "description": TEXT}, edits=lambda w: w.team,
        shown=lambda w, row: reverse("readiness:people_list"), visible=("name",),
    ),
    "leave_create": Case(
        lambda w: reverse("readiness:leave_create", args=[w.person.pk]), models.Leave,
        lambda w, n: {"starts_on": _today(n + 1), "ends_on": _today(n + 2), "note": "Holiday"},
        {"starts_on": DATE, "ends_on": DATE, "note": LINE},
        shown=lambda w, row: reverse("readiness:person_detail", args=[w.person.pk]),
    ),
    "hypercare_plan": Case(
        lambda w: _slug(w, "hypercare_plan_edit"), models.Hypercare,
        lambda w, n: {"starts_on": _today(-10), "planned_end_on": _today(11), "rules_in_force": "Support first."},
        {"starts_on": DATE, "planned_end_on": DATE, "rules_in_force": TEXT},
        edits=lambda w: w.app.hypercare, shown=_hypercare,
    ),
    "criterion_create": Case(
        lambda w: _slug(w, "criterion_create"), models.ExitCriterion, _criterion,
        {"name": LINE, "description": TEXT, "threshold": NUMBER, "position": NUMBER},
        shown=_hypercare, visible=("name",),
    ),
    "criterion_edit": Case(
        lambda w: _slug(w, "criterion_edit", w.criterion.pk), models.ExitCriterion, _criterion,
        {"name": LINE, "description": TEXT, "threshold": NUMBER}, edits=lambda w: w.criterion,
        shown=_hypercare, visible=("name",),
    ),
    "hypercare_extend": Case(
        lambda w: _slug(w, "hypercare_extend"), models.HypercareExtension,
        lambda w, n: {"new_end_on": (w.app.hypercare.current_end_on + timedelta(days=7)).isoformat(),
                      "reason": "The ERP sync still fails weekly."},
        {"new_end_on": DATE, "reason": TEXT}, shown=_hypercare,
    ),
    "escalationlog_create": Case(
        lambda w: _slug(w, "escalationlog_create"), models.Escalation, _escalation,
        {"occurred_at": MOMENT, "minutes_to_resolve": NUMBER, "minutes_to_answer": NUMBER, "summary": TEXT},
        shown=lambda w, row: _slug(w, "escalationlog_list"),
    ),
    "escalationlog_resolve": Case(
        _open_escalation, models.Escalation,
        lambda w, n: {"resolved_by": "support", "resolved_at": _earlier(5)},
        {"resolved_at": MOMENT, "minutes_to_answer": NUMBER},
        edits=lambda w: models.Escalation.objects.order_by("-pk").first(),
        shown=lambda w, row: _slug(w, "escalationlog_list"),
    ),
    "token_create": Case(
        lambda w: reverse("readiness:token_list"), models.ApiToken, lambda w, n: {"name": f"Bot {n}"},
        {"name": LINE}, shown=lambda w, row: reverse("readiness:token_list"), visible=("name",),
    ),
    "preferences": Case(
        _preferences, models.UserPreference, lambda w, n: {"timezone": "Asia/Manila"}, {"timezone": LINE},
        edits=lambda w: models.UserPreference.objects.get(user__username="admin"),
        shown=lambda w, row: reverse("readiness:preferences"), visible=("timezone",),
    ),
    "contact_changed": Case(
        _contact_url, models.Person,
        lambda w, n: {"name": f"Sam Contact {n}", "phone": "+61 3 9000 0001", "chat_handle": "@sam",
                      "timezone": "Australia/Melbourne", "note": "New number."},
        {"name": LINE, "phone": LINE, "chat_handle": LINE, "note": TEXT}, edits=lambda w: w.person,
        shown=lambda w, row: reverse("readiness:person_detail", args=[row.pk]), visible=("name",),
        done="Your details are saved",
    ),
}


class _FormFields(HTMLParser):
    """What a browser would send for the page's POST forms as drawn: hidden keys, formsets, selections."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, Any] = {}
        self._in_post = False
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""
        if tag == "form":
            self._in_post = (a.get("method") or "").lower() == "post"
        if not self._in_post or not a.get("name"):
            return
        name = a["name"] or ""
        if tag == "input" and a.get("type") not in ("submit", "button"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data[name] = a.get("value") or ""
        elif tag == "select":
            self._select = name
        elif tag == "textarea":
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_post = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _drawn(page: str) -> dict[str, Any]:
    parser = _FormFields()
    parser.feed(page)
    parser.data.pop("csrfmiddlewaretoken", None)
    return parser.data


def _forms_in(response: Any) -> list[Any]:
    found = []
    for context in response.context or []:
        for value in context.dicts if hasattr(context, "dicts") else [context]:
            for item in value.values() if isinstance(value, dict) else []:
                if hasattr(item, "errors") and hasattr(item, "fields"):
                    found.append(item)
    return found


def _submit(w: World, case: Case, name: str, value: str) -> None:
    """Post the case's form with `value` in field `name`; assert the outcome the user must see."""
    url = case.url(w)
    drawn = w.client.get(case.page(w) if case.page else url)
    assert drawn.status_code == 200, url
    data = {**_drawn(drawn.content.decode()), **case.base(w, next(w.n)), name: value}
    before = case.model._default_manager.count()
    response = w.client.post(url, data)
    assert response.status_code in (200, 302), (url, name, value[:60], response.status_code)
    if response.status_code == 302 or (case.done and case.done in response.content.decode()):
        assert not clearly_wrong(case.fields[name], value), f"{name}={value[:60]!r} was stored by {url}"
        if case.edits is None:
            assert case.model._default_manager.count() == before + 1
            row: Any = case.model._default_manager.order_by("-pk").first()
        else:
            row = case.edits(w)
            row.refresh_from_db()
        stored = getattr(row, name, None)
        if isinstance(stored, str) and case.fields[name] in (LINE, TEXT):
            assert stored == value.strip(), (name, stored[:60], value[:60])
        where = case.shown(w, row) if case.shown else row.get_absolute_url()
        page = w.client.get(where)
        assert page.status_code == 200, where
        if name in case.visible and stored:
            assert html.escape(stored) in page.content.decode(), (where, stored)
        return
    # Refused: the page again, the message beside the field (crispy's invalid-feedback).
    text = response.content.decode()
    errors = {key for form in _forms_in(response) for key in form.errors}
    assert errors, (url, name, value[:60])
    assert "invalid-feedback" in text or "is-invalid" in text
    if clearly_wrong(case.fields[name], value):
        assert name in errors, (url, name, value[:60], errors)
    assert case.model._default_manager.count() == before


READ_BACK = ["home", "application_detail", "handoff_pack", "handoff_pack_json", "history", "escalationlog_list",
             "escalationlog_export"]


def _pages_answer(w: World) -> None:
    w.app.refresh_from_db()
    for name in READ_BACK:
        url = reverse(f"readiness:{name}") if name == "home" else _slug(w, name)
        response = w.client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("case_name", list(CASES))
def test_every_form_saves_what_it_can_show_or_says_why_not(world: World, case_name: str) -> None:
    case = CASES[case_name]

    @settings(max_examples=25, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(data=st.data())
    def fill(data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(case.fields)), label="field")
        value = data.draw(KINDS[case.fields[name]], label="value")
        _submit(world, case, name, value)

    fill()
    _pages_answer(world)


# --- the cases found in the round, one by one -----------------------------------------------------

def _field_error(response: Any, name: str) -> str:
    errors = {key: value for form in _forms_in(response) for key, value in form.errors.items()}
    assert response.status_code == 200 and name in errors, errors
    return " ".join(errors[name])


def test_a_go_live_in_year_one_is_refused_beside_the_field_and_the_dashboard_answers(world: World) -> None:
    response = world.client.post(reverse("readiness:application_create"), {
        **_application(world, 1), "go_live_date": "0001-01-01",
    })
    assert _field_error(response, "go_live_date") == DATE_RANGE_MESSAGE
    assert DATE_RANGE_MESSAGE in response.content.decode()
    assert not models.Application.objects.filter(slug="application-x1").exists()
    assert world.client.get(reverse("readiness:home")).status_code == 200


def test_an_alert_seen_firing_in_year_one_is_refused_and_the_checklist_answers(world: World) -> None:
    response = world.client.post(_slug(world, "alert_verify", world.alert.pk), {
        "verified_at": "0001-01-01T00:00", "verified_by": world.person.pk, "evidence": "Paged.",
    })
    assert DATE_RANGE_MESSAGE in _field_error(response, "verified_at")
    assert not models.AlertVerification.objects.exists()
    for name in ("application_detail", "handoff_pack", "handoff_pack_json"):
        assert world.client.get(_slug(world, name)).status_code == 200


def test_an_escalation_in_year_one_is_refused_and_the_log_and_its_csv_answer(world: World) -> None:
    response = world.client.post(_slug(world, "escalationlog_create"), {
        **_escalation(world, 1), "occurred_at": "0001-01-01T00:00",
    })
    assert DATE_RANGE_MESSAGE in _field_error(response, "occurred_at")
    assert not models.Escalation.objects.exists()
    assert world.client.get(_slug(world, "escalationlog_list")).status_code == 200
    assert world.client.get(_slug(world, "escalationlog_export")).status_code == 200


def test_a_hypercare_starting_on_31_dec_9999_is_refused_beside_the_field(world: World) -> None:
    before = world.app.hypercare.starts_on
    response = world.client.post(_slug(world, "hypercare_plan_edit"), {
        "starts_on": "9999-12-31", "planned_end_on": _today(11), "rules_in_force": "Support first.",
    })
    assert _field_error(response, "starts_on") == DATE_RANGE_MESSAGE
    world.app.hypercare.refresh_from_db()
    assert world.app.hypercare.starts_on == before


def test_a_waiver_until_2099_is_refused_with_the_longest_allowed(world: World, settings: Any) -> None:
    settings.WAIVER_MAX_DAYS = 60
    url = _slug(world, "waiver_create")
    response = world.client.post(url, {"gate": "rehearsal", "reason": "Vendor covers it.", "expires_on": "2099-06-30"})
    latest = timezone.localdate() + timedelta(days=60)
    assert _field_error(response, "expires_on") == (
        f"A waiver lasts at most 60 days: choose {latest:%d %b %Y} or earlier, then review it again."
    )
    response = world.client.post(url, {"gate": "rehearsal", "reason": "Vendor covers it.", "expires_on": _today(-1)})
    assert "must be after today" in _field_error(response, "expires_on")
    assert not models.GateWaiver.objects.exists()
    response = world.client.post(url, {"gate": "rehearsal", "reason": "Vendor covers it.", "expires_on": _today(60)})
    assert response.status_code == 302
    assert models.GateWaiver.objects.get().expires_on == latest


def test_a_name_with_a_line_break_on_the_public_form_is_refused_and_later_subjects_stay_whole(
    world: World,
) -> None:
    client = Client()
    response = client.post(_contact_url(world), {
        "name": "Sam\r\nBcc: everyone@example.com", "phone": "+61 3 9000 0001", "chat_handle": "",
        "timezone": "Australia/Melbourne", "note": "",
    })
    assert _field_error(response, "name") == SINGLE_LINE_MESSAGE
    world.person.refresh_from_db()
    assert world.person.name == "Sam Contact"


@pytest.mark.parametrize("query", ["q=%00", "q=%ff", "symptom=%00", "application=a%00b", "at=%C3%28"])
def test_a_nul_or_broken_utf8_in_an_address_is_a_400_not_a_500(world: World, query: str) -> None:
    for url in (reverse("readiness:lookup"), reverse("readiness:home"), _slug(world, "history"),
                _slug(world, "escalationlog_list")):
        response = world.client.get(f"{url}?{query}")
        assert response.status_code == 400
        assert response.content.decode() == "The address holds characters that cannot be read."


@pytest.mark.parametrize("query", ["sort=%00", "stage=%00", "page=%00", "stage=%ff", "page=%FF%FE"])
def test_the_dashboards_sort_filter_and_page_refuse_unreadable_values(world: World, query: str) -> None:
    assert world.client.get(f"{reverse('readiness:home')}?{query}").status_code == 400


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_who_do_i_call_at_year_one_or_9999_says_so_beside_the_field(world: World, at: str) -> None:
    response = world.client.get(reverse("readiness:lookup"), {"symptom": "prices wrong", "at": at})
    assert DATE_RANGE_MESSAGE in _field_error(response, "at")
    _, key = api_token_create(user=world.app.delivery_lead, name="Teams bot")
    api = Client().get(reverse("readiness:lookup_api"), {"symptom": "prices wrong", "at": at},
                       headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 400
    assert api.json() == {"errors": {"at": [DATE_RANGE_MESSAGE]}}


def test_readable_addresses_and_forms_pass(world: World) -> None:
    assert not unreadable(b"q=caf%C3%A9&symptom=invoice+not+syncing")
    assert unreadable(b"q=%00") and unreadable(b"q=%ff")
    assert not unreadable(b"note=a%00b", nul_allowed=True)
    response = world.client.get(reverse("readiness:lookup"), {"symptom": "café ☕"})
    assert response.status_code == 200


def test_a_form_with_broken_utf8_is_a_400_and_a_nul_in_it_is_a_field_error(world: World) -> None:
    url = reverse("readiness:team_create")
    response = world.client.post(url, "name=%ff&description=x", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    response = world.client.post(url, {"name": "Ops\x00", "description": "x"})
    assert _field_error(response, "name")
    assert not models.Team.objects.filter(name__startswith="Ops").exists()


def test_a_megabyte_of_text_is_refused_beside_the_field(world: World) -> None:
    response = world.client.post(_slug(world, "runbook_create"), {**_runbook(world, 1), "steps": MEGABYTE})
    assert _field_error(response, "steps") == "Ensure this value has at most 10000 characters (it has 1000000)."


# --- the bounds themselves, and the database behind them -----------------------------------------

def test_every_field_of_every_model_carries_the_bounds_of_its_kind() -> None:
    from django.apps import apps

    for model in apps.get_app_config("readiness").get_models():
        if model.__name__.startswith("Historical") or model in (models.ReadinessSnapshot, models.UserSession):
            continue  # written by simple_history, the gates' judge and Django's session engine, never typed
        for model_field in model._meta.local_fields:
            for validator in bounds_for(model_field):
                assert validator in model_field.validators, (model.__name__, model_field.name)
    apply_input_bounds([models.Person])  # a second call adds nothing
    assert models.Person._meta.get_field("name").validators.count(bounds_for(
        models.Person._meta.get_field("name"))[0]) == 1


def test_moments_compare_across_time_zones_without_overflowing() -> None:
    from zoneinfo import ZoneInfo

    validate_moment_in_range(MOMENT_MIN)
    validate_moment_in_range(MOMENT_MAX)
    for moment in (datetime(1, 1, 1, tzinfo=ZoneInfo("Australia/Melbourne")), datetime(9999, 12, 31, 23, 59),
                   datetime(2101, 1, 1, 12, tzinfo=ZoneInfo("Australia/Melbourne"))):
        with pytest.raises(Exception, match="between 1 Jan 2000"):
            validate_moment_in_range(moment)


@pytest.mark.parametrize(("model", "field", "value"), [
    (models.Application, "go_live_date", date(1, 1, 1)),
    (models.Application, "go_live_date", date(9999, 12, 31)),
    (models.GateWaiver, "expires_on", date(2101, 1, 1)),
    (models.AlertVerification, "verified_at", datetime(1999, 12, 31, 12, tzinfo=UTC)),
    (models.Escalation, "occurred_at", datetime(2101, 1, 1, tzinfo=UTC)),
    (models.Leave, "starts_on", date(1999, 12, 31)),
])
def test_the_database_refuses_what_the_forms_refuse(world: World, model: type[Model], field: str, value: Any) -> None:
    rows = {
        models.Application: lambda: world.app,
        models.GateWaiver: lambda: factories.GateWaiverFactory(application=world.app, gate="rehearsal"),
        models.AlertVerification: lambda: factories.AlertVerificationFactory(alert=world.alert,
                                                                             verified_by=world.person),
        models.Escalation: lambda: factories.EscalationFactory(
            application=world.app, problem_class=world.rule, from_level=world.level),
        models.Leave: lambda: factories.LeaveFactory(person=world.person, ends_on=date(2100, 1, 1)),
    }
    row = rows[model]()
    with pytest.raises(IntegrityError), transaction.atomic():
        model._default_manager.filter(pk=row.pk).update(**{field: value})



# --- import pages (issue 16): any text gets a preview or a reason, and the preview writes nothing ---

@pytest.mark.parametrize("kind", ["catalog", "people", "paths"])
def test_an_import_preview_of_any_text_answers_and_writes_nothing(world: World, kind: str) -> None:
    url = reverse(f"readiness:{kind}_import")
    before = (models.Application.objects.count(), models.Team.objects.count(), models.Person.objects.count(),
              models.EscalationLevel.objects.count())

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(text=st.one_of(st.sampled_from(ODD_TEXT), st.text(max_size=300)), as_file=st.booleans())
    def preview(text: str, as_file: bool) -> None:
        from io import BytesIO

        data = {"file": BytesIO(text.encode("utf-8", "surrogatepass"))} if as_file else {"text": text}
        response = world.client.post(url, data)
        assert response.status_code == 200
        page = response.content.decode()
        assert 'id="preview-heading"' in page or "is-invalid" in page  # a preview, or a reason beside the field

    preview()
    assert before == (models.Application.objects.count(), models.Team.objects.count(),
                      models.Person.objects.count(), models.EscalationLevel.objects.count())
