"""A runbook exercise recorded by hand and linked to a drill is its recorder's evidence: editing
the drill (its findings, the outcome it gives its runbooks, unticking or ticking the runbook again)
never rewrites, removes or duplicates it (only its day moves with the drill's: the day it says it
was used), and the drill's form and page say so. The drill's form owns only the exercises it
recorded (RunbookExercise.recorded_by_drill)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from readiness.gates import Status, verdict_for
from readiness.models import Drill, ExerciseOutcome, GateCode, Runbook, RunbookExercise
from readiness.services.exercises import drill_save
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_default_timezone())
TODAY = START.date()
HELD_ON = TODAY - timedelta(days=3)
BY_HAND = "Ravi followed it while the drill ran; step 4 took ten minutes, not two."
KEPT_NOTE = ("Prices wrong on the portal — its exercise in this drill was recorded by hand "
             "(27 Feb 2026: worked with changes) and is kept as recorded, its day moving with the drill's")


@pytest.fixture
def world(lead) -> tuple[Runbook, Drill]:
    """A critical runbook, reviewed, whose only exercise will be the one recorded by hand in a drill."""
    with time_machine.travel(START - timedelta(days=5), tick=False):
        app = factories.ApplicationFactory(delivery_lead=lead, go_live_date=TODAY + timedelta(days=60))
        level = factories.EscalationLevelFactory(application=app, position=1)
        runbook = factories.RunbookFactory(application=app, title="Prices wrong on the portal", escalation_level=level,
                                           last_reviewed_on=TODAY - timedelta(days=5))
    drill = factories.DrillFactory(application=app, title="Contract price differs", held_on=HELD_ON,
                                   scenario="data_mismatch", business_owner_attended=False,
                                   findings="The pricing job restarted cleanly.")
    return runbook, drill


@pytest.fixture(autouse=True)
def at_start():
    with time_machine.travel(START, tick=False):
        yield


def _gate(runbook: Runbook) -> tuple[Status, list[str]]:
    result = next(r for r in verdict_for(runbook.application).results if r.gate.code == GateCode.RUNBOOKS)
    return result.status, list(result.evidence)


def _record_by_hand(client, runbook: Runbook, drill: Drill) -> RunbookExercise:
    response = client.post(reverse("readiness:runbook_exercise_create", args=[runbook.application.slug, runbook.pk]), {
        "exercised_on": HELD_ON.isoformat(), "how": "drill", "drill": drill.pk,
        "exercised_by": runbook.escalation_level.primary.pk, "outcome": "changed",
        "what_happened": BY_HAND, "changes_made": "Step 4 now says to wait for the export.",
    })
    assert response.status_code == 302
    return RunbookExercise.objects.get()


def _edit_drill(client, drill: Drill, **changes: Any) -> Any:
    data = {"scenario": drill.scenario, "title": drill.title, "held_on": drill.held_on.isoformat(),
            "support_attended": "on", "engineering_attended": "on", "findings": drill.findings, **changes}
    return client.post(reverse("readiness:drill_edit", args=[drill.application.slug, drill.pk]), data)


def _as_recorded(exercise: RunbookExercise) -> dict[str, Any]:
    row = RunbookExercise.objects.filter(pk=exercise.pk).values().get()
    return {**row, "history": exercise.history.count()}


def test_editing_the_drill_never_rewrites_or_removes_an_exercise_recorded_by_hand(client, lead, world) -> None:
    runbook, drill = world
    client.force_login(lead)
    exercise = _record_by_hand(client, runbook, drill)
    recorded = _as_recorded(exercise)
    assert not exercise.recorded_by_drill

    # The drill's form shows the runbook ticked, not to be unticked, and says why.
    form = client.get(reverse("readiness:drill_edit", args=[drill.application.slug, drill.pk])).content.decode()
    assert escape(KEPT_NOTE) in form
    box = next(line for line in form.splitlines() if f'value="{runbook.pk}"' in line and "runbooks_used" in line)
    assert "disabled" in box and "checked" in box

    # Another outcome and findings, the runbook still ticked (a form drawn before), then unticked.
    response = _edit_drill(client, drill, findings="Step 2 pointed at the old report.", runbooks_used=[runbook.pk],
                           runbook_outcome="failed")
    assert response.status_code == 302
    assert _as_recorded(exercise) == recorded
    response = _edit_drill(client, drill, findings="Step 2 pointed at the old report.")
    assert response.status_code == 302
    assert _as_recorded(exercise) == recorded

    runbook_page = client.get(runbook.get_absolute_url()).content.decode()
    assert BY_HAND in runbook_page and "Worked with changes" in runbook_page
    assert f'<a href="{drill.get_absolute_url()}">Contract price differs</a>' in runbook_page
    drill_page = client.get(drill.get_absolute_url()).content.decode()
    assert (f'<a href="{runbook.get_absolute_url()}">Prices wrong on the portal</a>: worked with changes; changed: '
            f"Step 4 now says to wait for the export. (recorded by hand by {escape(exercise.who)}: editing the drill "
            "leaves it as recorded)") in drill_page
    status, evidence = _gate(runbook)
    assert status == Status.MET
    assert evidence[-1].endswith(f"exercised 27 Feb 2026 (in a drill by {exercise.who}: worked with changes).")


def test_ticking_the_runbook_again_records_no_second_exercise(client, lead, world) -> None:
    runbook, drill = world
    client.force_login(lead)
    exercise = _record_by_hand(client, runbook, drill)
    recorded = _as_recorded(exercise)
    assert _edit_drill(client, drill).status_code == 302  # unticked

    response = _edit_drill(client, drill, runbooks_used=[runbook.pk], runbook_outcome="worked")

    assert response.status_code == 302
    assert list(RunbookExercise.objects.values_list("pk", flat=True)) == [exercise.pk]
    assert _as_recorded(exercise) == recorded
    assert _gate(runbook)[0] == Status.MET


def test_the_drill_still_moves_and_removes_the_exercises_its_form_recorded(world) -> None:
    runbook, drill = world
    other = factories.RunbookFactory(application=runbook.application, title="Orders stuck")
    by_hand = factories.RunbookExerciseFactory(runbook=runbook, how="drill", drill=drill, exercised_on=HELD_ON,
                                               what_happened=BY_HAND)
    recorded = _as_recorded(by_hand)

    drill_save(drill=drill, runbooks=[runbook, other], outcome=ExerciseOutcome.WORKED)
    own = RunbookExercise.objects.get(runbook=other)
    assert own.recorded_by_drill and own.what_happened == "The pricing job restarted cleanly."
    drill.findings = "Step 2 pointed at the old report."
    drill_save(drill=drill, runbooks=[runbook, other], outcome=ExerciseOutcome.FAILED)
    own.refresh_from_db()
    assert (own.outcome, own.what_happened) == (ExerciseOutcome.FAILED, "Step 2 pointed at the old report.")

    drill_save(drill=drill, runbooks=[], outcome="")

    assert list(RunbookExercise.objects.values_list("pk", flat=True)) == [by_hand.pk]
    assert _as_recorded(by_hand) == recorded


def test_recording_by_hand_a_runbook_the_drill_recorded_by_hand_already_is_refused(client, lead, world) -> None:
    runbook, drill = world
    client.force_login(lead)
    _record_by_hand(client, runbook, drill)
    response = client.post(reverse("readiness:runbook_exercise_create", args=[runbook.application.slug, runbook.pk]), {
        "exercised_on": HELD_ON.isoformat(), "how": "drill", "drill": drill.pk, "participants": "Support",
        "outcome": "worked", "what_happened": "Followed it again in the same drill."})
    assert response.status_code == 200
    assert response.context["form"].errors["drill"] == [
        "An exercise of this runbook in this drill was already recorded by hand (27 Feb 2026)."]
    assert RunbookExercise.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_a_drill_the_exercises_its_form_wrote_and_keeps_the_others_by_hand(world) -> None:
    from django.db.migrations.executor import MigrationExecutor

    runbook, drill = world
    other = factories.RunbookFactory(application=runbook.application, title="Orders stuck")
    by_hand = factories.RunbookExerciseFactory(runbook=runbook, how="drill", drill=drill, exercised_on=HELD_ON,
                                               what_happened=BY_HAND)
    drill_save(drill=drill, runbooks=[runbook, other], outcome=ExerciseOutcome.WORKED)
    executor = MigrationExecutor(connection)
    executor.migrate([("readiness", "0032_alert_webhooks")])  # the mark gone, the rows kept
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert dict(RunbookExercise.objects.values_list("runbook__title", "recorded_by_drill")) == {
        "Prices wrong on the portal": False, "Orders stuck": True}
    assert RunbookExercise.objects.get(runbook=runbook).pk == by_hand.pk


def test_moving_the_drill_to_another_day_moves_the_day_of_an_exercise_recorded_by_hand_in_it(
        client, lead, world) -> None:
    # The exercise says it was used in this drill, and such an exercise is dated the day the drill
    # was held: left behind, it claimed a day the drill was not held on, and no page could put it right.
    runbook, drill = world
    client.force_login(lead)
    exercise = _record_by_hand(client, runbook, drill)
    recorded = _as_recorded(exercise)
    moved_to = HELD_ON - timedelta(days=1)

    response = _edit_drill(client, drill, held_on=moved_to.isoformat())

    assert response.status_code == 302
    assert _as_recorded(exercise) == {**recorded, "exercised_on": moved_to, "history": recorded["history"] + 1}
    RunbookExercise.objects.get().full_clean()
    runbook_page = client.get(runbook.get_absolute_url()).content.decode()
    assert "26 Feb 2026" in runbook_page and "27 Feb 2026" not in runbook_page
    assert _gate(runbook)[1][-1].endswith(f"exercised 26 Feb 2026 (in a drill by {exercise.who}: worked with changes).")


def test_moving_the_drill_past_the_day_the_exercise_leader_left_is_refused_beside_its_date(
        client, lead, world) -> None:
    runbook, drill = world
    client.force_login(lead)
    exercise = _record_by_hand(client, runbook, drill)
    leader = exercise.exercised_by
    leader.left_on = HELD_ON + timedelta(days=1)
    leader.save()
    recorded = _as_recorded(exercise)

    response = _edit_drill(client, drill, held_on=(HELD_ON + timedelta(days=2)).isoformat())

    assert response.status_code == 200
    assert response.context["form"].errors["held_on"] == [
        f"{leader} had left by 01 Mar 2026, and led the exercise of “Prices wrong on the portal” in this drill "
        "(recorded by hand, its day is the drill's)."]
    drill.refresh_from_db()
    assert drill.held_on == HELD_ON
    assert _as_recorded(exercise) == recorded
