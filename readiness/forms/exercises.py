"""Forms of runbook exercises: recorded by hand on a runbook's page, or by a drill naming the
runbooks it used. Who, how and what happened are required, each refused beside its field."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils import timezone

from readiness.forms.mixins import SentenceField, SubmissionKeyMixin, model_choices
from readiness.forms.widgets import DateInput
from readiness.models import Drill, Escalation, ExerciseOutcome, Person, Runbook, RunbookExercise
from readiness.validators import validate_no_nul, validate_text_length

HOW_REQUIRED = "Say how it was exercised: in a drill, in a real incident or as a walk-through."
OUTCOME_REQUIRED = "Say how it went: worked as written, worked with changes, or failed."
WHAT_HAPPENED = "Say what was done and what was seen, in a sentence or two."


class EntryChoiceField(forms.ModelChoiceField):
    """An escalation-log entry named in the viewer's time zone (its str() shows the stored UTC moment)."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{timezone.localtime(obj.occurred_at):%d %b %Y %H:%M}, severity {obj.severity}: {obj.summary[:60]}"


class RunbookExerciseForm(SubmissionKeyMixin, forms.ModelForm):
    what_happened = SentenceField(
        label="What happened",
        too_short=WHAT_HAPPENED,
        error_messages={"required": WHAT_HAPPENED},
        help_text="What was done and what was seen.",
    )

    class Meta:
        model = RunbookExercise
        fields = [
            "exercised_on",
            "how",
            "exercised_by",
            "participants",
            "drill",
            "escalation",
            "outcome",
            "what_happened",
            "changes_made",
        ]
        widgets = {"exercised_on": DateInput(), "changes_made": forms.Textarea(attrs={"rows": 3})}
        field_classes = {"escalation": EntryChoiceField}
        error_messages = {
            "exercised_on": {"required": "Say when the runbook was exercised."},
            "how": {"required": HOW_REQUIRED},
            "outcome": {"required": OUTCOME_REQUIRED},
        }

    def __init__(self, *args: Any, runbook: Runbook, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.runbook = runbook
        application = runbook.application_id
        model_choices(self, "exercised_by").queryset = Person.objects.current().select_related("team")
        model_choices(self, "drill").queryset = Drill.objects.filter(application_id=application)
        model_choices(self, "escalation").queryset = Escalation.objects.filter(application_id=application)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        # One exercise of a runbook per drill (readiness_runbookexercise_one_per_drill): the runbook
        # is no field here, so the form's own unique check does not see it.
        drill = data.get("drill")
        recorded = drill and RunbookExercise.objects.filter(runbook=self.instance.runbook, drill=drill).exclude(
            pk=self.instance.pk).first()
        if recorded:
            self.add_error("drill", "This drill already records an exercise of this runbook: edit the drill instead."
                           if recorded.recorded_by_drill else
                           f"An exercise of this runbook in this drill was already recorded by hand "
                           f"({recorded.exercised_on:%d %b %Y}).")
        return data


class RunbookCheckboxes(forms.CheckboxSelectMultiple):
    """Runbook checkboxes, those in `kept` shown ticked and disabled: the drill's form does not own
    their exercise (one recorded by hand), so ticking or unticking them would change nothing."""

    kept: frozenset[int] = frozenset()

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        if option["value"] in self.kept:
            option["attrs"].update(checked=True, disabled=True)
        return option


class RunbooksUsedField(forms.ModelMultipleChoiceField):
    """The runbooks a drill used; one whose exercise in this drill was recorded by hand says so
    beside its box (readiness.services.exercises.drill_save leaves that exercise as recorded)."""

    widget = RunbookCheckboxes

    def keep(self, by_hand: dict[int, RunbookExercise]) -> None:
        self.by_hand = by_hand
        cast(RunbookCheckboxes, self.widget).kept = frozenset(by_hand)

    def label_from_instance(self, obj: Any) -> str:
        exercise = getattr(self, "by_hand", {}).get(obj.pk)
        if exercise is None:
            return str(obj)
        return (f"{obj} — its exercise in this drill was recorded by hand ({exercise.exercised_on:%d %b %Y}: "
                f"{exercise.get_outcome_display().lower()}) and is kept as recorded, its day moving with the drill's")


class RunbooksUsedMixin(forms.ModelForm):
    """The drill form's runbooks used: each records an exercise of that runbook, dated the day
    the drill was held, with the outcome given here (readiness.services.exercises.drill_save)."""

    runbooks_used = RunbooksUsedField(
        queryset=Runbook.objects.none(),
        required=False,
        help_text="Each runbook ticked is recorded as exercised in this drill.",
    )
    runbook_outcome = forms.ChoiceField(
        label="How the runbooks worked",
        required=False,
        choices=[("", "—"), *ExerciseOutcome.choices],
    )
    runbook_changes = forms.CharField(
        label="What changed in the runbooks",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        validators=[validate_no_nul, validate_text_length],
    )

    def __init__(self, *args: Any, application: Any, **kwargs: Any) -> None:
        super().__init__(*args, application=application, **kwargs)  # type: ignore[call-arg]  # ArtefactForm
        field = cast(RunbooksUsedField, self.fields["runbooks_used"])
        field.queryset = Runbook.objects.filter(application=application)
        instance: Drill = self.instance
        exercises = list(instance.exercises.select_related("runbook", "exercised_by")) if instance.pk else []
        self.by_hand = {exercise.runbook_id: exercise for exercise in exercises if not exercise.recorded_by_drill}
        field.keep(self.by_hand)
        own = [exercise for exercise in exercises if exercise.recorded_by_drill]
        if own and not self.is_bound:
            self.initial["runbooks_used"] = [exercise.runbook_id for exercise in own]
            self.initial["runbook_outcome"] = own[0].outcome
            self.initial["runbook_changes"] = own[0].changes_made

    def _check_moved_exercises(self, held_on: Any) -> None:
        # An exercise recorded by hand in this drill moves to the drill's new day (drill_save):
        # refused here, beside the date, when whoever led it had left by then.
        for exercise in self.by_hand.values():
            leader = exercise.exercised_by
            if held_on and held_on != exercise.exercised_on and leader is not None and leader.has_left(held_on):
                self.add_error("held_on", f"{leader} had left by {held_on:%d %b %Y}, and led the exercise of "
                                          f"“{exercise.runbook}” in this drill (recorded by hand, its day is "
                                          "the drill's).")

    def clean_runbooks_used(self) -> Any:
        # A runbook recorded by hand for this drill is not the form's to record (its box is disabled).
        return self.cleaned_data["runbooks_used"].exclude(pk__in=self.by_hand)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        self._check_moved_exercises(data.get("held_on"))
        if not data.get("runbooks_used"):
            return data
        if not data.get("runbook_outcome"):
            self.add_error("runbook_outcome", "Say how the runbooks worked in the drill.")
        elif data["runbook_outcome"] == ExerciseOutcome.CHANGED and not data.get("runbook_changes", "").strip():
            self.add_error("runbook_changes", "Say what was changed in the runbooks.")
        if not any(data.get(f"{role}_attended") for role in ("support", "engineering", "business_owner")):
            self.add_error("runbooks_used", "Tick who took part: an exercise names who used the runbook.")
        return data
