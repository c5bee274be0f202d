"""Uniqueness is checked where the user types: a name already taken (in any case) is said beside
its field, never a 500, on create and on rename; a rename that loses a race says the same."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db.models import Model
from django.test import Client
from django.urls import reverse

from readiness import models as m
from readiness.forms.artefacts import AlertCheckForm, RunbookForm
from tests import factories


def field_errors(page: str, name: str) -> list[str]:
    """The messages crispy draws beside the field `name` (under its input, not above the form)."""
    found = re.findall(rf'<\w+ id="error_\d+_id_{name}"[^>]*>\s*<strong>(.*?)</strong>', page, re.S)
    return [html.unescape(message) for message in found]


@pytest.fixture
def admin(db: None) -> Any:
    return factories.UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def client_in(admin: Any) -> Client:
    client = Client()
    client.force_login(admin)
    return client


RUNBOOK = {"symptom": "s", "normal_looks_like": "n", "problem_signs": "p", "steps": "1. look", "is_critical": "on"}


def test_same_runbook_title_in_another_case_is_refused_beside_title(client_in: Client) -> None:
    application = factories.ApplicationFactory()
    factories.RunbookFactory(application=application, title="Customer sees the wrong price")

    page = client_in.post(reverse("readiness:runbook_create", args=[application.slug]),
                          {"title": "customer SEES the wrong price", **RUNBOOK})

    assert page.status_code == 200
    assert field_errors(page.content.decode(), "title") == ["This application already has a runbook with this title."]
    assert application.runbooks.count() == 1


def test_same_alert_signal_is_refused_beside_signal(client_in: Client) -> None:
    application = factories.ApplicationFactory()
    factories.AlertCheckFactory(application=application, signal="ERP order sync failures")

    page = client_in.post(reverse("readiness:alert_create", args=[application.slug]),
                          {"signal": "ERP order sync failures", "threshold": "5 in 10 min", "user_impact": "late"})

    assert field_errors(page.content.decode(), "signal") == ["This application already has an alert for this signal."]
    assert application.alerts.count() == 1


def test_the_same_title_in_another_application_is_fine(db: None) -> None:
    factories.RunbookFactory(title="Login fails")
    other = factories.ApplicationFactory()

    form = RunbookForm({"title": "LOGIN FAILS", **RUNBOOK}, application=other)

    assert form.is_valid(), form.errors


def test_renaming_an_alert_onto_another_signal_is_refused_beside_signal(db: None) -> None:
    application = factories.ApplicationFactory()
    factories.AlertCheckFactory(application=application, signal="Queue depth")
    alert = factories.AlertCheckFactory(application=application, signal="Error rate")

    form = AlertCheckForm({"signal": "QUEUE DEPTH", "threshold": "t", "user_impact": "u"}, instance=alert,
                          application=application)

    assert form.errors == {"signal": ["This application already has an alert for this signal."]}


# Every name the product treats case-insensitively: (URL name and its arguments, the field, the
# taken name typed in another case, the other fields of a valid form, the message, the rows).
def _cases(admin: Any) -> list[tuple[str, list[Any], str, str, dict[str, str], str, Any]]:
    application = factories.ApplicationFactory(name="Ordering Portal", slug="ordering-portal")
    factories.OwnershipRuleFactory(application=application, name="Integration misfires")
    factories.TeamFactory(name="Service Desk")
    factories.PersonFactory(email="Ana.Lim@example.com")
    factories.ApiTokenFactory(user=admin, name="Teams bot")
    return [
        ("application_create", [], "name", "ORDERING portal", {"slug": "ordering-2", "stage": "build"},
         "There is already an application with this name (in another case).", m.Application.objects),
        ("rule_create", [application.slug], "name", "integration MISFIRES", {"owner_role": "support"},
         "This application already has a rule with this name.", application.ownership_rules),
        ("team_create", [], "name", "service desk", {}, "There is already a team with this name.", m.Team.objects),
        ("token_list", [], "name", "TEAMS BOT", {}, "You already have a token with this name.",
         m.ApiToken.objects.filter(user=admin)),
    ]


def test_each_name_taken_in_another_case_is_refused_beside_its_field(admin: Any, client_in: Client) -> None:
    for url, args, field, typed, others, message, rows in _cases(admin):
        before = rows.count()

        page = client_in.post(reverse(f"readiness:{url}", args=args), {field: typed, **others})

        assert page.status_code == 200, url
        assert field_errors(page.content.decode(), field) == [message], url
        assert rows.count() == before, url


def test_an_email_taken_in_another_case_is_refused_beside_email(client_in: Client) -> None:
    factories.PersonFactory(email="Ana.Lim@example.com")
    page = client_in.post(reverse("readiness:person_create"), {"name": "Ana", "email": "ana.lim@EXAMPLE.com"})

    assert field_errors(page.content.decode(), "email") == ["Someone else already has this email address."]
    assert m.Person.objects.filter(name="Ana").count() == 0


def _unique_constraint_fields(model: type[Model]) -> list[str]:
    return [c.name for c in model._meta.constraints if c.name.endswith("_ci_unique")]


def test_each_name_rule_is_a_case_insensitive_database_constraint() -> None:
    assert _unique_constraint_fields(m.Application) == ["readiness_application_name_ci_unique"]
    assert _unique_constraint_fields(m.Team) == ["readiness_team_name_ci_unique"]
    assert _unique_constraint_fields(m.Person) == ["readiness_person_email_ci_unique"]
    assert _unique_constraint_fields(m.Runbook) == ["readiness_runbook_title_ci_unique"]
    assert _unique_constraint_fields(m.AlertCheck) == ["readiness_alertcheck_signal_ci_unique"]
    assert _unique_constraint_fields(m.OwnershipRule) == ["readiness_ownershiprule_name_ci_unique"]
    assert _unique_constraint_fields(m.ApiToken) == ["readiness_apitoken_name_ci_unique"]


@pytest.mark.parametrize("stale_checks", [1, 2], ids=["service full_clean", "database constraint"])
def test_a_rename_that_loses_a_race_says_so_beside_the_field(
    client_in: Client, monkeypatch: Any, stale_checks: int
) -> None:
    # The other request committed the name after the form checked it (and, the second time,
    # after the service's full_clean() too: the database refuses). The view is run again, and
    # now the form sees the name taken.
    factories.TeamFactory(name="Service desk")
    team = factories.TeamFactory(name="Hosting")
    checks = {"skipped": 0}
    real = m.Team.validate_constraints

    def stale_check(self: m.Team, exclude: Any = None) -> None:
        if checks["skipped"] < stale_checks:
            checks["skipped"] += 1
            return
        real(self, exclude=exclude)

    monkeypatch.setattr(m.Team, "validate_constraints", stale_check)

    page = client_in.post(reverse("readiness:team_edit", args=[team.pk]), {"name": "SERVICE DESK"})

    assert page.status_code == 200
    assert field_errors(page.content.decode(), "name") == ["There is already a team with this name."]
    team.refresh_from_db()
    assert team.name == "Hosting"
