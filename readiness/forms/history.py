"""The history page's one form: the date to show the state at."""

from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.utils import timezone


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label="Show the state at the end of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date as year-month-day, e.g. 2026-03-31."},
    )

    def clean_as_of(self) -> date | None:
        value = self.cleaned_data["as_of"]
        if value and value > timezone.localdate():
            raise forms.ValidationError("Choose today or a date in the past.")
        return value

    @property
    def moment(self) -> datetime | None:
        """The end of the chosen day on the local clock; None when no valid date was chosen."""
        if not self.is_valid() or not self.cleaned_data["as_of"]:
            return None
        return timezone.make_aware(datetime.combine(self.cleaned_data["as_of"], time.max))
