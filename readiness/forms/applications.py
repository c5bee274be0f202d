from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from readiness.forms.artefacts import DateInput
from readiness.models import Application


class ApplicationForm(forms.ModelForm):
    class Meta:
        model = Application
        fields = [
            "name", "slug", "description", "current_release", "go_live_date", "stage", "delivery_lead",
            "business_owner", "support_lead", "members",
        ]
        widgets = {"go_live_date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"slug": "Short name used in addresses, e.g. ordering-portal."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        users = get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")
        for name in ["delivery_lead", "business_owner", "support_lead", "members"]:
            self.fields[name].queryset = users
            self.fields[name].label_from_instance = lambda u: u.get_full_name() or u.get_username()

    def clean_name(self) -> str:
        # Beside the field, not above the form: the database constraint compares names ignoring
        # case ("Who do I call?" finds applications by name typed in any case).
        name = self.cleaned_data["name"]
        if Application.objects.filter(name__iexact=name).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("There is already an application with this name (in another case).")
        return name
