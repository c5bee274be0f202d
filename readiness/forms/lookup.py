"""The "Who do I call?" question, shared by the page and the JSON API so both answer alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone

from readiness.forms.widgets import QuickSelect
from readiness.models import ApiToken, Application, OwnershipRule


def _application_choices() -> list[tuple[str, str]]:
    return [("", "All applications"), *Application.objects.order_by("name").values_list("slug", "name")]


def _problem_class_choices() -> list[tuple[str, str]]:
    names = OwnershipRule.objects.order_by("name").values_list("name", flat=True).distinct()
    return [("", "—"), *[(name, name) for name in names]]


class LookupForm(forms.Form):
    # Slugs and names only, not model instances: the list holds every application in the
    # organisation, and this page must answer mid-incident. clean_application fetches the one.
    application = forms.CharField(required=False, widget=QuickSelect)
    symptom = forms.CharField(
        required=False,
        max_length=200,
        label="What is happening?",
        help_text="In the user's words, e.g. invoice not syncing.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )
    problem_class = forms.CharField(required=False, label="Or pick a class of problem", widget=QuickSelect)
    at = forms.DateTimeField(
        required=False,
        label="At another time",
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A callable, so the list is only queried when the page renders it (not for the API).
        self.fields["application"].widget.choices = _application_choices
        self.fields["problem_class"].widget.choices = _problem_class_choices
        self.fields["at"].help_text = f"Leave empty for now. In {timezone.get_current_timezone_name()} time."
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_application(self) -> Application | None:
        slug = self.cleaned_data.get("application")
        if not slug:
            return None
        application = Application.objects.filter(slug=slug).first()
        if application is None:  # deleted between rendering the list and asking
            raise forms.ValidationError("There is no such application.")
        return application

    def clean_problem_class(self) -> str:
        name = self.cleaned_data.get("problem_class", "")
        if name and not OwnershipRule.objects.filter(name=name).exists():
            raise forms.ValidationError("There is no such class of problem.")
        return name

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
