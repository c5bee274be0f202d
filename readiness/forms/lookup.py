"""The "Who do I call?" question, shared by the page and the JSON API so both answer alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from readiness.models import ApiToken, Application, OwnershipRule


class LookupForm(forms.Form):
    application = forms.ModelChoiceField(
        queryset=Application.objects.order_by("name"),
        to_field_name="slug",
        required=False,
        empty_label="All applications",
        error_messages={"invalid_choice": "There is no such application."},
    )
    symptom = forms.CharField(
        required=False,
        max_length=200,
        label="What is happening?",
        help_text="In the user's words, e.g. invoice not syncing.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )
    problem_class = forms.ChoiceField(required=False, label="Or pick a class of problem")
    at = forms.DateTimeField(
        required=False,
        label="At another time",
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = OwnershipRule.objects.order_by("name").values_list("name", flat=True).distinct()
        self.fields["problem_class"].choices = [("", "—"), *[(n, n) for n in names]]
        self.fields["at"].help_text = f"Leave empty for now. In {timezone.get_current_timezone_name()} time."
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_at(self) -> datetime | None:
        value = self.cleaned_data.get("at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("symptom", "").strip() and not data.get("problem_class"):
            self.add_error("symptom", "Describe the symptom, or pick a class of problem.")
        return data

    def moment(self) -> datetime:
        return self.cleaned_data.get("at") or timezone.now()


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["name"]

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_name(self) -> str:
        name = self.cleaned_data["name"]
        if ApiToken.objects.filter(user=self.user, name=name).exists():
            raise forms.ValidationError("You already have a token with this name.")
        return name
