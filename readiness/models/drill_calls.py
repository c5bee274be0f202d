"""Which levels a drill called, and how long each took to answer: the drill's half of the
measured time-to-answer per level (readiness/answer_times.py; the escalation log is the other)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from simple_history.models import HistoricalRecords

from .artefacts import Drill
from .escalation import EscalationLevel

# A day: a level that took longer did not answer the drill, whatever the clock says.
MAX_ANSWER_MINUTES = 24 * 60


class DrillCall(models.Model):
    """One level called during a drill: answered after so many minutes, or not answered.

    One row a level a drill (recording it again corrects it). A drill's own `answer_minutes`
    stays the slowest contact's time, its summary; these rows are the measurement per level.
    """

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="calls")
    level = models.ForeignKey(EscalationLevel, on_delete=models.PROTECT, related_name="drill_calls")
    answered = models.BooleanField("Answered", default=True)
    answer_minutes = models.PositiveIntegerField(
        "Minutes to answer",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_ANSWER_MINUTES)],
        help_text="From the call to a person on the level picking up.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["drill_id", "level_id"]
        constraints = [
            models.UniqueConstraint(fields=["drill", "level"], name="readiness_drillcall_one_per_level"),
            models.CheckConstraint(
                condition=models.Q(answered=True, answer_minutes__isnull=False, answer_minutes__lte=MAX_ANSWER_MINUTES)
                | models.Q(answered=False, answer_minutes__isnull=True),
                name="readiness_drillcall_minutes_when_answered",
            ),
        ]

    def __str__(self) -> str:
        level = f"L{self.level.position} {self.level.name}" if self.level_id else "a level"
        return f"{level}: answered in {self.answer_minutes} min" if self.answered else f"{level}: not answered"

    def clean(self) -> None:
        if self.level_id and self.drill_id and self.level.application_id != self.drill.application_id:
            raise ValidationError({"level": "Choose one of this application's own levels."})
        if self.answered and self.answer_minutes is None:
            raise ValidationError({"answer_minutes": "Give the minutes it took to answer."})
        if not self.answered and self.answer_minutes is not None:
            raise ValidationError({"answer_minutes": "A call nobody answered has no time to answer: leave it empty."})
