"""What forms share: crispy drawing the fields only, a one-time submission key, uniqueness
checked where the user types, and free text that must say something."""

from __future__ import annotations

import uuid
from typing import Any, cast

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import F, UniqueConstraint

from readiness.submissions import KEY_FIELD
from readiness.validators import TEXT_MAX_LENGTH


def model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's model-choice field `name`, to narrow its choices (`form.fields` holds plain Fields)."""
    return cast(forms.ModelChoiceField, form.fields[name])


class SentenceField(forms.CharField):
    """A text box that must say something: at least `shortest` characters once trimmed, else
    `too_short` beside it (evidence, a reason kept with a sign-off, what happened)."""

    def __init__(self, *, too_short: str, shortest: int = 10, max_length: int = TEXT_MAX_LENGTH, **kwargs: Any) -> None:
        super().__init__(widget=forms.Textarea(attrs={"rows": 3}), max_length=max_length, **kwargs)
        self.too_short, self.shortest = too_short, shortest

    def clean(self, value: Any) -> str:
        text: str = super().clean(value)
        if len(text) < self.shortest:
            raise ValidationError(self.too_short)
        return text


class FieldsOnlyMixin:
    """`{% crispy form %}` draws the fields only: each template writes its own <form> tag,
    token and buttons."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class SubmissionKeyMixin:
    """A hidden one-time key, fresh each time the form is drawn, so a double-click does the work
    once (readiness.submissions.once_per_submission reads it; the form only carries it)."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields[KEY_FIELD] = forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)

    def clean(self) -> dict[str, Any]:
        # Not data of the form: views pass cleaned_data on to services as keyword arguments.
        data = super().clean()  # type: ignore[misc]
        data.pop(KEY_FIELD, None)
        return data


def _field_names(expression: Any) -> set[str]:
    if isinstance(expression, F):
        return {expression.name}  # type: ignore[attr-defined]  # django-stubs leaves out F.name
    return set().union(*(_field_names(source) for source in expression.get_source_expressions()))


def _referenced_fields(constraint: UniqueConstraint) -> set[str]:
    if constraint.fields:
        return set(constraint.fields)
    return set().union(*(_field_names(expression) for expression in constraint.expressions))


class UniqueWhereTypedMixin(SubmissionKeyMixin):
    """Every unique constraint of the model checked by the form, its message beside the field.

    Django skips a constraint that involves a field the form does not show (`application`,
    `user`): the form sets those on the instance itself (`unique_scope`), so they are put back
    into validation. And Django puts an expression constraint's message (`Lower("name")`) above
    the form: it is moved beside the one field the user typed, found by the constraint's
    `violation_error_code`. A race lost after validation is readiness.submissions' job.
    """

    unique_scope: tuple[str, ...] = ()
    _meta: Any
    instance: Any

    def _get_validation_exclusions(self) -> set[str]:
        return super()._get_validation_exclusions() - set(self.unique_scope)  # type: ignore[misc]

    def _unique_fields_by_code(self) -> dict[str, str]:
        routes = {}
        for constraint in self.instance._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.violation_error_code:
                typed = _referenced_fields(constraint) - set(self.unique_scope)
                if len(typed) == 1 and (field := typed.pop()) in self.fields:
                    routes[constraint.violation_error_code] = field
        return routes

    def add_error(self, field: str | None, error: Any) -> None:
        if field is None and isinstance(error, ValidationError) and hasattr(error, "error_dict"):
            routes = self._unique_fields_by_code()
            above = []
            for message in error.error_dict.pop(NON_FIELD_ERRORS, []):
                if message.code in routes:
                    error.error_dict.setdefault(routes[message.code], []).append(message)
                else:
                    above.append(message)
            if above:
                error.error_dict[NON_FIELD_ERRORS] = above
        super().add_error(field, error)  # type: ignore[misc]
