"""Forms of runbook exercises: recorded by hand on a runbook's page, or by a drill naming the
runbooks it used. Who, how and what happened are required, each refused beside its field."""

from __future__ import annotations

from typing import Any

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
        if drill is not None and RunbookExercise.objects.filter(runbook=self.instance.runbook, drill=drill).exclude(
                pk=self.instance.pk).exists():
            self.add_error("drill", "This drill already records an exercise of this runbook: edit the drill instead.")
        return data


class RunbooksUsedMixin(forms.ModelForm):
    """The drill form's runbooks used: each records an exercise of that runbook, dated the day
    the drill was held, with the outcome given here (readiness.services.exercises.drill_save)."""

    runbooks_used = forms.ModelMultipleChoiceField(
        queryset=Runbook.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
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
        model_choices(self, "runbooks_used").queryset = Runbook.objects.filter(application=application)
        instance: Drill = self.instance
        if instance.pk and not self.is_bound:
            exercises = list(instance.exercises.all())
            self.initial["runbooks_used"] = [exercise.runbook_id for exercise in exercises]
            if exercises:
                self.initial["runbook_outcome"] = exercises[0].outcome
                self.initial["runbook_changes"] = exercises[0].changes_made

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if not data.get("runbooks_used"):
            return data
        if not data.get("runbook_outcome"):
            self.add_error("runbook_outcome", "Say how the runbooks worked in the drill.")
        elif data["runbook_outcome"] == ExerciseOutcome.CHANGED and not data.get("runbook_changes", "").strip():
            self.add_error("runbook_changes", "Say what was changed in the runbooks.")
        if not any(data.get(f"{role}_attended") for role in ("support", "engineering", "business_owner")):
            self.add_error("runbooks_used", "Tick who took part: an exercise names who used the runbook.")
        return data
