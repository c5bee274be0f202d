"""The lookup's cached directory: filed under the application's evidence version, which every
write to what "Who do I call?" reads moves on (each service that writes it says so:
services.gates.application_evidence_changed), so a cached answer is never a stale one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readiness.lookup import answer
from readiness.models import Application, KnownIssueStatus, WorkingHours
from readiness.services.artefacts import artefact_save
from readiness.services.escalation import level_save, ownership_rule_save
from readiness.services.people import leave_add, leave_delete, person_save
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> dict[str, Any]:
    """Two applications; the first has a level, a rule, a runbook and an open known issue."""
    level = factories.EscalationLevelFactory(position=1, name="Service desk")
    application = level.application
    rule = factories.OwnershipRuleFactory(
        application=application, name="Access, login and permissions", example_symptoms="password reset",
        level=level,
    )
    runbook = factories.RunbookFactory(application=application, title="Password reset fails", escalation_level=level)
    issue = factories.KnownIssueFactory(application=application, title="Password reset mail is slow",
                                        symptom="password reset mail late")
    other = factories.EscalationLevelFactory(position=1).application
    return {"application": application, "other": other, "level": level, "rule": rule, "runbook": runbook,
            "issue": issue}


def _versions(world: dict[str, Any]) -> tuple[int, int]:
    return (
        Application.objects.get(pk=world["application"].pk).evidence_version,
        Application.objects.get(pk=world["other"].pk).evidence_version,
    )


def _rename_rule(w: dict[str, Any]) -> None:
    w["rule"].name = "Sign-in problems"
    ownership_rule_save(rule=w["rule"])


def _move_level(w: dict[str, Any]) -> None:
    w["level"].backup = factories.PersonFactory()
    level_save(level=w["level"])


def _new_phone(w: dict[str, Any]) -> None:
    person = w["level"].primary
    person.phone = "+61 3 9999 1234"
    person_save(person=person)


def _new_hours(w: dict[str, Any]) -> None:
    person = w["level"].primary
    person_save(person=person, hours={day: (time(7), time(15)) for day in range(5)})


def _hours_row_edited(w: dict[str, Any]) -> None:
    person = w["level"].primary
    week = {row.weekday: (row.starts_at, row.ends_at) for row in WorkingHours.objects.filter(person=person)}
    first = min(week)
    week[first] = (week[first][0], time(18))
    person_save(person=person, hours=week)


def _leave(w: dict[str, Any]) -> None:
    leave_add(person=w["level"].backup, starts_on=timezone.localdate(), ends_on=timezone.localdate())


def _leave_cancelled(w: dict[str, Any]) -> None:
    leave = leave_add(person=w["level"].backup, starts_on=timezone.localdate(), ends_on=timezone.localdate())
    before = _versions(w)[0]
    leave_delete(leave=leave)
    assert _versions(w)[0] > before


def _runbook_retitled(w: dict[str, Any]) -> None:
    w["runbook"].title = "Password reset mail never arrives"
    artefact_save(instance=w["runbook"])


def _issue_resolved(w: dict[str, Any]) -> None:
    w["issue"].status = KnownIssueStatus.RESOLVED
    artefact_save(instance=w["issue"])


def _person_left(w: dict[str, Any]) -> None:
    person = w["level"].primary
    person.left_on = timezone.localdate() - timedelta(days=1)
    person_save(person=person)


@pytest.mark.parametrize(
    "write",
    [_rename_rule, _move_level, _new_phone, _new_hours, _hours_row_edited, _leave, _leave_cancelled,
     _runbook_retitled, _issue_resolved, _person_left],
    ids=lambda f: f.__name__.strip("_"),
)
def test_each_write_the_lookup_reads_moves_that_applications_version_only(world, write: Callable) -> None:
    before = _versions(world)

    write(world)

    after = _versions(world)
    assert after[0] > before[0]
    assert after[1] == before[1]


def test_a_write_shows_in_the_next_answer_though_the_last_one_was_cached(world, analyst) -> None:
    client = Client()
    client.force_login(analyst)
    query = {"application": world["application"].slug, "symptom": "password reset"}
    first = client.get("/call/", query)
    assert world["level"].primary.phone in first.content.decode()

    person = world["level"].primary
    person.phone = "+61 3 9999 1234"
    person_save(person=person)

    second = client.get("/call/", query).content.decode()
    assert "+61 3 9999 1234" in second


def test_asked_again_the_lookup_reads_only_the_application_row(world) -> None:
    def ask() -> Any:
        application = Application.objects.get(pk=world["application"].pk)  # as a request reads it
        return answer(at=timezone.now(), application=application, symptom="password reset")

    first = ask()
    with CaptureQueriesContext(connection) as queries:
        again = ask()

    assert len(queries) == 1
    assert again.rule.pk == first.rule.pk and again.rule.application.pk == world["application"].pk
    assert [r.pk for r in again.runbooks] == [world["runbook"].pk]
    assert [i.pk for i in again.known_issues] == [world["issue"].pk]


def test_saving_an_application_loaded_before_a_write_keeps_the_newer_version(world) -> None:
    stale_copy = Application.objects.get(pk=world["application"].pk)
    _rename_rule(world)
    moved = Application.objects.get(pk=world["application"].pk).evidence_version

    stale_copy.description = "Edited from an old form."
    stale_copy.save()

    assert Application.objects.get(pk=stale_copy.pk).evidence_version >= moved
    assert Application.objects.get(pk=stale_copy.pk).description == "Edited from an old form."


# --- the store itself: objects kept as they are ----------------------------------------------


def _store(max_entries: int = 3) -> Any:
    from readiness.cache import ObjectCache

    store = ObjectCache(f"test-{max_entries}", {"OPTIONS": {"MAX_ENTRIES": max_entries, "CULL_FREQUENCY": 3}})
    store.clear()
    return store


def test_the_lookup_store_hands_out_the_object_it_was_given_not_a_copy(world) -> None:
    from readiness.lookup import application_directory

    first = application_directory(Application.objects.get(pk=world["application"].pk))
    again = application_directory(Application.objects.get(pk=world["application"].pk))

    assert again is first  # LocMemCache would have unpickled a new copy: the cost this avoids
    assert [rule.name for rule in again.rules] == ["Access, login and permissions"]


def test_the_lookup_store_expires_culls_adds_and_counts_like_locmem() -> None:
    store = _store(max_entries=3)
    value = {"kept": [1, 2]}
    store.set("a", value, timeout=60)
    assert store.get("a") is value

    assert store.add("a", "other") is False and store.get("a") is value
    assert store.add("b", 1) is True
    assert store.incr("b", 4) == 5 and store.get("b") == 5
    with pytest.raises(ValueError):
        store.incr("missing")

    store.set("gone", "x", timeout=-1)  # already expired
    assert store.get("gone", "default") == "default"

    for key in "cdefg":
        store.set(key, key)
    assert sum(store.get(key) is not None for key in "abcdefg") <= 3  # never more than MAX_ENTRIES
