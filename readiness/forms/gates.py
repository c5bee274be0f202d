from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from readiness.forms.mixins import SubmissionKeyMixin
from readiness.forms.widgets import DateInput
from readiness.models import GateWaiver


class GateWaiverForm(SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = GateWaiver
        fields = ["gate", "reason", "expires_on"]
        widgets = {"expires_on": DateInput(), "reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].error_messages["required"] = "Give the reason the gate can be waived."
        self.fields["expires_on"].error_messages["required"] = "Give the date the waiver lapses."
        # The bounds themselves are GateWaiver.clean()'s, so the service checks the same.
        self.fields["expires_on"].help_text = f"At most {settings.WAIVER_MAX_DAYS} days from today."


class WaiverRevokeForm(SubmissionKeyMixin, forms.ModelForm):
    class Meta:
        model = GateWaiver
        fields = ["revoke_reason"]
        labels = {"revoke_reason": "Why revoke it?"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["revoke_reason"].required = True
        self.fields["revoke_reason"].error_messages["required"] = "Say why the waiver is revoked."
