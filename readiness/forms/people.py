"""Forms for teams, people, their week of working hours, leave, and leaving."""

from __future__ import annotations

import zoneinfo
from datetime import time
from typing import Any

from django import forms
from django.utils import timezone

from readiness.forms.mixins import FieldsOnlyMixin, SubmissionKeyMixin, UniqueWhereTypedMixin
from readiness.models import Leave, Person, ReminderChannel, Team
from readiness.models.closures import ClosureDay
from readiness.models.people import Weekday, WorkingHours, overlapping_windows
from readiness.public_holidays import SUGGESTED_REGIONS, normalise_region, region_name
from readiness.validators import validate_date_in_range


class TeamForm(FieldsOnlyMixin, UniqueWhereTypedMixin, forms.ModelForm):
    def clean_region(self) -> str:
        return normalise_region(str(self.cleaned_data.get("region") or ""))

    class Meta:
        model = Team
        fields = ["name", "description", "is_vendor", "region"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}


class PersonForm(FieldsOnlyMixin, UniqueWhereTypedMixin, forms.ModelForm):
    class Meta:
        model = Person
        fields = ["name", "email", "phone", "chat_handle", "reminder_channel", "chat_webhook", "team", "timezone",
                  "region"]
        help_texts = {"timezone": "An IANA name, e.g. Australia/Melbourne, Australia/Sydney, Asia/Manila."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["timezone"].widget.attrs.update({"list": "timezones", "autocomplete": "off"})
        self.fields["region"].widget.attrs.update({"list": "regions", "autocomplete": "off"})
        self.fields["reminder_channel"].required = False  # left out (older scripts, the API): email

    def clean_reminder_channel(self) -> str:
        return str(self.cleaned_data.get("reminder_channel") or ReminderChannel.EMAIL)

    def clean_region(self) -> str:
        # Typed in any case ("au-vic"): the library's codes are capitals.
        return normalise_region(str(self.cleaned_data.get("region") or ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        team = data.get("team")
        if not data.get("region") and team is not None and team.region:
            data["region"] = team.region  # the team's holidays, unless their own are given
        return data

    @staticmethod
    def region_names() -> list[tuple[str, str]]:
        return [(code, region_name(code)) for code in SUGGESTED_REGIONS]

    @staticmethod
    def timezone_names() -> list[str]:
        return sorted(zoneinfo.available_timezones())


class DayHoursForm(forms.Form):
    """One working window of a weekday: both times, or neither. An end at or before the start
    runs past midnight (a night shift 22:00–06:00)."""

    weekday = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, widget=forms.HiddenInput)
    starts_at = forms.TimeField(required=False, label="Starts", widget=forms.TimeInput(attrs={"type": "time"}))
    ends_at = forms.TimeField(required=False, label="Ends", widget=forms.TimeInput(attrs={"type": "time"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Labels name the day, so a message beside a field says which window it is about.
        day = self.day_name
        self.fields["starts_at"].label = f"{day} starts"
        self.fields["ends_at"].label = f"{day} ends"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns; typed as never None
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and not ends:
            self.add_error("ends_at", "Say when this window ends, or clear its start.")
        elif ends and not starts:
            self.add_error("starts_at", "Say when this window starts, or clear its end.")
        elif starts and ends and ends == starts:
            self.add_error("ends_at", "A window must end at another time than it starts "
                                      "(an end before the start runs past midnight, e.g. 22:00–06:00).")
        return data

    @property
    def day_name(self) -> str:
        weekday = self.initial.get("weekday", self.data.get(self.add_prefix("weekday")))
        try:
            return Weekday(int(weekday)).label
        except (TypeError, ValueError):
            return "This day"

    def window(self) -> WorkingHours | None:
        data = getattr(self, "cleaned_data", {})
        starts, ends, weekday = data.get("starts_at"), data.get("ends_at"), data.get("weekday")
        if starts is None or ends is None or weekday is None:
            return None
        return WorkingHours(weekday=weekday, starts_at=starts, ends_at=ends)


# Enough for a split shift every day of the week and a spare window besides.
WINDOWS_MAX = 28


class BaseWeekFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        filled = [(form, window) for form in self.forms if (window := form.window()) is not None]
        for i, j in overlapping_windows([window for _, window in filled]):
            earlier = filled[i][1]
            filled[j][0].add_error(
                "starts_at", f"Overlaps {earlier}: windows of the week must not share time.")

    def hours(self) -> dict[int, list[tuple[time, time]]]:
        """Weekday → its windows in order (none for a day off): what person_save takes."""
        result: dict[int, list[tuple[time, time]]] = {day.value: [] for day in Weekday}
        for form in self.forms:
            window = form.window()
            if window is not None:
                result[window.weekday].append((window.starts_at, window.ends_at))
        return {day: sorted(windows) for day, windows in result.items()}


WeekFormSet = forms.formset_factory(
    DayHoursForm, formset=BaseWeekFormSet, extra=0, min_num=0, max_num=WINDOWS_MAX, validate_max=True,
    absolute_max=WINDOWS_MAX,
)


def week_formset(person: Person | None, data: Any = None) -> Any:
    """Each weekday's windows, then one empty row for that day: a second window, or a first."""
    existing: dict[int, list[WorkingHours]] = {}
    if person and person.pk:
        for hours in sorted(person.working_hours_list(), key=lambda h: (h.weekday, h.starts_at)):
            existing.setdefault(hours.weekday, []).append(hours)
    initial = []
    for day in Weekday:
        for hours in existing.get(day.value, []):
            initial.append({"weekday": day.value, "starts_at": hours.starts_at, "ends_at": hours.ends_at})
        initial.append({"weekday": day.value, "starts_at": None, "ends_at": None})
    return WeekFormSet(data, initial=initial[:WINDOWS_MAX], prefix="hours")


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


class ClosureDayForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = ClosureDay
        fields = ["day", "name"]
        widgets = {"day": forms.DateInput(attrs={"type": "date"})}
        labels = {"day": "Closed on", "name": "Why"}
        error_messages = {"day": {"unique": "The organisation is already closed that day."}}


class MarkLeftForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.Form):
    left_on = forms.DateField(
        label="Left on",
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_date_in_range],
        help_text="From this day they get no more calls.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"left_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
