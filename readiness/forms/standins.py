"""The form arranging a stand-in for a role of a level."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from readiness.forms.escalation import PersonChoiceField
from readiness.forms.mixins import FieldsOnlyMixin, SubmissionKeyMixin, model_choices
from readiness.forms.widgets import DateTimeInput
from readiness.models import EscalationLevel, Person, StandIn


class StandInForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = StandIn
        fields = ["role", "person", "starts_at", "ends_at", "reason"]
        field_classes = {"person": PersonChoiceField}
        widgets = {"starts_at": DateTimeInput(), "ends_at": DateTimeInput()}
        help_texts = {
            "role": "The role they take over on this level for the period.",
            "person": "Called in that role for the period, on their own working hours, leave and holidays.",
            "starts_at": "In your timezone (shown in the menu; change it under Your timezone).",
        }
        error_messages = {
            "person": {"required": "Name the person who stands in."},
            "reason": {"required": "Say why, in a line: the analyst reads it with the answer."},
        }

    def __init__(self, *args: Any, level: EscalationLevel, roles: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.level = level
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = roles
        # People still here; someone who leaves later is flagged on the path and in the answer.
        model_choices(self, "person").queryset = Person.objects.current().select_related("team")

    def clean_ends_at(self) -> Any:
        ends_at = self.cleaned_data.get("ends_at")
        if ends_at is not None and ends_at <= timezone.now():
            raise forms.ValidationError("That time has passed: a stand-in must end in the future.")
        return ends_at
