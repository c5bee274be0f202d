"""The stored lookup directory (readiness.directory): what "Who do I call?" reads of one
application, stored beside today's verdict as plain data. It must read back as the rows
themselves, give the same answer, and never stand in for rows written since."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readiness import queue
from readiness.directory import RUNBOOK_FIELDS, directory_live, directory_read
from readiness.lookup import answer
from readiness.models import Application, Coverage, KnownIssueStatus, LookupDirectory, OwnerRole
from readiness.services.applications import ownership_rules_install_defaults
from readiness.services.gates import readiness_snapshot_refresh
from readiness.services.people import person_save
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
WEEKDAYS, ALL_DAYS = range(0, 5), range(0, 7)


@pytest.fixture
def portal() -> Application:
    """A service desk with a Manila pager and an ERP level on business hours, the default rules,
    runbooks (one with long steps), open and resolved known issues, and someone on leave."""
    application = factories.ApplicationFactory(name="Trade Ordering Portal", slug="ordering-portal")
    desk = factories.EscalationLevelFactory(
        application=application, position=1, name="Service desk", coverage=Coverage.AFTER_HOURS,
        primary=factories.PersonFactory(name="Mia Chen", hours=(time(8), time(18), WEEKDAYS)),
        backup=factories.PersonFactory(name="Tom Rees", timezone="Australia/Sydney"),
        after_hours_cover=factories.PersonFactory(name="Jomar Santos", timezone="Asia/Manila",
                                                  hours=(time(16), time(23, 59), ALL_DAYS)))
    erp = factories.EscalationLevelFactory(
        application=application, position=2, name="ERP integration", coverage=Coverage.BUSINESS_HOURS,
        primary=factories.PersonFactory(name="Raj Patel", timezone="Australia/Sydney", phone="+61 2 9000 1111"),
        backup=desk.backup, after_hours_cover=None)
    factories.LeaveFactory(person=erp.primary, starts_on=timezone.localdate() + timedelta(days=2),
                           ends_on=timezone.localdate() + timedelta(days=4), note="Conference")
    ownership_rules_install_defaults(application=application,
                                     levels_by_role={OwnerRole.SUPPORT: desk, OwnerRole.ENGINEERING: erp})
    factories.RunbookFactory(application=application, title="Orders not reaching the ERP", escalation_level=erp,
                             symptom="Orders stay in 'sent' and never show in the ERP.", steps="1. Check\n" * 500)
    factories.RunbookFactory(application=application, title="Login failures", escalation_level=desk)
    factories.KnownIssueFactory(application=application, title="ERP sync lags at month end")
    factories.KnownIssueFactory(application=application, title="Old export bug", status=KnownIssueStatus.RESOLVED)
    application.refresh_from_db()
    return application


def _columns(row) -> dict:
    return {field.attname: (type(value := getattr(row, field.attname)), value) for field in row._meta.concrete_fields}


def _rows(objects, fields=None) -> list[dict]:
    return [model_to_dict(obj, fields=fields) for obj in objects]


def test_the_stored_directory_reads_back_as_the_rows_themselves(portal: Application) -> None:
    live = directory_live(portal)
    readiness_snapshot_refresh(application_ids=[portal.pk])
    assert LookupDirectory.objects.filter(application=portal, evidence_version=portal.evidence_version).exists()

    with CaptureQueriesContext(connection) as ctx:
        stored = directory_read(portal)
        levels = [(level.pk, level.primary, level.backup, level.after_hours_cover) for level in stored.levels]
        calendars = {person.pk: (_rows(person.working_hours_list()), _rows(person.leave_list()))
                     for *_, primary, backup, cover in levels for person in (primary, backup, cover) if person}

    assert len(ctx.captured_queries) == 1  # the directory row, nothing else
    assert _rows(stored.rules) == _rows(live.rules) and len(stored.rules) == 7
    assert _rows(stored.levels) == _rows(live.levels)
    assert _rows(stored.runbooks, RUNBOOK_FIELDS) == _rows(live.runbooks, RUNBOOK_FIELDS)
    assert [issue.title for issue in stored.known_issues] == ["ERP sync lags at month end"]
    assert _rows(stored.known_issues) == _rows(live.known_issues)
    for mine, theirs in zip(stored.levels, live.levels, strict=True):
        for attribute in ("primary", "backup", "after_hours_cover"):
            person, expected = getattr(mine, attribute), getattr(theirs, attribute)
            assert (person is None) == (expected is None)
            if person is not None:
                assert model_to_dict(person) == model_to_dict(expected)
                # Every column, the ones forms never edit too (moments), of the same type.
                assert _columns(person) == _columns(expected) and not person._state.adding
                assert calendars[person.pk] == (_rows(expected.working_hours_list()), _rows(expected.leave_list()))
    # Someone on two levels is one object, as the live rows have them.
    assert stored.levels[0].backup is stored.levels[1].backup


@pytest.mark.parametrize(("moment", "symptom"), [
    (datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE), "orders not reaching the ERP"),
    (datetime(2025, 6, 2, 2, 0, tzinfo=MELBOURNE), "login failure"),
    (datetime(2025, 6, 7, 11, 0, tzinfo=MELBOURNE), "orders not reaching the ERP"),  # a Saturday
])
def test_the_answer_from_the_stored_directory_is_the_live_answer(portal: Application, moment, symptom) -> None:
    def summary(result):
        return (result.rule.name, result.plan.person.name if result.plan.person else None, result.plan.reason,
                [plan.person.name if plan.person else None for plan in result.escalation],
                [runbook.title for runbook in result.runbooks], [issue.title for issue in result.known_issues],
                result.classes)

    live = summary(answer(at=moment, application=portal, symptom=symptom))
    readiness_snapshot_refresh(application_ids=[portal.pk])
    with CaptureQueriesContext(connection) as ctx:
        stored = summary(answer(at=moment, application=portal, symptom=symptom))

    assert stored == live
    assert len(ctx.captured_queries) == 1


def test_a_directory_built_before_a_write_is_not_read(portal: Application, analyst) -> None:
    """The write moves the application's evidence version on in its own transaction: until its
    refresh stores a new directory, the lookup reads the rows, so the new phone shows at once."""
    readiness_snapshot_refresh(application_ids=[portal.pk])
    raj = portal.levels.get(position=2).primary
    raj.phone = "+61 2 9000 2222"
    person_save(person=raj)  # its on-commit refresh does not run here: the stored directory is old

    assert LookupDirectory.objects.get(application=portal).data["people"]  # still there, but behind
    client = Client()
    client.force_login(analyst)
    page = client.get("/call/", {"application": portal.name, "symptom": "orders not reaching the ERP",
                                 "at": "2025-06-03T10:00"}).content.decode()
    assert "+61 2 9000 2222" in page and "+61 2 9000 1111" not in page


def test_a_write_stores_the_new_directory_once_it_commits(portal: Application, analyst,
                                                          django_capture_on_commit_callbacks, monkeypatch) -> None:
    monkeypatch.setattr(queue, "_publish", lambda task, args: None)
    raj = portal.levels.get(position=2).primary
    raj.phone = "+61 2 9000 3333"
    with django_capture_on_commit_callbacks(execute=True):
        person_save(person=raj)

    portal.refresh_from_db()
    stored = LookupDirectory.objects.get(application=portal)
    assert stored.evidence_version == portal.evidence_version
    assert "+61 2 9000 3333" in {person["phone"] for person in stored.data["people"]}
    client = Client()
    client.force_login(analyst)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/call/", {"application": portal.name, "symptom": "orders not reaching the ERP",
                                     "at": "2025-06-03T10:00"}).content.decode()
    assert "+61 2 9000 3333" in page and "Raj Patel" in page and "Orders not reaching the ERP" in page
    assert not [q for q in ctx.captured_queries if "readiness_escalationlevel" in q["sql"]]  # read, not asked


def test_a_directory_of_other_code_is_not_read(portal: Application) -> None:
    readiness_snapshot_refresh(application_ids=[portal.pk])
    LookupDirectory.objects.filter(application=portal).update(rules="older-code", data={})

    with CaptureQueriesContext(connection) as ctx:
        directory = directory_read(portal)

    assert len(directory.levels) == 2 and len(ctx.captured_queries) > 1  # the rows themselves


def test_someone_marked_as_left_is_not_called_from_the_stored_directory(
    portal: Application, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from readiness.services.people import person_mark_left

    monkeypatch.setattr(queue, "_publish", lambda task, args: None)
    moment = datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE)
    raj = portal.levels.get(position=2).primary
    assert answer(at=moment, application=portal, symptom="orders not reaching the ERP").plan.person == raj
    with django_capture_on_commit_callbacks(execute=True):
        person_mark_left(person=raj, left_on=timezone.localdate() - timedelta(days=1))

    portal.refresh_from_db()
    assert LookupDirectory.objects.filter(application=portal, evidence_version=portal.evidence_version).exists()
    with CaptureQueriesContext(connection) as ctx:
        result = answer(at=timezone.now(), application=portal, symptom="orders not reaching the ERP")
    assert len(ctx.captured_queries) == 1  # from the stored directory
    assert result.plan.person is None or result.plan.person.name != "Raj Patel"
    assert any(c.person.name == "Raj Patel" and not c.reachable for c in result.plan.candidates)


def test_beat_does_not_rewrite_a_directory_nothing_changed(portal: Application) -> None:
    readiness_snapshot_refresh(application_ids=[portal.pk])
    first = LookupDirectory.objects.get(application=portal).built_at

    readiness_snapshot_refresh(application_ids=[portal.pk])  # the next hour: same evidence, same code

    assert LookupDirectory.objects.get(application=portal).built_at == first
    Application.objects.filter(pk=portal.pk).update(evidence_version=portal.evidence_version + 1)
    readiness_snapshot_refresh(application_ids=[portal.pk])
    stored = LookupDirectory.objects.get(application=portal)
    assert stored.built_at > first and stored.evidence_version == portal.evidence_version + 1
