"""The signed-in person's own settings: the timezone pages show times in."""

from __future__ import annotations

from typing import Any

from django import forms

from readiness.forms.mixins import FieldsOnlyMixin
from readiness.models import UserPreference


class PreferenceForm(FieldsOnlyMixin, forms.ModelForm):
    class Meta:
        model = UserPreference
        fields = ["timezone"]
        labels = {"timezone": "Your timezone"}
        help_texts = {"timezone": "An IANA name, e.g. Australia/Melbourne, Australia/Perth, Asia/Manila."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget.attrs.update({"list": "timezones", "autocomplete": "off"})
