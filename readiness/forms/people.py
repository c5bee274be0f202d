"""Forms for teams, people, their week of working hours, leave, and leaving."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.utils import timezone

from readiness.forms.mixins import FieldsOnlyMixin, SubmissionKeyMixin, UniqueWhereTypedMixin
from readiness.models import Leave, Person, Team
from readiness.models.people import Weekday
from readiness.validators import validate_date_in_range


class TeamForm(FieldsOnlyMixin, UniqueWhereTypedMixin, forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "description", "is_vendor"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class PersonForm(FieldsOnlyMixin, UniqueWhereTypedMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "email", "phone", "chat_handle", "team", "timezone"]
        help_texts = {"timezone": "An IANA name, e.g. Australia/Melbourne, Australia/Sydney, Asia/Manila."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget.attrs.update({"list": "timezones", "autocomplete": "off"})

    @staticmethod
    def timezone_names() -> list[str]:
        return sorted(zoneinfo.available_timezones())


class DayHoursForm(forms.Form):
    """One weekday of a person's week: both times, or neither for a day off."""

    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, widget=forms.HiddenInput)
    starts_at = forms.TimeField(required=False, label="Starts", widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(required=False, label="Ends", widget=forms.TimeInput(attrs={"type": "time"}))

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns; typed as never None
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and not ends:
            self.add_error("ends_at", "Say when the working day ends, or clear the start for a day off.")
        elif ends and not starts:
            self.add_error("starts_at", "Say when the working day starts, or clear the end for a day off.")
        elif starts and ends and ends <= starts:
            self.add_error("ends_at", "Working hours must end after they start (use 23:59 for midnight).")
        return data

    @property
    def day_name(self) -> str:
        weekday = self.initial.get("weekday", self.data.get(self.add_prefix("weekday")))
        return Weekday(int(weekday)).label


class BaseWeekFormSet(forms.BaseFormSet):
    def hours(self) -> dict[int, tuple[Any, Any] | None]:
        result: dict[int, tuple[Any, Any] | None] = {}
        for form in self.forms:
            data = form.cleaned_data
            starts, ends = data.get("starts_at"), data.get("ends_at")
            result[data["weekday"]] = (starts, ends) if starts and ends else None
        return result


WeekFormSet = forms.formset_factory(DayHoursForm, formset=BaseWeekFormSet, extra=0, min_num=7, max_num=7)


def week_formset(person: Person | None, data: Any = None) -> Any:
    existing = {h.weekday: h for h in person.working_hours.all()} if person and person.pk else {}
    initial = []
    for day in Weekday:
        hours = existing.get(day.value)
        initial.append(
            {
                "weekday": day.value,
                "starts_at": hours.starts_at if hours else None,
                "ends_at": hours.ends_at if hours else None,
            }
        )
    return WeekFormSet(data, initial=initial, prefix="hours")


class LeaveForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = Leave
        fields = ["starts_on", "ends_on", "note"]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
        }
        labels = {"starts_on": "First day away", "ends_on": "Last day away"}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "Leave cannot end before it starts.")
        return data


class MarkLeftForm(FieldsOnlyMixin, forms.Form):
    left_on = forms.DateField(
        label="Left on",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_in_range],
        help_text="From this day they get no more calls.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"left_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
