"""After any write to what "Who do I call?" reads (a rule, the path, a person, their hours or
leave, a runbook, a known issue), the very next answer shows it: the lookup reads what it shows
on every request, nothing is kept between requests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from readiness.models import Application, KnownIssueStatus, WorkingHours
from readiness.services.artefacts import artefact_save
from readiness.services.escalation import level_save, ownership_rule_save
from readiness.services.people import leave_add, leave_delete, person_save
from tests import factories

pytestmark = pytest.mark.django_db

# Tuesday 3 June 2025, 16:30 in Melbourne: the primary and the backup work 9–17 there.
TUESDAY_AFTERNOON = datetime(2025, 6, 3, 16, 30, tzinfo=ZoneInfo("Australia/Melbourne"))


@pytest.fixture
def world() -> dict[str, Any]:
    """An application whose level, rule, runbook and open known issue all answer "password reset"."""
    level = factories.EscalationLevelFactory(position=1, name="Service desk", primary__name="Pia Primary",
                                             backup__name="Bo Backup", after_hours_cover=None)
    application = level.application
    rule = factories.OwnershipRuleFactory(
        application=application, name="Access, login and permissions", example_symptoms="password reset",
        level=level,
    )
    runbook = factories.RunbookFactory(application=application, title="Password reset fails", escalation_level=level)
    issue = factories.KnownIssueFactory(application=application, title="Password reset mail is slow",
                                        symptom="password reset mail late", status=KnownIssueStatus.OPEN)
    return {"application": application, "level": level, "rule": rule, "runbook": runbook, "issue": issue}


def _rename_rule(w: dict[str, Any]) -> str:
    w["rule"].name = "Sign-in problems"
    ownership_rule_save(rule=w["rule"])
    return "Sign-in problems"


def _new_backup(w: dict[str, Any]) -> str:
    w["level"].backup = factories.PersonFactory(name="Nora Newbackup")
    level_save(level=w["level"])
    return "Nora Newbackup (backup) — reachable now"


def _new_phone(w: dict[str, Any]) -> str:
    person = w["level"].primary
    person.phone = "+61 3 9999 1234"
    person_save(person=person)
    return 'href="tel:+61399991234">Call +61 3 9999 1234</a>'


def _shorter_hours(w: dict[str, Any]) -> str:
    person_save(person=w["level"].primary, hours={day: (time(7), time(15)) for day in range(5)})
    return "Why them: backup: primary outside hours"


def _tuesday_row_edited(w: dict[str, Any]) -> str:
    person = w["level"].primary
    week = {row.weekday: (row.starts_at, row.ends_at) for row in WorkingHours.objects.filter(person=person)}
    week[1] = (week[1][0], time(16))
    person_save(person=person, hours=week)
    return "Why them: backup: primary outside hours"


def _backup_on_leave(w: dict[str, Any]) -> str:
    leave_add(person=w["level"].backup, starts_on=timezone.localdate(), ends_on=timezone.localdate())
    return "Bo Backup (backup) — on leave"


def _primary_left(w: dict[str, Any]) -> str:
    person = w["level"].primary
    person.left_on = timezone.localdate() - timedelta(days=1)
    person_save(person=person)
    return "Why them: backup: primary has left on"


def _runbook_retitled(w: dict[str, Any]) -> str:
    w["runbook"].title = "Password reset mail never arrives"
    artefact_save(instance=w["runbook"])
    return f'<a href="{w["runbook"].get_absolute_url()}">Password reset mail never arrives</a>'


def _issue_resolved(w: dict[str, Any]) -> str:
    w["issue"].status = KnownIssueStatus.RESOLVED
    artefact_save(instance=w["issue"])
    return "No open known issue matches."


@pytest.mark.parametrize(
    "write",
    [_rename_rule, _new_backup, _new_phone, _shorter_hours, _tuesday_row_edited, _backup_on_leave, _primary_left,
     _runbook_retitled, _issue_resolved],
    ids=lambda f: f.__name__.strip("_"),
)
def test_the_very_next_answer_shows_the_write(world, analyst, write: Callable[[dict[str, Any]], str]) -> None:
    client = Client()
    client.force_login(analyst)
    query = {"application": world["application"].slug, "symptom": "password reset"}
    with time_machine.travel(TUESDAY_AFTERNOON, tick=False):
        before = client.get("/call/", query).content.decode()
        assert "Why them: primary, in working hours" in before  # the answer as it stood

        shown = write(world)

        after = client.get("/call/", query).content.decode()
    assert shown not in before
    assert shown in after


def test_leave_cancelled_shows_the_backup_reachable_again(world, analyst) -> None:
    client = Client()
    client.force_login(analyst)
    query = {"application": world["application"].slug, "symptom": "password reset"}
    with time_machine.travel(TUESDAY_AFTERNOON, tick=False):
        leave = leave_add(person=world["level"].backup, starts_on=timezone.localdate(), ends_on=timezone.localdate())
        assert "Bo Backup (backup) — on leave" in client.get("/call/", query).content.decode()

        leave_delete(leave=leave)

        again = client.get("/call/", query).content.decode()
    assert "Bo Backup (backup) — reachable now" in again and "on leave" not in again


def test_the_api_answers_with_the_write_too(world, analyst) -> None:
    from readiness.services.api import api_token_create

    _, key = api_token_create(user=analyst, name="bot")
    query = {"application": world["application"].slug, "symptom": "password reset"}

    def call() -> dict[str, Any]:
        return Client().get("/api/lookup/", query, HTTP_AUTHORIZATION=f"Bearer {key}").json()["answer"]["call"]

    with time_machine.travel(TUESDAY_AFTERNOON, tick=False):
        assert call()["call"]["name"] == "Pia Primary"
        _primary_left(world)
        after = call()
    assert after["call"]["name"] == "Bo Backup" and after["role"] == "backup"


def test_saving_an_application_loaded_before_a_write_keeps_the_newer_version(world) -> None:
    stale_copy = Application.objects.get(pk=world["application"].pk)
    _rename_rule(world)
    moved = Application.objects.get(pk=world["application"].pk).evidence_version

    stale_copy.description = "Edited from an old form."
    stale_copy.save()

    assert Application.objects.get(pk=stale_copy.pk).evidence_version >= moved
    assert Application.objects.get(pk=stale_copy.pk).description == "Edited from an old form."
