"""Forms of hypercare. They validate; services persist. Errors sit beside the field, in plain words."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from django import forms
from django.utils import timezone

from readiness.forms.mixins import FieldsOnlyMixin, SentenceField, SubmissionKeyMixin, model_choices
from readiness.forms.widgets import DateInput, DateTimeInput
from readiness.models import (
    Application,
    CriterionKind,
    EscalationLevel,
    ExitCriterion,
    Hypercare,
    OwnershipRule,
    ResolvedBy,
    Severity,
)
from readiness.validators import validate_date_in_range, validate_moment_in_range


class HypercarePlanForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = Hypercare
        fields = ["starts_on", "planned_end_on", "rules_in_force"]
        labels = {
            "starts_on": "Starts on (go-live)",
            "planned_end_on": "Planned end",
            "rules_in_force": "Rules in force",
        }
        widgets = {
            "starts_on": DateInput(),
            "planned_end_on": DateInput(),
            "rules_in_force": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"rules_in_force": "One rule per line."}


class ExitCriterionForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = ExitCriterion
        fields = ["name", "description", "kind", "metric", "threshold", "position"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        help_texts = {
            "metric": "For a metric: what Handoff computes from the escalation log and known issues.",
            "threshold": "For a metric: the number to compare against (a count, or a percentage).",
            "position": "Order on the page.",
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == CriterionKind.ATTESTATION and data.get("threshold") is not None:
            self.add_error("threshold", "An attestation has no threshold; leave it empty.")
        return data


class AttestationForm(FieldsOnlyMixin, forms.Form):
    evidence = SentenceField(
        help_text="What shows it is true: a ticket, a report, a meeting note with its date.",
        too_short="Describe the evidence in a sentence, so an auditor can find it.",
    )


class AcceptUnmetForm(FieldsOnlyMixin, forms.Form):
    reason = SentenceField(
        label="Why signing off with this unmet is acceptable",
        too_short="Give the reason in a sentence: it is kept with the sign-off.",
    )


def minutes_to_answer_field() -> forms.IntegerField:
    """How long the called level took to pick up: given when logging, or when resolving an entry
    logged before anyone had answered."""
    return forms.IntegerField(
        min_value=0, max_value=60 * 24, required=False, label="Answered after (minutes)",
        help_text="How long the level it went to (or support, if kept) took to pick up. Leave empty if unknown.",
        error_messages={"min_value": "It cannot be answered before it happened.",
                        "max_value": "A day at most: a level that took longer did not answer."},
    )


def check_answered_by_now(form: forms.Form, occurred_at: datetime | None, minutes: int | None) -> None:
    if occurred_at and minutes is not None and occurred_at + timedelta(minutes=minutes) > timezone.now():
        form.add_error("minutes_to_answer", "That is later than now: give the minutes it took to answer.")


class EscalationForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.Form):
    """Quick enough to fill on a phone mid-incident: sensible defaults, ten fields, one column."""

    occurred_at = forms.DateTimeField(label="When", widget=DateTimeInput(), validators=[validate_moment_in_range])
    severity = forms.TypedChoiceField(choices=Severity.choices, coerce=int, initial=Severity.SEV3)
    problem_class = forms.ModelChoiceField(queryset=OwnershipRule.objects.none(), label="Class of problem")
    from_level = forms.ModelChoiceField(queryset=EscalationLevel.objects.none(), label="From level")
    to_level = forms.ModelChoiceField(
        queryset=EscalationLevel.objects.none(), label="To level", required=False,
        empty_label="Not passed on (support kept it)",
    )
    minutes_to_answer = minutes_to_answer_field()
    resolved_by = forms.ChoiceField(
        choices=[("", "Not resolved yet"), *ResolvedBy.choices], required=False, label="Resolved by"
    )
    minutes_to_resolve = forms.IntegerField(
        min_value=0, max_value=60 * 24 * 60, required=False, label="Time to resolve (minutes)"
    )
    summary = SentenceField(max_length=2000, shortest=5, too_short="Say in a few words what happened.")

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        levels = EscalationLevel.objects.filter(application=application).order_by("position")
        model_choices(self, "problem_class").queryset = OwnershipRule.objects.filter(application=application)
        for name in ("from_level", "to_level"):
            model_choices(self, name).queryset = levels
            model_choices(self, name).label_from_instance = lambda level: f"L{level.position} {level.name}"  # type: ignore[method-assign,assignment]  # per instance
        if not self.is_bound:
            self.initial.setdefault("occurred_at", timezone.localtime().replace(second=0, microsecond=0))
            first = levels.first()
            if first is not None:
                self.initial.setdefault("from_level", first.pk)

    def clean_occurred_at(self) -> Any:
        occurred_at = self.cleaned_data["occurred_at"]
        if occurred_at > timezone.now():
            raise forms.ValidationError("An escalation cannot be logged in the future.")
        return occurred_at

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("from_level") and data.get("from_level") == data.get("to_level"):
            self.add_error("to_level", "An escalation goes to a different level than the one it came from.")
        resolved_by, minutes = data.get("resolved_by"), data.get("minutes_to_resolve")
        if resolved_by and minutes is None and "minutes_to_resolve" not in self.errors:
            self.add_error("minutes_to_resolve", "Give the time it took to resolve.")
        if minutes is not None and not resolved_by:
            self.add_error("resolved_by", "Say who resolved it, or leave the time empty while it is open.")
        check_answered_by_now(self, data.get("occurred_at"), data.get("minutes_to_answer"))
        return data

    def log_arguments(self) -> dict[str, Any]:
        """The valid form as services.hypercare.escalation_log's arguments (the page's and the API's)."""
        data = self.cleaned_data
        return {
            "occurred_at": data["occurred_at"], "severity": data["severity"],
            "problem_class_id": data["problem_class"].pk, "from_level_id": data["from_level"].pk,
            "to_level_id": data["to_level"].pk if data["to_level"] else None, "resolved_by": data["resolved_by"],
            "minutes_to_resolve": data["minutes_to_resolve"], "minutes_to_answer": data.get("minutes_to_answer"),
            "summary": data["summary"],
        }


class EscalationResolveForm(FieldsOnlyMixin, forms.Form):
    resolved_by = forms.ChoiceField(choices=ResolvedBy.choices, label="Resolved by")
    resolved_at = forms.DateTimeField(
        label="Resolved at", widget=DateTimeInput(), validators=[validate_moment_in_range]
    )
    minutes_to_answer = minutes_to_answer_field()

    def __init__(self, *args: Any, escalation: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.escalation = escalation
        if escalation.answered_at is not None:
            del self.fields["minutes_to_answer"]  # recorded when it was logged
        if not self.is_bound:
            self.initial.setdefault("resolved_at", timezone.localtime().replace(second=0, microsecond=0))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns; typed as never None
        check_answered_by_now(self, self.escalation.occurred_at, data.get("minutes_to_answer"))
        return data

    def clean_resolved_at(self) -> Any:
        resolved_at = self.cleaned_data["resolved_at"]
        if resolved_at > timezone.now():
            raise forms.ValidationError("It cannot be resolved in the future.")
        if resolved_at < self.escalation.occurred_at:
            occurred = timezone.localtime(self.escalation.occurred_at)
            raise forms.ValidationError(f"It cannot be resolved before it happened ({occurred:%d %b %H:%M}).")
        return resolved_at


class EscalationFilterForm(forms.Form):
    severity = forms.TypedChoiceField(choices=[("", "Any"), *Severity.choices], coerce=int, required=False,
                                      empty_value=None)
    problem_class = forms.ModelChoiceField(queryset=OwnershipRule.objects.none(), required=False,
                                           label="Class of problem", empty_label="Any")
    resolved_by = forms.ChoiceField(choices=[("", "Any"), ("open", "Still open"), *ResolvedBy.choices],
                                    required=False)
    since = forms.DateField(required=False, widget=DateInput(), label="From", validators=[validate_date_in_range])
    until = forms.DateField(required=False, widget=DateInput(), label="To", validators=[validate_date_in_range])

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choices(self, "problem_class").queryset = OwnershipRule.objects.filter(application=application)
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns; typed as never None
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return data


class ExtensionForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.Form):
    new_end_on = forms.DateField(label="New end date", widget=DateInput(), validators=[validate_date_in_range])
    reason = SentenceField(
        help_text="e.g. the ERP integration still fails weekly; support has not run a cycle alone.",
        too_short="Give the reason in a sentence: why is hypercare still needed?",
    )

    def __init__(self, *args: Any, hypercare: Hypercare, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.hypercare = hypercare
        self.today = today

    def clean_new_end_on(self) -> date:
        new_end_on = self.cleaned_data["new_end_on"]
        current = self.hypercare.current_end_on
        if new_end_on <= max(current, self.today):
            raise forms.ValidationError(f"Choose a date after {max(current, self.today):%d %b %Y}.")
        if (new_end_on - max(current, self.today)).days > 28:
            raise forms.ValidationError("Extend by at most four weeks at a time, then decide again.")
        return new_end_on


class SignOffForm(FieldsOnlyMixin, forms.Form):
    statement = forms.CharField(
        required=False,
        label="Anything to add (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    confirm = forms.BooleanField(
        label="I have reviewed every exit criterion above and sign off the end of hypercare.",
        error_messages={"required": "Tick the box to confirm you reviewed the criteria."},
    )
