"""Forms of staleness reminders: the contact's "Something changed" form, reachability tests."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from readiness.forms.mixins import FieldsOnlyMixin, SubmissionKeyMixin
from readiness.models import Channel, Person, ReachabilityResult
from readiness.validators import validate_single_line


class ContactChangeForm(FieldsOnlyMixin, forms.ModelForm):
    """What a contact may correct themselves, pre-filled with what Handoff holds. No account needed."""

    note = forms.CharField(
        label="Anything else that changed?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="e.g. new working hours, a different backup, leave coming up, or that you are leaving. "
        "Your delivery lead reads this.",
    )

    class Meta:
        model = Person
        fields = ["name", "phone", "chat_handle", "timezone"]
        labels = {"chat_handle": "Chat handle"}
        help_texts = {"timezone": "An IANA name, e.g. Australia/Melbourne, Australia/Sydney, Asia/Manila."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = "The number to call you on when something breaks."

    def clean_phone(self) -> str:
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if phone and len(digits) < 6:
            raise forms.ValidationError("This does not look like a phone number: it needs at least 6 digits.")
        return phone

    def changed_details(self) -> dict[str, str]:
        return {field: self.cleaned_data[field] for field in self.Meta.fields}


class ReachabilityTestForm(FieldsOnlyMixin, SubmissionKeyMixin, forms.Form):
    channels = forms.MultipleChoiceField(
        label="Channels to test", widget=forms.CheckboxSelectMultiple, choices=Channel.choices,
        help_text="Email sends a message with an acknowledge link; phone and chat are yours to try, then record.",
    )

    def __init__(self, *args: Any, available: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["channels"]).choices = [(c, Channel(c).label) for c in available]
        self.fields["channels"].initial = available


class ReachabilityResultForm(FieldsOnlyMixin, forms.Form):
    result = forms.ChoiceField(
        label="Result",
        choices=[(ReachabilityResult.REACHED, "Reached"), (ReachabilityResult.UNREACHABLE, "Not reached")],
    )
    note = forms.CharField(
        label="Note", required=False, max_length=300, help_text="e.g. answered in 4 minutes",
        validators=[validate_single_line],
    )
