"""Every artefact form refuses bad input with a message beside the field and saves nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from readiness.defaults import DEFAULT_RULES
from readiness.models import (
    AccessCheck,
    AlertCheck,
    AlertVerification,
    Application,
    DecisionRecord,
    Drill,
    DrillAction,
    KnownIssue,
    Runbook,
)
from tests import factories

pytestmark = pytest.mark.django_db

TOMORROW = (timezone.localdate() + timedelta(days=1)).isoformat()


@pytest.fixture
def app(lead) -> Application:
    return factories.ApplicationFactory(delivery_lead=lead)


def _refused(client, url: str, data: dict, field: str, message: str) -> None:
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in errors[field], errors
    # crispy renders the message beside its field.
    html = response.content.decode()
    assert f'id="error_1_id_{field}"' in html
    assert message.replace("'", "&#x27;") in html


# (url name, model, post data, field, message)
CASES = [
    ("runbook_create", Runbook, {"title": ""}, "title", "This field is required."),
    ("runbook_create", Runbook, {"title": "T", "symptom": "s", "normal_looks_like": "n", "problem_signs": "p",
                                 "steps": "1.", "last_reviewed_on": TOMORROW}, "last_reviewed_on",
     "A review cannot be dated in the future."),
    ("alert_create", AlertCheck, {"signal": "S", "threshold": "t", "user_impact": "u", "dashboard_url": "grafana"},
     "dashboard_url", "Enter a valid URL."),
    ("alert_create", AlertCheck, {"signal": "S", "threshold": "", "user_impact": "u"}, "threshold",
     "This field is required."),
    ("access_create", AccessCheck, {"kind": "logs", "description": "Kibana", "verified_on": "2026-01-01"},
     "verified_by", "Say who verified the access."),
    ("access_create", AccessCheck, {"kind": "nope", "description": "Kibana"}, "kind",
     "Select a valid choice. nope is not one of the available choices."),
    ("knownissue_create", KnownIssue, {"title": "T", "release": "", "symptom": "s", "status": "open"}, "release",
     "This field is required."),
    ("drill_create", Drill, {"scenario": "login_failure", "title": "T", "held_on": TOMORROW}, "held_on",
     "Record a drill once it has been held; this date is in the future."),
    ("drill_create", Drill, {"scenario": "login_failure", "title": "T", "held_on": "2026-01-01",
                             "answer_minutes": "5"}, "answer_minutes",
     "Only give a time to answer when the contacts answered."),
    ("drill_create", Drill, {"scenario": "login_failure", "title": "T", "held_on": "not a date"}, "held_on",
     "Enter a valid date."),
    ("decision_create", DecisionRecord, {"title": "T", "context": "c", "decision": "d", "status": "superseded"},
     "superseded_by", "Say which record supersedes this one."),
]


@pytest.mark.parametrize(("name", "model", "data", "field", "message"), CASES)
def test_artefact_form_refuses_bad_input(client, lead, app, name, model, data, field, message) -> None:
    client.force_login(lead)
    _refused(client, reverse(f"readiness:{name}", args=[app.slug]), data, field, message)
    assert not model.objects.exists()


def test_alert_verification_refuses_missing_evidence_a_bad_link_and_a_future_time(client, lead, app) -> None:
    alert = factories.AlertCheckFactory(application=app)
    client.force_login(lead)
    url = reverse("readiness:alert_verify", args=[app.slug, alert.pk])
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    _refused(client, url, {"verified_at": "2026-01-01T10:00", "verified_by": alert.owner.pk, "evidence": ""},
             "evidence", "This field is required.")
    _refused(client, url, {"verified_at": "2026-01-01T10:00", "verified_by": alert.owner.pk, "evidence": "e",
                           "evidence_url": "see slack"}, "evidence_url", "Enter a valid URL.")
    _refused(client, url, {"verified_at": future, "verified_by": alert.owner.pk, "evidence": "e"}, "verified_at",
             "A firing cannot be recorded in the future.")
    assert not AlertVerification.objects.exists()


def test_drill_action_closing_date_cannot_precede_the_drill(app) -> None:
    from django.core.exceptions import ValidationError

    drill = factories.DrillFactory(application=app, held_on=timezone.localdate())
    action = DrillAction(drill=drill, description="x", status="closed", closed_on=drill.held_on - timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        action.full_clean()
    assert error.value.message_dict["closed_on"] == ["An action cannot be closed before its drill was held."]


def test_runbook_level_must_belong_to_the_application(client, lead, app) -> None:
    other = factories.EscalationLevelFactory()
    client.force_login(lead)
    _refused(client, reverse("readiness:runbook_create", args=[app.slug]), {
        "title": "T", "symptom": "s", "normal_looks_like": "n", "problem_signs": "p", "steps": "1.",
        "escalation_level": other.pk,
    }, "escalation_level", "Select a valid choice. That choice is not one of the available choices.")
    assert not Runbook.objects.exists()


def test_application_form_refuses_a_duplicate_slug_and_a_bad_date(client, lead, app) -> None:
    client.force_login(lead)
    url = reverse("readiness:application_create")
    _refused(client, url, {"name": "New", "slug": app.slug, "stage": "build"}, "slug",
             "Application with this Slug already exists.")
    _refused(client, url, {"name": "New", "slug": "new-app", "stage": "build", "go_live_date": "31/02/2026"},
             "go_live_date", "Enter a valid date.")
    assert Application.objects.count() == 1


def test_application_create_installs_default_triage_rules(client, lead) -> None:
    client.force_login(lead)
    response = client.post(reverse("readiness:application_create"), {
        "name": "Returns portal", "slug": "returns-portal", "stage": "build", "current_release": "0.1.0",
    })
    application = Application.objects.get(slug="returns-portal")
    assert response["Location"] == reverse("readiness:application_detail", args=["returns-portal"])
    assert application.is_member(lead)
    defaults = [rule["name"] for rule in DEFAULT_RULES]
    assert sorted(application.ownership_rules.values_list("name", flat=True)) == sorted(defaults)
    # The triage rules page lists each one, ready for the lead to assign to a level.
    page = client.get(reverse("readiness:rule_list", args=["returns-portal"])).content.decode()
    assert all(escape(name) in page for name in defaults)


def test_valid_runbook_is_saved_and_shown(client, lead, app) -> None:
    level = factories.EscalationLevelFactory(application=app, position=1, name="Service desk")
    client.force_login(lead)
    response = client.post(reverse("readiness:runbook_create", args=[app.slug]), {
        "title": "Orders stuck", "symptom": "s", "normal_looks_like": "n", "problem_signs": "p",
        "steps": "1. Replay\n2. Call", "escalation_level": level.pk, "is_critical": "on",
    })
    runbook = Runbook.objects.get()
    assert response["Location"] == runbook.get_absolute_url()
    html = client.get(runbook.get_absolute_url()).content.decode()
    assert "Orders stuck" in html and "Service desk" in html
