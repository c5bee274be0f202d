"""The two forms of an import page: the file to preview, then the confirmation of that preview."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from readiness.forms.mixins import SubmissionKeyMixin
from readiness.imports.plan import IMPORT_MAX_BYTES, too_large

NOT_TEXT = "The file is not text in UTF-8; save it as UTF-8 and try again."


def normal_lines(text: str) -> str:
    """One line break, whatever system wrote the file: what the preview read is what is imported."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


class ImportUploadForm(forms.Form):
    file = forms.FileField(required=False, label="File")
    text = forms.CharField(
        required=False,
        label="Or paste its content",
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )

    def clean_file(self) -> str:
        upload = self.cleaned_data.get("file")
        if upload is None:
            return ""
        if upload.size is not None and upload.size > IMPORT_MAX_BYTES:
            raise ValidationError(too_large("x" * (IMPORT_MAX_BYTES + 1)))
        try:
            return normal_lines(upload.read(IMPORT_MAX_BYTES + 1).decode("utf-8-sig"))
        except UnicodeDecodeError as error:
            raise ValidationError(NOT_TEXT) from error

    def clean_text(self) -> str:
        text = normal_lines(self.cleaned_data.get("text") or "")
        problem = too_large(text)
        if problem:
            raise ValidationError(problem)
        return text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("file") or "").strip() and not (data.get("text") or "").strip() and not self.errors:
            self.add_error("file", "Choose a file, or paste its content below.")
        return data

    @property
    def source(self) -> str:
        return self.cleaned_data.get("file") or self.cleaned_data.get("text") or ""


class ImportConfirmForm(SubmissionKeyMixin, forms.Form):
    """Carries the file previewed (base64: no browser rewrites its line breaks or spaces) and the
    fingerprint of the preview; the import is refused if the plan is no longer that one."""

    content = forms.CharField(widget=forms.HiddenInput, max_length=2 * IMPORT_MAX_BYTES)
    fingerprint = forms.RegexField(regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput)

    @classmethod
    def for_plan(cls, source: str, fingerprint: str) -> ImportConfirmForm:
        encoded = base64.b64encode(source.encode("utf-8")).decode("ascii")
        return cls(initial={"content": encoded, "fingerprint": fingerprint})

    def clean_content(self) -> str:
        try:
            return base64.b64decode(self.cleaned_data["content"], validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise ValidationError("The preview sent back is damaged; upload the file again.") from error
