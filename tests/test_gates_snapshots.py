"""Stored daily readiness snapshots: what the dashboard sorts and pages, what the chart draws,
and what the checklist shows while it is current."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness import queue, tasks
from readiness.gates import Status, rules_version, verdict_for
from readiness.models import (
    Application,
    GateCode,
    LookupDirectory,
    ReadinessSnapshot,
    Stage,
)
from readiness.services.artefacts import (
    alert_verification_record,
    artefact_save,
    drill_action_add,
    drill_action_close,
)
from readiness.services.gates import (
    readiness_snapshot_backfill,
    readiness_snapshot_refresh,
    readiness_snapshots_refresh_all,
    waiver_approve,
    waiver_request,
)
from readiness.services.people import leave_add
from readiness.services.person_places import people_schedule_refresh
from readiness.views.gates import PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db


def _today(application: Application) -> ReadinessSnapshot | None:
    return ReadinessSnapshot.objects.filter(application=application, day=timezone.localdate()).first()


def _names(response) -> list[str]:
    return [row["application"].name for row in response.context["rows"]]


# --- the stored verdict is the live verdict ------------------------------------------------------


def test_a_waived_gate_reads_back_with_its_waiver(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    waiver = waiver_request(application=application, gate=GateCode.KNOWLEDGE, reason="Being written up this week.",
                            expires_on=timezone.localdate() + timedelta(days=7), requested_by=lead)
    waiver = waiver_approve(waiver=waiver, approved_by=application.business_owner)
    readiness_snapshot_refresh(application_ids=[application.pk])
    client.force_login(lead)
    verdict = client.get(application.get_absolute_url()).context["verdict"]
    knowledge = next(r for r in verdict.results if r.gate.code == GateCode.KNOWLEDGE)
    assert knowledge.status == Status.WAIVED and knowledge.waiver == waiver
    assert knowledge.waiver.waived_by == lead


# --- writes retire today's snapshot; pages judge live until the writer's task stores it ------------


def test_recording_evidence_retires_the_snapshot_and_the_pages_show_the_new_verdict(
    client, lead, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    alert = factories.AlertCheckFactory(application=application)
    readiness_snapshot_refresh(application_ids=[application.pk])
    before = _today(application)
    assert before.verdict is not None
    monkeypatch.setattr(queue, "_publish", lambda task, args: task.apply(args=args, throw=True))

    with django_capture_on_commit_callbacks() as enqueued:
        alert_verification_record(alert=alert, verified_at=timezone.now(), verified_by=alert.owner,
                                  evidence="Paged the on-call phone.")

    # Retired in the writer's own transaction: no reader can trust it once the write commits.
    assert _today(application) is None
    client.force_login(lead)
    response = client.get(reverse("readiness:home"))
    row = next(r for r in response.context["rows"] if r["application"] == application)
    assert row["gates_met"] == verdict_for(application).met_count
    monitoring = next(r for r in client.get(application.get_absolute_url()).context["verdict"].results
                      if r.gate.code == GateCode.MONITORING)
    assert any("seen firing" in text for text in monitoring.evidence)
    assert _today(application) is None  # judged live by both pages, stored by neither
    # The refresh the write enqueued, run as the worker would once it committed.
    for callback in enqueued:
        callback()
    stored = _today(application)
    assert stored is not None and stored.computed_at > before.computed_at
    assert stored.gates_met == row["gates_met"]


def test_a_change_to_someone_on_the_path_retires_the_snapshot_of_every_application_naming_them(lead) -> None:
    person = factories.PersonFactory()
    on_path = factories.ApplicationFactory()
    factories.EscalationLevelFactory(application=on_path, position=1, backup=person)
    elsewhere = factories.ApplicationFactory()
    readiness_snapshot_refresh(application_ids=[on_path.pk, elsewhere.pk])

    leave_add(person=person, starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=3))

    assert _today(on_path) is None
    assert _today(elsewhere) is not None


def test_a_contact_turning_stale_retires_the_snapshot(lead) -> None:
    from readiness.models import Person, ReminderStep
    from readiness.services.reminders import reminder_send

    person = factories.PersonFactory()
    application = factories.ApplicationFactory()
    factories.EscalationLevelFactory(application=application, position=2, primary=person)
    readiness_snapshot_refresh(application_ids=[application.pk])
    Person.objects.filter(pk=person.pk).update(reminder_step=ReminderStep.FINAL, next_reminder_at=timezone.now())

    assert reminder_send(person_pk=person.pk, cycle=1, step=ReminderStep.FINAL) == "sent"

    assert _today(application) is None
    assert any("has not confirmed their details" in blocker.text for _, blocker in verdict_for(application).blockers)


def test_past_days_are_history_and_are_not_retired_by_a_write(lead) -> None:
    application = factories.ApplicationFactory()
    yesterday = timezone.localdate() - timedelta(days=1)
    readiness_snapshot_backfill(application_ids=[application.pk], days=[yesterday])
    readiness_snapshot_refresh(application_ids=[application.pk])
    artefact_save(instance=factories.RunbookFactory.build(application=application))
    assert _today(application) is None
    assert ReadinessSnapshot.objects.filter(application=application, day=yesterday).exists()


# --- the checklist trusts a snapshot only while it is current --------------------------------------


def _local_today_at(hour: int, minute: int) -> datetime:
    return timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)


def _missing(client, application) -> list[str]:
    return [m.text for r in client.get(application.get_absolute_url()).context["verdict"].results for m in r.missing]


def test_the_checklist_judges_afresh_once_the_snapshot_is_too_old(client, lead, settings) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    client.force_login(lead)
    max_age = timedelta(minutes=settings.READINESS_SNAPSHOT_MAX_AGE_MINUTES)
    # Midday, so that aging past the limit stays on the same day: after 22:30 it would cross
    # midnight, and a new day is judged afresh for that reason instead (the next test).
    with time_machine.travel(_local_today_at(12, 0), tick=False) as traveller:
        readiness_snapshot_refresh(application_ids=[application.pk])
        first = _today(application).computed_at
        before = _missing(client, application)
        # A row written behind the services' back (a script) retires nothing: only age tells.
        factories.RunbookFactory(application=application, is_critical=True,
                                 last_reviewed_on=timezone.localdate() - timedelta(days=400))
        traveller.shift(max_age - timedelta(minutes=1))
        assert _missing(client, application) == before  # current: read, not judged again
        traveller.shift(timedelta(minutes=2))
        assert _missing(client, application) != before  # judged live
        assert _today(application).computed_at == first  # and not stored: beat stores it


def test_the_checklist_judges_a_new_day_afresh_and_keeps_yesterday_as_history(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    client.force_login(lead)
    with time_machine.travel(_local_today_at(23, 59), tick=False) as traveller:
        yesterday = timezone.localdate()
        readiness_snapshot_refresh(application_ids=[application.pk])
        judged_last_night = _today(application).computed_at
        traveller.shift(timedelta(minutes=2))  # a snapshot two minutes old, but of yesterday
        response = client.get(application.get_absolute_url())
        assert response.context["today"] == yesterday + timedelta(days=1)
        assert _today(application) is None  # judged live; beat's 00:05 run stores the new day
        kept = ReadinessSnapshot.objects.get(application=application, day=yesterday)
        assert kept.computed_at == judged_last_night


def test_changed_rules_make_stored_verdicts_stale(client, lead, settings) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    runbook = factories.RunbookFactory(application=application, is_critical=True,
                                       last_reviewed_on=timezone.localdate() - timedelta(days=60))
    client.force_login(lead)
    missing = client.get(application.get_absolute_url()).context["verdict"].results[0].missing
    assert not any(m.text == f"“{runbook.title}” was last reviewed 60 days ago." for m in missing)
    settings.RUNBOOK_REVIEW_DAYS = 30
    missing = client.get(application.get_absolute_url()).context["verdict"].results[0].missing
    assert any(m.text == f"“{runbook.title}” was last reviewed 60 days ago." for m in missing)


# --- after a write: stored again in the writer's request, or by the task when many ---------------


def test_a_write_to_one_application_is_judged_and_stored_once_it_commits(
    client, lead, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    """The page a lead comes back to after adding evidence reads a stored verdict: the write's
    commit judged and stored it (no task, no worker needed), and the checklist loads no evidence."""
    application = factories.ApplicationFactory(delivery_lead=lead)
    alert = factories.AlertCheckFactory(application=application)
    readiness_snapshot_refresh(application_ids=[application.pk])
    before = _today(application)
    published: list[str] = []
    monkeypatch.setattr(queue, "_publish", lambda task, args: published.append(task.name))

    with django_capture_on_commit_callbacks(execute=True):
        alert_verification_record(alert=alert, verified_at=timezone.now(), verified_by=alert.owner,
                                  evidence="Paged the on-call phone.")

    stored = _today(application)
    assert stored is not None and stored.computed_at > before.computed_at
    assert published == []
    monitoring = next(r for r in stored.verdict["results"] if r["gate"] == GateCode.MONITORING)
    assert any("seen firing" in text for text in monitoring["evidence"])
    client.force_login(lead)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(application.get_absolute_url())
    assert not [q for q in ctx.captured_queries if "readiness_alertcheck" in q["sql"]]  # read, not judged
    assert response.context["verdict"].met_count == stored.gates_met == verdict_for(application).met_count
    assert "seen firing" in response.content.decode()


def test_a_write_naming_people_on_many_paths_goes_to_the_refresh_task(
    django_capture_on_commit_callbacks, monkeypatch
) -> None:
    from readiness.services.gates import SNAPSHOT_INLINE

    person = factories.PersonFactory()
    applications = [factories.ApplicationFactory() for _ in range(SNAPSHOT_INLINE + 1)]
    for application in applications:
        factories.EscalationLevelFactory(application=application, position=1, backup=person)
    published: list[tuple[str, tuple]] = []
    monkeypatch.setattr(queue, "_publish", lambda task, args: published.append((task.name, args)))

    with django_capture_on_commit_callbacks(execute=True):
        leave_add(person=person, starts_on=timezone.localdate(), ends_on=timezone.localdate() + timedelta(days=3))

    assert published == [("readiness.tasks.readiness_snapshots_refresh_for", (sorted(a.pk for a in applications),))]
    assert not ReadinessSnapshot.objects.filter(day=timezone.localdate()).exists()  # the worker stores them


def test_a_verdict_overtaken_by_a_newer_write_is_not_stored(monkeypatch) -> None:
    """Judged, then another write commits before the upsert: storing the older verdict would show
    it as current; the newer write's own refresh stores the right one."""
    from readiness.services import gates as services

    application = factories.ApplicationFactory()
    judge = services._judged

    def judged_then_overtaken(*args, **kwargs):
        rows = judge(*args, **kwargs)
        Application.objects.filter(pk=application.pk).update(evidence_version=models.F("evidence_version") + 1)
        return rows

    monkeypatch.setattr(services, "_judged", judged_then_overtaken)
    assert readiness_snapshot_refresh(application_ids=[application.pk]) == {}
    assert _today(application) is None
    assert not LookupDirectory.objects.filter(application=application).exists()  # nor its directory
    monkeypatch.setattr(services, "_judged", judge)
    assert list(readiness_snapshot_refresh(application_ids=[application.pk])) == [application.pk]
    assert _today(application) is not None
    assert LookupDirectory.objects.filter(application=application).exists()


def test_a_refresh_failing_after_the_commit_hands_the_work_to_the_task(
    django_capture_on_commit_callbacks, monkeypatch, caplog
) -> None:
    from readiness.services import gates as services

    application = factories.ApplicationFactory()
    runbook = factories.RunbookFactory(application=application)
    published: list[tuple[str, tuple]] = []
    monkeypatch.setattr(queue, "_publish", lambda task, args: published.append((task.name, args)))

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "readiness_snapshot_refresh", broken)
    runbook.title = "Orders stuck in picking"
    with django_capture_on_commit_callbacks(execute=True):
        artefact_save(instance=runbook)  # no exception reaches the writer: the write stands

    runbook.refresh_from_db()
    assert runbook.title == "Orders stuck in picking"
    assert published == [("readiness.tasks.readiness_snapshots_refresh_for", ([application.pk],))]
    assert "enqueued instead" in caplog.text


# --- the chart draws stored history ----------------------------------------------------------------


def test_the_chart_draws_the_stored_days_and_leaves_unrecorded_days_out(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead, go_live_date=None)
    today = timezone.localdate()
    # Days as they were judged then (the rules as of those days would say 0 for this bare application).
    for back, met in ((10, 4), (3, 5)):
        ReadinessSnapshot.objects.create(application=application, day=today - timedelta(days=back), gates_met=met,
                                         gates_total=9, blockers=4, stale_items=0, ready=False,
                                         computed_at=timezone.now() - timedelta(days=back), rules="old")
    client.force_login(lead)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(application.get_absolute_url())
    assert not [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    chart = response.context["chart"]
    today_met = response.context["verdict"].met_count
    labels = [title for *_, title in chart.dots]
    assert labels == [f"{d.day} {d:%b}: {n} of 9" for d, n in (
        (today - timedelta(days=10), 4), (today - timedelta(days=3), 5), (today, today_met))]
    # Placed by date on the 30-day axis: 10 days back sits left of 3 days back, today at the right end.
    xs = [x for x, *_ in chart.dots]
    assert xs[0] < xs[1] < xs[2] == chart.right
    assert "each day recorded in the last 30 days" in response.content.decode()
    assert ReadinessSnapshot.objects.filter(application=application).count() == 2


def test_the_checklist_says_so_when_nothing_was_recorded_up_to_go_live(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead,
                                               go_live_date=timezone.localdate() - timedelta(days=60))
    client.force_login(lead)
    response = client.get(application.get_absolute_url())
    assert response.context["chart"] is None
    assert "No readiness was recorded in the 30 days up to go-live." in response.content.decode()


# --- beat ------------------------------------------------------------------------------------------


def test_beat_task_judges_every_application_into_todays_snapshot(lead) -> None:
    applications = [factories.ApplicationFactory() for _ in range(5)]
    factories.AlertCheckFactory(application=applications[0])
    stale = ReadinessSnapshot.objects.create(
        application=applications[1], day=timezone.localdate(), gates_met=9, gates_total=9, blockers=0,
        stale_items=0, ready=True, computed_at=timezone.now() - timedelta(hours=2), rules="old", verdict=None)

    assert tasks.readiness_snapshots_refresh() == 5

    for application in applications:
        snapshot = _today(application)
        verdict = verdict_for(application)
        assert (snapshot.gates_met, snapshot.blockers, snapshot.ready) == (
            verdict.met_count, len(verdict.blockers), verdict.ready)
        assert snapshot.verdict is not None
    stale.refresh_from_db()
    assert stale.ready is False and stale.computed_at > timezone.now() - timedelta(minutes=1)
    assert ReadinessSnapshot.objects.count() == 5


def test_beat_works_in_chunks_and_keeps_only_todays_checklist(lead) -> None:
    applications = [factories.ApplicationFactory() for _ in range(7)]
    with time_machine.travel(timezone.now() - timedelta(days=1), tick=False):
        readiness_snapshots_refresh_all()
    readiness_snapshots_refresh_all(chunk_size=3)
    assert ReadinessSnapshot.objects.filter(verdict__isnull=False).count() == len(applications)
    assert not ReadinessSnapshot.objects.filter(day__lt=timezone.localdate(), verdict__isnull=False).exists()


def test_beat_schedules_the_refresh_hourly(settings) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["readiness-snapshots"]
    assert entry["task"] == "readiness.tasks.readiness_snapshots_refresh"
    assert entry["schedule"].minute == {5} and len(entry["schedule"].hour) == 24


# --- the dashboard: sorted, filtered and paged in the database; judges live what is not stored -----


def _apps(count: int, **kwargs) -> list[Application]:
    """`count` bare applications, in bulk (no signals, no snapshots: like an import)."""
    today = timezone.localdate()
    return Application.objects.bulk_create(
        Application(name=f"App {n:03d}", slug=f"app-{n:03d}", go_live_date=today + timedelta(days=count - n),
                    **kwargs)
        for n in range(count)
    )


def test_dashboard_pages_fifty_at_a_time_keeping_sort_and_stage(client, lead) -> None:
    _apps(PAGE_SIZE + 5, stage=Stage.HARDENING)
    Application.objects.create(name="Built elsewhere", slug="built-elsewhere", stage=Stage.BUILD)
    readiness_snapshots_refresh_all()
    client.force_login(lead)
    url = reverse("readiness:home")
    first = client.get(url, {"stage": "hardening", "sort": "name"})
    assert len(first.context["rows"]) == PAGE_SIZE and first.context["page"].paginator.count == PAGE_SIZE + 5
    assert _names(first)[:2] == ["App 000", "App 001"]
    html = first.content.decode()
    assert 'href="?stage=hardening&amp;sort=name&amp;page=2"' in html and "Page 1 of 2" in html
    second = client.get(url, {"stage": "hardening", "sort": "name", "page": 2})
    assert _names(second) == [f"App {n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert 'href="?stage=hardening&amp;sort=name&amp;page=1"' in second.content.decode()
    # A page out of range shows the last one; nonsense shows the first.
    assert client.get(url, {"stage": "hardening", "page": 99}).context["page"].number == 2
    assert client.get(url, {"stage": "hardening", "page": "x"}).context["page"].number == 1
    # Sorting links keep the stage and go back to page 1.
    headers = dict((label, href) for label, href, _ in second.context["headers"])
    assert headers["Blockers"] == "?stage=hardening&sort=blockers"


def test_dashboard_sorts_by_stored_gates_blockers_and_stale_items(client, lead) -> None:
    ready = factories.ApplicationFactory(name="Ready one")
    bare = factories.ApplicationFactory(name="Bare one")
    some = factories.ApplicationFactory(name="Some evidence")
    stored = {ready: (9, 0, 0), bare: (0, 12, 0), some: (4, 6, 3)}
    for application, (met, blockers, stale) in stored.items():
        ReadinessSnapshot.objects.create(
            application=application, day=timezone.localdate(), gates_met=met, gates_total=9, blockers=blockers,
            stale_items=stale, ready=met == 9, computed_at=timezone.now(), rules=rules_version(),
            verdict={"results": [], "counts": {}})
    client.force_login(lead)
    url = reverse("readiness:home")
    assert _names(client.get(url, {"sort": "gates"})) == ["Bare one", "Some evidence", "Ready one"]
    assert _names(client.get(url, {"sort": "-blockers"})) == ["Bare one", "Some evidence", "Ready one"]
    assert _names(client.get(url, {"sort": "-stale"}))[0] == "Some evidence"
    assert "4 of 9" in client.get(url).content.decode()


def test_after_an_edit_the_dashboard_shows_that_application_judged_beside_the_stored_ones(client, lead) -> None:
    # The next step after adding evidence: back to the dashboard, before the refresh has run.
    ready = factories.ApplicationFactory(name="Ready one")
    edited = factories.ApplicationFactory(name="Edited one")
    today = timezone.localdate()
    for application, met in ((ready, 9), (edited, 2)):
        ReadinessSnapshot.objects.create(
            application=application, day=today, gates_met=met, gates_total=9, blockers=9 - met, stale_items=0,
            ready=met == 9, computed_at=timezone.now(), rules=rules_version(), verdict={"results": [], "counts": {}})
    ReadinessSnapshot.objects.filter(application=edited).delete()  # what a write to its evidence does
    client.force_login(lead)
    url = reverse("readiness:home")
    for params in ({}, {"sort": "name"}, {"sort": "gates"}, {"sort": "-blockers"}):
        response = client.get(url, params)
        rows = {row["name"]: row for row in response.context["rows"]}
        assert set(rows) == {"Ready one", "Edited one"}, params
        assert (rows["Ready one"]["gates_met"], rows["Ready one"]["blockers"]) == (9, 0)  # as stored
        verdict = verdict_for(edited)  # judged now, on the page
        assert (rows["Edited one"]["gates_met"], rows["Edited one"]["blockers"]) == (
            verdict.met_count, len(verdict.blockers))
    # Sorted by a verdict's number, the one without a stored verdict comes last either way.
    assert _names(client.get(url, {"sort": "gates"}))[-1] == "Edited one"
    assert _names(client.get(url, {"sort": "-gates"}))[-1] == "Edited one"
    assert not ReadinessSnapshot.objects.filter(application=edited).exists()  # the page stored nothing


def test_dashboard_judges_applications_without_a_snapshot_and_stores_nothing(client, lead) -> None:
    applications = _apps(2 * PAGE_SIZE + 10)
    client.force_login(lead)
    for page in (1, 3):
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(reverse("readiness:home"), {"page": page})
        rows = response.context["rows"]
        assert len(rows) == (PAGE_SIZE if page == 1 else 10)
        # Every row on the page is judged, in memory.
        for row in rows[:3] + rows[-3:]:
            verdict = verdict_for(row["application"])
            assert (row["snapshot"].gates_met, row["snapshot"].blockers) == (verdict.met_count, len(verdict.blockers))
        assert f"{rows[0]['gates_met']} of {rows[0]['gates_total']}" in response.content.decode()
        assert not [q["sql"] for q in ctx.captured_queries if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))]
    assert not ReadinessSnapshot.objects.exists()
    assert tasks.readiness_snapshots_refresh() == len(applications)  # beat stores them


def test_dashboard_asks_the_same_queries_for_ten_and_two_hundred_applications(client, lead) -> None:
    client.force_login(lead)
    url = reverse("readiness:home")
    counts = []
    for total in (10, 200):
        Application.objects.bulk_create(
            Application(name=f"Bulk {n}", slug=f"bulk-{n}", stage=Stage.BUILD)
            for n in range(Application.objects.count(), total)
        )
        readiness_snapshots_refresh_all()  # what beat does hourly
        client.get(url, {"sort": "-blockers", "stage": "build"})  # warms the session and permission caches
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url, {"sort": "-blockers", "stage": "build", "page": 2 if total > 10 else 1})
        assert response.status_code == 200 and response.context["rows"]
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_a_new_application_is_on_the_dashboard_straight_away(client, lead) -> None:
    readiness_snapshots_refresh_all()
    client.force_login(lead)
    response = client.post(reverse("readiness:application_create"), {
        "name": "Returns portal", "slug": "returns-portal", "stage": "build", "current_release": "0.1.0",
        "delivery_lead": lead.pk,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "Returns portal" in _names(client.get(reverse("readiness:home")))


def test_drill_follow_ups_retire_through_their_drill(lead) -> None:
    drill = factories.DrillFactory()
    readiness_snapshot_refresh(application_ids=[drill.application_id])
    action = drill_action_add(drill=drill, description="Add the missing runbook step.")
    assert _today(drill.application) is None
    readiness_snapshot_refresh(application_ids=[drill.application_id])
    drill_action_close(action=action, on=timezone.localdate())
    assert _today(drill.application) is None


# --- the admin says what its writes cause, as the services do ---------------------------------------


def test_an_admin_delete_retires_the_snapshot_and_rederives_verification_periods(client) -> None:
    from django.contrib.auth.models import User

    person = factories.PersonFactory()
    level = factories.EscalationLevelFactory(position=1, primary=person, backup=None)
    application = level.application
    runbook = factories.RunbookFactory(application=application)
    people_schedule_refresh(person_ids=[person.pk])
    person.refresh_from_db()
    assert person.verification_days == 30  # on a first level
    readiness_snapshot_refresh(application_ids=[application.pk])
    client.force_login(User.objects.create_superuser("root", "root@example.com", "pw"))

    response = client.post(reverse("admin:readiness_runbook_delete", args=[runbook.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert _today(application) is None

    response = client.post(reverse("admin:readiness_escalationlevel_delete", args=[level.pk]), {"post": "yes"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.verification_days == 90  # on no path now: the default period
