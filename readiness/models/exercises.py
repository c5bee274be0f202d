"""Runbook exercises: the evidence that a runbook was used and what happened (issue 15).

A date typed into a runbook said nothing about who used it, how, or whether it worked; an
exercise names all of that, and links the drill or the escalation-log entry it came from.
The runbook gate counts exercises only (readiness/gates/rules.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

from readiness.validators import in_range

from .artefacts import Drill, Runbook
from .hypercare import Escalation
from .people import Person


class ExerciseHow(models.TextChoices):
    DRILL = "drill", "In a drill"
    INCIDENT = "incident", "In a real incident"
    WALK_THROUGH = "walk_through", "Walk-through"


class ExerciseOutcome(models.TextChoices):
    WORKED = "worked", "Worked as written"
    CHANGED = "changed", "Worked with changes"
    FAILED = "failed", "Failed"


class RunbookExercise(models.Model):
    """One use of a runbook: who, when, how, what happened and what changed in it."""

    runbook = models.ForeignKey(Runbook, on_delete=models.CASCADE, related_name="exercises")
    exercised_on = models.DateField("Exercised on")
    exercised_by = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runbook_exercises",
        verbose_name="Led by",
        help_text="The person who followed the runbook.",
    )
    participants = models.CharField(
        "Who took part",
        max_length=200,
        blank=True,
        help_text="Names or roles, e.g. Support and the ERP team. Needed when nobody above is picked.",
    )
    how = models.CharField("How", max_length=20, choices=ExerciseHow.choices)
    drill = models.ForeignKey(
        Drill,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exercises",
        help_text="The drill it was used in, when it was a drill.",
    )
    # Who owns the row: the drill's form (readiness.services.exercises.drill_save), which moves,
    # rewrites and removes it with each edit of the drill, or whoever recorded it by hand on the
    # runbook's page, whose evidence no edit of the drill touches even when it links the drill.
    recorded_by_drill = models.BooleanField("Recorded from the drill's form", default=False, editable=False)
    escalation = models.ForeignKey(
        Escalation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="runbook_exercises",
        verbose_name="Escalation-log entry",
        help_text="The incident it was used in, when it was logged.",
    )
    outcome = models.CharField(max_length=20, choices=ExerciseOutcome.choices)
    what_happened = models.TextField("What happened", help_text="What was done and what was seen.")
    changes_made = models.TextField(
        "What changed in the runbook", blank=True, help_text="Needed when it worked with changes."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-exercised_on", "-pk"]
        # The runbook gate and the runbook pages read each runbook's exercises newest first.
        indexes = [models.Index(fields=["runbook", "-exercised_on"], name="readiness_runbookex_latest")]
        constraints = [
            in_range("runbookexercise", "exercised_on"),
            models.CheckConstraint(
                condition=models.Q(exercised_by__isnull=False) | ~models.Q(participants=""),
                name="readiness_runbookexercise_who_named",
            ),
            models.CheckConstraint(
                condition=models.Q(how__in=ExerciseHow.values), name="readiness_runbookexercise_how_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=ExerciseOutcome.values), name="readiness_runbookexercise_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(what_happened=""), name="readiness_runbookexercise_what_happened_given"
            ),
            models.CheckConstraint(
                condition=~models.Q(outcome=ExerciseOutcome.CHANGED) | ~models.Q(changes_made=""),
                name="readiness_runbookexercise_changes_when_changed",
            ),
            models.CheckConstraint(
                condition=models.Q(drill__isnull=True) | models.Q(how=ExerciseHow.DRILL),
                name="readiness_runbookexercise_drill_only_for_drills",
            ),
            models.CheckConstraint(
                condition=models.Q(escalation__isnull=True) | models.Q(how=ExerciseHow.INCIDENT),
                name="readiness_runbookexercise_escalation_only_for_incidents",
            ),
            models.CheckConstraint(
                condition=models.Q(recorded_by_drill=False) | models.Q(drill__isnull=False),
                name="readiness_runbookexercise_drill_recorded_names_drill",
            ),
            # One exercise of a runbook per drill, by hand or from the drill's form (drill_save
            # updates its own in place and leaves one recorded by hand alone).
            models.UniqueConstraint(fields=["runbook", "drill"], name="readiness_runbookexercise_one_per_drill"),
        ]

    def __str__(self) -> str:
        return f"{self.runbook} exercised {self.exercised_on:%d %b %Y}" if self.exercised_on else str(self.runbook)

    @property
    def who(self) -> str:
        """Who exercised it, in words: the person leading, then whoever else took part."""
        return ", ".join(str(part) for part in (self.exercised_by, self.participants) if part)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if not self.exercised_by_id and not self.participants.strip():
            errors["exercised_by"] = "Say who exercised the runbook: pick a person or name who took part."
        if self.outcome == ExerciseOutcome.CHANGED and not self.changes_made.strip():
            errors["changes_made"] = "Say what was changed in the runbook."
        if self.exercised_on and self.exercised_on > timezone.localdate():
            errors["exercised_on"] = "Record an exercise once it has happened; this date is in the future."
        errors.update(self._link_errors())
        person = self.exercised_by if self.exercised_by_id else None
        if person is not None and self.exercised_on and person.has_left(self.exercised_on):
            errors.setdefault("exercised_by", f"{person} had left by then.")
        if errors:
            raise ValidationError(errors)

    def _link_errors(self) -> dict[str, str]:
        """The drill or escalation-log entry: only for that kind of exercise, of the runbook's
        own application, and on the day it happened."""
        errors: dict[str, str] = {}
        application_id = self.runbook.application_id if self.runbook_id else None
        drill = self.drill if self.drill_id else None
        escalation = self.escalation if self.escalation_id else None
        if drill is not None:
            if self.how != ExerciseHow.DRILL:
                errors["drill"] = "Link a drill only to an exercise held in a drill."
            elif drill.application_id != application_id:
                errors["drill"] = "Pick a drill of this runbook's application."
            elif self.exercised_on and self.exercised_on != drill.held_on:
                errors["exercised_on"] = f"The drill was held on {drill.held_on:%d %b %Y}."
        if escalation is not None:
            if self.how != ExerciseHow.INCIDENT:
                errors["escalation"] = "Link an escalation-log entry only to a real incident."
            elif escalation.application_id != application_id:
                errors["escalation"] = "Pick an entry of this runbook's application's escalation log."
            elif self.exercised_on and self.exercised_on < timezone.localdate(escalation.occurred_at):
                errors["exercised_on"] = "The runbook cannot have been used before the incident happened."
        return errors
