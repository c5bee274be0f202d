"""Forms of the readiness artefacts. Model rules (Model.clean) run on validation, so their
errors land beside the field they are about; nothing is saved until the form is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from readiness.forms.exercises import RunbooksUsedMixin
from readiness.forms.mixins import SubmissionKeyMixin, UniqueWhereTypedMixin, model_choices
from readiness.forms.widgets import DateInput, DateTimeInput
from readiness.models import (
    AccessCheck,
    AlertCheck,
    AlertVerification,
    Application,
    DecisionRecord,
    Drill,
    DrillAction,
    DrillCall,
    EscalationLevel,
    KnownIssue,
    Person,
    Runbook,
    UnmatchedAlert,
)


def _people() -> Any:
    return Person.objects.current().select_related("team")


class ArtefactForm(UniqueWhereTypedMixin, forms.ModelForm):
    """Binds an artefact to its application; person and level choices are limited to what fits."""

    unique_scope = ("application",)

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.instance.application = application
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField) and field.queryset is not None \
                    and field.queryset.model is Person:
                field.queryset = _people()
            if name == "escalation_level":
                model_choices(self, name).queryset = EscalationLevel.objects.filter(application=application)
            if isinstance(field, forms.DateField) and not isinstance(field.widget, DateInput):
                field.widget = DateInput()


class RunbookForm(ArtefactForm):
    class Meta:
        model = Runbook
        fields = [
            "title", "symptom", "normal_looks_like", "problem_signs", "steps", "escalation_level", "is_critical",
            "last_reviewed_on",
        ]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ["symptom", "normal_looks_like", "problem_signs"]}


class AlertCheckForm(ArtefactForm):
    class Meta:
        model = AlertCheck
        fields = ["signal", "threshold", "user_impact", "owner", "dashboard_url", "alert_name", "alert_labels"]
        widgets = {"user_impact": forms.Textarea(attrs={"rows": 3}), "alert_labels": forms.Textarea(attrs={"rows": 2})}


class AlertVerificationForm(SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = AlertVerification
        fields = ["verified_at", "verified_by", "evidence", "evidence_url"]
        widgets = {"verified_at": DateTimeInput(), "evidence": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, alert: AlertCheck, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.alert = alert
        model_choices(self, "verified_by").queryset = _people()
        self.fields["verified_by"].label = "Seen by"
        # Only a webhook's verification names no person (the system that sent it instead).
        self.fields["verified_by"].required = True

    def clean_verified_at(self) -> Any:
        value = self.cleaned_data["verified_at"]
        if value and value > timezone.now():
            raise forms.ValidationError("A firing cannot be recorded in the future.")
        return value


class AccessCheckForm(ArtefactForm):
    class Meta:
        model = AccessCheck
        fields = ["kind", "description", "verified_by", "verified_on"]


class KnownIssueForm(ArtefactForm):
    class Meta:
        model = KnownIssue
        fields = ["title", "release", "symptom", "workaround", "support_script", "owner", "status"]
        widgets = {f: forms.Textarea(attrs={"rows": 3}) for f in ["symptom", "workaround", "support_script"]}


class DrillForm(RunbooksUsedMixin, ArtefactForm):
    class Meta:
        model = Drill
        fields = [
            "scenario", "title", "held_on", "after_hours", "support_attended", "engineering_attended",
            "business_owner_attended", "contacts_answered", "answer_minutes", "findings",
        ]
        widgets = {"findings": forms.Textarea(attrs={"rows": 4})}


class DrillActionForm(SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = DrillAction
        fields = ["description", "owner"]

    def __init__(self, *args: Any, drill: Drill, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.drill = drill
        model_choices(self, "owner").queryset = _people()


class DrillCallForm(SubmissionKeyMixin, forms.ModelForm):
    """One level called in the drill. Recording a level again corrects its row (the service
    updates it), so the one-row-a-level constraint is not an error here."""

    class Meta:
        model = DrillCall
        fields = ["level", "answered", "answer_minutes"]
        labels = {"answered": "Someone on the level answered"}

    def __init__(self, *args: Any, drill: Drill, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.drill = drill
        levels = model_choices(self, "level")
        levels.queryset = EscalationLevel.objects.filter(application_id=drill.application_id).order_by("position")
        levels.label_from_instance = lambda level: f"L{level.position} {level.name}"  # type: ignore[method-assign,assignment]  # per instance

    def validate_unique(self) -> None:
        """Recording a level again replaces its answer (readiness.services.artefacts.drill_call_record)."""

    def _update_errors(self, errors: ValidationError) -> None:
        # Minutes the field itself refused (-1, 1441) are reported once, by the field: the model's
        # rule then sees no minutes and would add "give the minutes" beside them.
        if "answer_minutes" in self.errors and hasattr(errors, "error_dict"):
            errors.error_dict.pop("answer_minutes", None)
        super()._update_errors(errors)  # type: ignore[misc]


class DecisionRecordForm(ArtefactForm):
    class Meta:
        model = DecisionRecord
        fields = [
            "title", "is_key", "status", "superseded_by", "decided_on", "context", "decision", "alternatives",
            "constraints", "edge_cases", "what_failed",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in ["context", "decision", "alternatives", "constraints", "edge_cases", "what_failed"]
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        others = DecisionRecord.objects.filter(application=self.application)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.pk)
        model_choices(self, "superseded_by").queryset = others


class UnmatchedAlertMapForm(SubmissionKeyMixin, forms.Form):
    """Map an alert no check matched to one of the application's alert checks."""

    unmatched = forms.ModelChoiceField(queryset=UnmatchedAlert.objects.none(), widget=forms.HiddenInput,
                                       error_messages={"invalid_choice": "This alert was mapped to a check already."})
    alert = forms.ModelChoiceField(queryset=AlertCheck.objects.none(), label="Alert check",
                                   empty_label="Pick the check it proves")

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "unmatched").queryset = UnmatchedAlert.objects.filter(application=application)
        model_choices(self, "alert").queryset = AlertCheck.objects.filter(application=application).order_by("signal")
