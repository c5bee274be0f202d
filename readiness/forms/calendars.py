"""The calendar import form: an .ics file read into a plan of leave, previewed before it is written."""

from __future__ import annotations

from typing import Any

from django import forms

from readiness.calendars import MAX_ICS_BYTES, CalendarProblem, LeavePlan, leave_import_plan
from readiness.models import Person


class CalendarImportForm(forms.Form):
    """First sent with a file (`calendar`): read and planned. Then sent with the file's text kept
    in the page (`text`, `fingerprint`) and `confirm`: written exactly as previewed."""

    calendar = forms.FileField(
        required=False, label="Calendar file (.ics)",
        help_text="Exported from Outlook, Google Calendar or an HR system: the person's leave. Repeating "
                  "events are expanded; each event's days are counted on the person's own clock.",
    )
    text = forms.CharField(required=False, widget=forms.HiddenInput, max_length=MAX_ICS_BYTES, strip=False)
    fingerprint = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, person: Person, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.person = person
        self.plan: LeavePlan | None = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("calendar")
        if upload is not None:
            if upload.size > MAX_ICS_BYTES:
                self.add_error("calendar", "The file is over 1 MB: export a shorter period.")
                return data
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("calendar", "This file is not text in UTF-8: is it an .ics file?")
                return data
        if not data.get("text"):
            self.add_error("calendar", "Choose the .ics file to import.")
            return data
        try:
            self.plan = leave_import_plan(data["text"], self.person)
        except CalendarProblem as problem:
            self.add_error("calendar", str(problem))
        return data
