"""Runbook exercises as evidence (issue 15, must show 1): an exercise names who, when, how and
what happened, or is refused beside the field; a drill that used a runbook records its exercise
and turns the runbook gate; a date typed in without evidence is shown but not counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import jsonschema
import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from readiness.gates import Status, verdict_for
from readiness.models import ExerciseHow, ExerciseOutcome, GateCode, Runbook, RunbookExercise
from readiness.pack import SCHEMA_PATH
from readiness.services.exercises import drill_save
from readiness.validators import DATE_RANGE_MESSAGE
from tests import factories

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.get_default_timezone())
TODAY = START.date()


@pytest.fixture
def app(lead):
    with time_machine.travel(START - timedelta(days=5), tick=False):
        return factories.ApplicationFactory(delivery_lead=lead, go_live_date=TODAY + timedelta(days=60))


@pytest.fixture
def runbook(app) -> Runbook:
    """A critical runbook reviewed and calling a level: only its exercise is missing."""
    with time_machine.travel(START - timedelta(days=5), tick=False):
        level = factories.EscalationLevelFactory(application=app, position=1)
        return factories.RunbookFactory(
            application=app,
            title="Prices wrong on the portal",
            escalation_level=level,
            last_reviewed_on=TODAY - timedelta(days=5),
        )


@pytest.fixture
def at_start():
    with time_machine.travel(START, tick=False):
        yield


def _gate(app) -> tuple[Status, list[str], list[str]]:
    result = next(r for r in verdict_for(app).results if r.gate.code == GateCode.RUNBOOKS)
    return result.status, [m.text for m in result.missing], list(result.evidence)


def _checklist(client, app) -> str:
    response = client.get(reverse("readiness:application_detail", args=[app.slug]))
    assert response.status_code == 200
    return response.content.decode()


def _record(client, app, runbook, **data: object):
    return client.post(reverse("readiness:runbook_exercise_create", args=[app.slug, runbook.pk]), data)


def _errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200
    return {name: list(errors) for name, errors in response.context["form"].errors.items()}


WALK_THROUGH = {
    "exercised_on": "2026-02-27",
    "how": "walk_through",
    "participants": "Service desk and Ravi",
    "outcome": "worked",
    "what_happened": "Followed every step against production; all matched.",
}


def test_an_exercise_without_who_how_or_outcome_is_refused_beside_each_field(
    client, lead, app, runbook, at_start
) -> None:
    client.force_login(lead)
    response = _record(client, app, runbook, exercised_on="2026-02-27", what_happened="")

    errors = _errors(response)
    assert errors["exercised_by"] == ["Say who exercised the runbook: pick a person or name who took part."]
    assert errors["how"] == ["Say how it was exercised: in a drill, in a real incident or as a walk-through."]
    assert errors["outcome"] == ["Say how it went: worked as written, worked with changes, or failed."]
    assert errors["what_happened"] == ["Say what was done and what was seen, in a sentence or two."]
    page = response.content.decode()
    assert "invalid-feedback" in page and escape("Say how it was exercised: in a drill") in page
    assert not RunbookExercise.objects.exists()
    assert _gate(app)[0] == Status.NOT_MET


def test_worked_with_changes_needs_what_changed(client, lead, app, runbook, at_start) -> None:
    client.force_login(lead)
    response = _record(client, app, runbook, **{**WALK_THROUGH, "outcome": "changed", "changes_made": "  "})
    assert _errors(response) == {"changes_made": ["Say what was changed in the runbook."]}
    assert not RunbookExercise.objects.exists()


def test_a_walk_through_recorded_by_hand_turns_the_gate_and_is_listed_on_the_runbook(
    client, lead, app, runbook, at_start
) -> None:
    client.force_login(lead)
    status, missing, _ = _gate(app)
    assert status == Status.NOT_MET and missing == ["“Prices wrong on the portal” has never been exercised."]
    record = reverse("readiness:runbook_exercise_create", args=[app.slug, runbook.pk])
    assert f'href="{record}">Record an exercise<span' in _checklist(client, app)

    response = _record(client, app, runbook, **WALK_THROUGH)

    assert response.status_code == 302 and response["Location"] == runbook.get_absolute_url()
    exercise = RunbookExercise.objects.get()
    assert (exercise.how, exercise.participants, exercise.outcome) == (
        "walk_through",
        "Service desk and Ravi",
        "worked",
    )
    status, missing, evidence = _gate(app)
    assert status == Status.MET and missing == []
    assert evidence[-1] == (
        f"“Prices wrong on the portal”: calls {runbook.escalation_level.name}, "
        "reviewed 25 Feb 2026, exercised 27 Feb 2026 (walk-through by Service desk and Ravi: "
        "worked as written)."
    )
    assert escape(evidence[-1]) in _checklist(client, app)
    page = client.get(runbook.get_absolute_url()).content.decode()
    assert "27 Feb 2026" in page and "Service desk and Ravi" in page and "Worked as written" in page
    assert "Followed every step against production; all matched." in page
    runbooks = client.get(reverse("readiness:runbook_list", args=[app.slug])).content.decode()
    assert "27 Feb 2026" in runbooks


def test_a_drill_that_used_a_runbook_records_its_exercise_and_turns_the_gate(
    client, lead, app, runbook, at_start
) -> None:
    client.force_login(lead)
    assert _gate(app)[0] == Status.NOT_MET
    drill_form = client.get(reverse("readiness:drill_create", args=[app.slug])).content.decode()
    assert "Prices wrong on the portal" in drill_form and "Runbooks used" in drill_form

    response = client.post(
        reverse("readiness:drill_create", args=[app.slug]),
        {
            "scenario": "data_mismatch",
            "title": "Contract price differs",
            "held_on": "2026-02-26",
            "support_attended": "on",
            "engineering_attended": "on",
            "findings": "Step 2 pointed at the old report.",
            "runbooks_used": [runbook.pk],
            "runbook_outcome": "changed",
            "runbook_changes": "Step 2 names the contract report.",
        },
    )

    assert response.status_code == 302
    exercise = RunbookExercise.objects.get()
    drill = exercise.drill
    assert drill is not None and drill.title == "Contract price differs"
    assert (exercise.exercised_on, exercise.how, exercise.participants) == (
        date(2026, 2, 26),
        ExerciseHow.DRILL,
        "Support and engineering",
    )
    assert exercise.what_happened == "Step 2 pointed at the old report."
    assert exercise.changes_made == "Step 2 names the contract report."
    runbook = Runbook.objects.prefetch_related("exercises").get(pk=runbook.pk)
    assert runbook.last_exercised_on == date(2026, 2, 26)
    status, _, evidence = _gate(app)
    assert status == Status.MET
    assert evidence[-1].endswith("exercised 26 Feb 2026 (in a drill by Support and engineering: worked with changes).")
    assert escape(evidence[-1]) in _checklist(client, app)
    runbook_page = client.get(runbook.get_absolute_url()).content.decode()
    assert f'<a href="{drill.get_absolute_url()}">Contract price differs</a>' in runbook_page
    drill_page = client.get(drill.get_absolute_url()).content.decode()
    assert f'<a href="{runbook.get_absolute_url()}">Prices wrong on the portal</a>: worked with changes' in drill_page


def test_a_drill_that_already_recorded_the_runbook_is_refused_beside_the_field(client, lead, app, runbook,
                                                                              at_start) -> None:
    drill = factories.DrillFactory(application=app, held_on=TODAY - timedelta(days=3))
    drill_save(drill=drill, runbooks=[runbook], outcome=ExerciseOutcome.WORKED)
    client.force_login(lead)
    response = _record(client, app, runbook, exercised_on=drill.held_on.isoformat(), how="drill", drill=drill.pk,
                       exercised_by=runbook.escalation_level.primary.pk, outcome="worked",
                       what_happened="Used it in the drill.")
    assert _errors(response)["drill"] == [
        "This drill already records an exercise of this runbook: edit the drill instead."]
    assert RunbookExercise.objects.count() == 1


def test_editing_the_drill_moves_its_exercise_and_unticking_the_runbook_removes_it(app, runbook, at_start) -> None:
    drill = factories.DrillFactory(application=app, held_on=TODAY - timedelta(days=3))
    drill_save(drill=drill, runbooks=[runbook], outcome=ExerciseOutcome.WORKED)
    drill.held_on = TODAY - timedelta(days=1)
    drill_save(drill=drill, runbooks=[runbook], outcome=ExerciseOutcome.WORKED)
    assert list(RunbookExercise.objects.values_list("exercised_on", flat=True)) == [TODAY - timedelta(days=1)]
    assert _gate(app)[0] == Status.MET

    drill_save(drill=drill, runbooks=[], outcome="")

    assert not RunbookExercise.objects.exists()
    assert _gate(app)[1] == ["“Prices wrong on the portal” has never been exercised."]


def test_a_drill_naming_runbooks_must_say_who_took_part_and_how_they_worked(
    client, lead, app, runbook, at_start
) -> None:
    client.force_login(lead)
    response = client.post(
        reverse("readiness:drill_create", args=[app.slug]),
        {
            "scenario": "data_mismatch",
            "title": "Nobody ticked",
            "held_on": "2026-02-26",
            "runbooks_used": [runbook.pk],
        },
    )
    errors = _errors(response)
    assert errors["runbooks_used"] == ["Tick who took part: an exercise names who used the runbook."]
    assert errors["runbook_outcome"] == ["Say how the runbooks worked in the drill."]
    assert not RunbookExercise.objects.exists() and not app.drills.exists()


def test_a_failed_exercise_keeps_the_gate_unmet(app, runbook, at_start) -> None:
    factories.RunbookExerciseFactory(
        runbook=runbook,
        exercised_on=TODAY - timedelta(days=1),
        outcome=ExerciseOutcome.FAILED,
        what_happened="Step 3 points at a retired server.",
    )
    status, missing, _ = _gate(app)
    assert status == Status.NOT_MET
    assert missing == [
        "“Prices wrong on the portal” failed when exercised on 01 Mar 2026: fix it and exercise it again."
    ]


def test_the_exercise_ages_out_after_the_window(app, runbook, settings) -> None:
    with time_machine.travel(START, tick=False):
        factories.RunbookExerciseFactory(runbook=runbook, exercised_on=TODAY)
    window = settings.RUNBOOK_EXERCISE_DAYS
    for days, expected in ((window, Status.MET), (window + 1, Status.NOT_MET)):
        # The review kept fresh: only the exercise ages.
        Runbook.objects.filter(pk=runbook.pk).update(last_reviewed_on=TODAY + timedelta(days=days))
        with time_machine.travel(START + timedelta(days=days), tick=False):
            status, missing, _ = _gate(app)
        assert status == expected
    assert missing == [f"“Prices wrong on the portal” was last exercised {window + 1} days ago."]


def test_a_date_typed_in_without_evidence_is_shown_but_not_counted(client, lead, app, runbook, at_start) -> None:
    Runbook.objects.filter(pk=runbook.pk).update(exercised_without_evidence_on=TODAY - timedelta(days=2))
    status, missing, _ = _gate(app)
    assert status == Status.NOT_MET
    assert missing == [
        "“Prices wrong on the portal” was marked exercised on 28 Feb 2026 without saying who, how or what happened."
    ]
    client.force_login(lead)
    page = client.get(runbook.get_absolute_url()).content.decode()
    assert "Marked exercised on 28 Feb 2026 without saying who, how or what happened" in page
    assert "Mark exercised today" not in page
    # The one-click exercise is gone: only a review can still be marked.
    gone = client.post(reverse("readiness:runbook_mark", args=[app.slug, runbook.pk, "exercised"]))
    assert gone.status_code == 404


def test_links_fit_how_it_was_exercised(client, lead, app, runbook, at_start) -> None:
    other = factories.DrillFactory(held_on=TODAY - timedelta(days=1))  # another application's drill
    drill = factories.DrillFactory(application=app, held_on=TODAY - timedelta(days=1))
    client.force_login(lead)

    walk_with_drill = _errors(_record(client, app, runbook, **{**WALK_THROUGH, "drill": drill.pk}))
    foreign = _errors(_record(client, app, runbook, **{**WALK_THROUGH, "how": "drill", "drill": other.pk}))
    wrong_day = _errors(_record(client, app, runbook, **{**WALK_THROUGH, "how": "drill", "drill": drill.pk}))

    assert walk_with_drill == {"drill": ["Link a drill only to an exercise held in a drill."]}
    assert list(foreign) == ["drill"]  # not one of the choices offered
    assert wrong_day == {"exercised_on": ["The drill was held on 01 Mar 2026."]}
    assert not RunbookExercise.objects.exists()


def test_an_incident_links_its_escalation_log_entry(client, lead, app, runbook, at_start) -> None:
    entry = factories.EscalationFactory(
        application=app,
        occurred_at=START - timedelta(days=3),
        summary="Portal showed list prices to contract customers.",
    )
    client.force_login(lead)
    response = _record(client, app, runbook, **{**WALK_THROUGH, "how": "incident", "escalation": entry.pk})
    assert response.status_code == 302
    page = client.get(runbook.get_absolute_url()).content.decode()
    assert "In a real incident" in page
    assert "27 Feb 2026 10:00, Portal showed list prices to contract customers." in page
    too_early = _errors(
        _record(
            client,
            app,
            runbook,
            **{**WALK_THROUGH, "how": "incident", "escalation": entry.pk, "exercised_on": "2026-02-20"},
        )
    )
    assert too_early == {"exercised_on": ["The runbook cannot have been used before the incident happened."]}


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("exercised_on", "0001-01-01", DATE_RANGE_MESSAGE),
        ("exercised_on", "9999-12-31", DATE_RANGE_MESSAGE),
        ("exercised_on", "2026-03-03", "Record an exercise once it has happened; this date is in the future."),
        ("participants", "two\nlines", "Keep this to one line: no line breaks, tabs or control characters."),
        ("what_happened", "a\x00b is NUL", "Null characters are not allowed."),
        ("what_happened", "x" * 1_000_000, None),
    ],
)
def test_hostile_input_is_refused_beside_the_field(client, lead, app, runbook, at_start, field, value, message) -> None:
    client.force_login(lead)
    errors = _errors(_record(client, app, runbook, **{**WALK_THROUGH, field: value}))
    assert list(errors) == [field]
    if message:
        assert message in errors[field]
    assert not RunbookExercise.objects.exists()
    assert client.get(runbook.get_absolute_url()).status_code == 200


def test_the_database_refuses_an_exercise_naming_nobody_or_a_drill_link_on_a_walk_through(app, runbook) -> None:
    drill, person = factories.DrillFactory(application=app), factories.PersonFactory()
    for fields, constraint in (
        ({"exercised_by": None, "participants": ""}, "who_named"),
        ({"drill": drill}, "drill_only_for_drills"),
        ({"outcome": ExerciseOutcome.CHANGED, "changes_made": ""}, "changes_when_changed"),
    ):
        with (
            pytest.raises(IntegrityError, match=constraint if connection.vendor == "postgresql" else ""),
            transaction.atomic(),
        ):
            factories.RunbookExerciseFactory.build(**{"runbook": runbook, "exercised_by": person, **fields}).save()


def test_a_double_submitted_exercise_is_recorded_once(client, lead, app, runbook, at_start) -> None:
    client.force_login(lead)
    page = client.get(reverse("readiness:runbook_exercise_create", args=[app.slug, runbook.pk]))
    key = page.context["form"]["submission_key"].value()
    first = _record(client, app, runbook, **WALK_THROUGH, submission_key=key)
    second = _record(client, app, runbook, **WALK_THROUGH, submission_key=key)
    assert first.status_code == second.status_code == 302
    assert RunbookExercise.objects.count() == 1


def test_the_runbook_pages_cost_the_same_queries_with_more_exercises(client, lead, app, runbook, at_start) -> None:
    client.force_login(lead)
    factories.RunbookExerciseFactory(runbook=runbook, exercised_on=TODAY - timedelta(days=9))
    list_url = reverse("readiness:runbook_list", args=[app.slug])

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as seen:
            assert client.get(url).status_code == 200
        return len(seen)

    before = (queries(list_url), queries(runbook.get_absolute_url()))
    for days in (1, 2, 3):
        other = factories.RunbookFactory(application=app)
        factories.RunbookExerciseFactory(runbook=other, exercised_on=TODAY - timedelta(days=days))
        factories.RunbookExerciseFactory(runbook=runbook, exercised_on=TODAY - timedelta(days=days))
    assert (queries(list_url), queries(runbook.get_absolute_url())) == before


def test_the_handoff_pack_carries_each_exercise(client, lead, app, runbook, at_start) -> None:
    client.force_login(lead)
    factories.RunbookExerciseFactory(
        runbook=runbook,
        exercised_on=TODAY - timedelta(days=4),
        exercised_by=None,
        participants="Service desk",
        what_happened="All steps matched.",
    )
    Runbook.objects.filter(pk=runbook.pk).update(exercised_without_evidence_on=TODAY - timedelta(days=40))
    pack = client.get(reverse("readiness:handoff_pack_json", args=[app.slug])).json()
    import json

    jsonschema.validate(pack, json.loads(SCHEMA_PATH.read_text()))
    entry = next(r for r in pack["runbooks"] if r["title"] == "Prices wrong on the portal")
    assert entry["last_exercised_on"] == "2026-02-26"
    assert entry["exercised_without_evidence_on"] == "2026-01-21"
    assert entry["exercises"] == [
        {
            "exercised_on": "2026-02-26",
            "how": "walk_through",
            "who": "Service desk",
            "outcome": "worked",
            "what_happened": "All steps matched.",
            "changes_made": "",
            "drill": None,
            "escalation": None,
        }
    ]
    printed = client.get(reverse("readiness:handoff_pack", args=[app.slug])).content.decode()
    assert "by Service desk: All steps matched." in printed


def _api(user, path: str, body: dict[str, object]):
    from django.test import Client

    from readiness.services.api import api_token_create

    key = api_token_create(user=user, name=f"script {user.api_tokens.count()}")[1]
    return Client().post(f"/api/v1{path}", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}")


def test_the_api_records_an_exercise_only_with_its_evidence(lead, app, runbook, at_start) -> None:
    path = f"/applications/{app.slug}/runbooks/{runbook.pk}/exercised"
    refused = _api(
        lead,
        path,
        {
            "exercised_on": "2026-02-27",
            "how": "walk_through",
            "outcome": "worked",
            "what_happened": "Followed every step.",
        },
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == {
        "exercised_by": ["Say who exercised the runbook: pick a person or name who took part."]
    }
    assert not RunbookExercise.objects.exists()

    answer = _api(lead, path, {**WALK_THROUGH})

    assert answer.status_code == 200, answer.json()
    assert answer.json()["last_exercised_on"] == "2026-02-27"
    assert RunbookExercise.objects.get().participants == "Service desk and Ravi"
    assert _gate(app)[0] == Status.MET


def test_a_drill_recorded_through_the_api_records_the_runbooks_used(lead, app, runbook, at_start) -> None:
    answer = _api(
        lead,
        f"/applications/{app.slug}/drills",
        {
            "scenario": "data_mismatch",
            "title": "API drill",
            "held_on": "2026-02-28",
            "support_attended": True,
            "runbooks_used": [runbook.pk],
            "runbook_outcome": "worked",
        },
    )
    assert answer.status_code == 201, answer.json()
    exercise = RunbookExercise.objects.get()
    assert (exercise.exercised_on, exercise.participants, exercise.how) == (date(2026, 2, 28), "Support", "drill")
    assert _gate(app)[0] == Status.MET
