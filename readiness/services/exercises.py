"""Writes of runbook exercises: one recorded by hand, and the exercises a drill records for the
runbooks it used. Both end in application_evidence_changed, as every evidence write does."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from readiness.models import Drill, ExerciseHow, ExerciseOutcome, Runbook, RunbookExercise
from readiness.services.evidence import evidence_save
from readiness.services.gates import application_evidence_changed

# What a drill's exercise copies from the drill, compared to skip saving an unchanged row (its
# history would list an edit that changed nothing).
_FROM_DRILL = ("exercised_on", "participants", "outcome", "what_happened", "changes_made")


@transaction.atomic
def runbook_exercise_record(*, exercise: RunbookExercise) -> RunbookExercise:
    """Record one exercise of a runbook (the form has bound who, when, how and what happened)."""
    return evidence_save(exercise, application_ids=[exercise.runbook.application_id])


@transaction.atomic
def drill_save(*, drill: Drill, runbooks: Iterable[Runbook] = (), outcome: str = "", changes_made: str = "") -> Drill:
    """Create or update a drill, and the exercise of each runbook it used: dated the day it was
    held, naming who took part, with the drill's findings as what happened. A runbook no longer
    listed loses the exercise this drill recorded for it.

    Only the exercises the drill's form recorded are the drill's: one recorded by hand and linked
    to this drill is someone's own evidence, never rewritten or removed here, and a runbook that
    has one is not recorded a second time (one exercise of a runbook per drill). Only its day moves
    with the drill's: it says it was used in this drill, which was held that day."""
    drill.full_clean()
    drill.save()
    used = {runbook.pk: runbook for runbook in runbooks}
    drill.exercises.filter(recorded_by_drill=True).exclude(runbook_id__in=used).delete()
    existing = {exercise.runbook_id: exercise for exercise in drill.exercises.all()}
    for exercise in existing.values():
        if not exercise.recorded_by_drill and exercise.exercised_on != drill.held_on:
            exercise.exercised_on = drill.held_on
            exercise.full_clean()
            exercise.save()
    for runbook in used.values():
        exercise = existing.get(runbook.pk) or RunbookExercise(
            runbook=runbook, drill=drill, how=ExerciseHow.DRILL, recorded_by_drill=True)
        if not exercise.recorded_by_drill:
            continue
        before = [getattr(exercise, name) for name in _FROM_DRILL]
        exercise.exercised_on = drill.held_on
        exercise.participants = drill.participants
        exercise.outcome = outcome
        exercise.what_happened = drill.findings.strip() or f"Followed in the drill “{drill.title}”."
        exercise.changes_made = changes_made.strip() if outcome == ExerciseOutcome.CHANGED else ""
        if exercise.pk is None or before != [getattr(exercise, name) for name in _FROM_DRILL]:
            exercise.full_clean()
            exercise.save()
    application_evidence_changed(application_ids=[drill.application_id])
    return drill
