"""The "Who do I call?" question, shared by the page and the JSON API so both answer alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from readiness.directory import with_directory
from readiness.forms.mixins import FieldsOnlyMixin, UniqueWhereTypedMixin
from readiness.models import ApiToken, Application, OwnershipRule
from readiness.validators import validate_moment_in_range


def resolve_application(text: str, *, slug_first: bool = False, for_lookup: bool = False) -> Application:
    """The application `text` names: its name in any case, its slug, or a unique part of its name.

    What a person types is a name, so a name wins over another application's slug ("billing"
    is the application called Billing, not the one whose slug is billing). Links and the API
    carry slugs: `slug_first` makes the slug win there. Raises ValidationError saying what was
    wrong, and which applications were meant when several fit. One query for a name or a
    slug, a second for part of a name. `for_lookup`: with its stored directory, in the same query.
    """
    text = text.strip()
    applications = with_directory(Application.objects.all()) if for_lookup else Application.objects.all()
    # Names are unique in any case and slugs are unique, so at most two rows: one named `text`,
    # one with `text` as its slug. No ORDER BY to build on the hot path: the pick is made here.
    found = list(applications.filter(Q(name__iexact=text) | Q(slug=text))[:2])
    if found:
        return next((a for a in found if (a.slug == text) == slug_first), found[0])
    partial = list(applications.filter(name__icontains=text).order_by("name")[:PARTIAL_SHOWN + 1])
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise forms.ValidationError(
            "No application is called “%(text)s”. Type its name, or leave empty to search them all.",
            params={"text": text}, code="unknown",
        )
    names = ", ".join(a.name for a in partial[:PARTIAL_SHOWN]) + (", …" if len(partial) > PARTIAL_SHOWN else "")
    raise forms.ValidationError(
        "Several applications match “%(text)s”: %(names)s. Type more of the name.",
        params={"text": text, "names": names}, code="ambiguous",
    )


PARTIAL_SHOWN = 5


def classes_of(application: Application) -> list[str]:
    """The classes of problem of one application (each has its own rules), by name: one query."""
    return list(application.ownership_rules.order_by("name").values_list("name", flat=True))


def class_choices(application: Application | None, names: list[str] | None = None) -> list[tuple[str, str]]:
    """The choices of the class list; `names` when the caller already read them (no query)."""
    if application is None:
        return [("", "— pick an application to list its classes —")]
    return [("", "—"), *[(name, name) for name in (classes_of(application) if names is None else names)]]


# "Who do I call?" is asked mid-incident and measured cold by make bench: its four fields are
# drawn by Django's own field rendering (as_field_group) with this Bootstrap template, not by
# crispy, whose field rendering took 2–4 ms of the page's 19 ms p50 on the bench (over 15 %).
FIELD_TEMPLATE = "readiness/forms/field.html"
WIDGET_CLASSES = {forms.Select: "form-select"}


class LookupForm(forms.Form):
    # A name typed (with suggestions), not a list of every application: the organisation may
    # have a thousand, and this page must answer mid-incident. static/js/lookup.js suggests
    # names from /call/applications.json; without it the name is matched here.
    application = forms.CharField(
        required=False,
        max_length=200,
        help_text="Its name, or part of it. Leave empty to search every application.",
        widget=forms.TextInput(attrs={"list": "lookup-applications", "autocomplete": "off", "spellcheck": "false"}),
    )
    symptom = forms.CharField(
        required=False,
        max_length=200,
        label="What is happening?",
        help_text="In the user's words, e.g. invoice not syncing.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "enterkeyhint": "search"}),
    )
    problem_class = forms.CharField(required=False, label="Or pick a class of problem", widget=forms.Select)
    at = forms.DateTimeField(
        required=False,
        label="At another time",
        validators=[validate_moment_in_range],
        help_text="Leave empty for now.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
    )

    def __init__(
        self, *args: Any, application: Application | None = None, slug_first: bool = False, **kwargs: Any
    ) -> None:
        """`application`: the one an unbound form starts with (a link from an application's pages).

        `slug_first`: the application is given by slug rather than typed (the API).
        """
        super().__init__(*args, **kwargs)
        self.starting_application = application
        self.slug_first = slug_first
        if application is not None and not self.is_bound:
            self.initial["application"] = application.name
        # A callable, so the list is only queried when the page renders it (not for the API), and
        # not at all when the answer read the application's rules already (`known_classes`).
        self.known_classes: list[str] | None = None
        self.fields["problem_class"].widget.choices = lambda: class_choices(self.chosen_application,
                                                                            self.known_classes)
        self.fields["at"].help_text = f"Leave empty for now. In {timezone.get_current_timezone_name()} time."
        for field in self.fields.values():
            field.template_name = FIELD_TEMPLATE  # type: ignore[attr-defined]  # Django 5 has it; the stubs not yet
            field.widget.attrs["class"] = WIDGET_CLASSES.get(type(field.widget), "form-control")

    def full_clean(self) -> None:
        super().full_clean()
        # Bootstrap's red border; Django itself adds aria-invalid and points aria-describedby at
        # the message.
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["class"] += " is-invalid"

    @property
    def chosen_application(self) -> Application | None:
        if self.is_bound:
            return getattr(self, "cleaned_data", {}).get("application")
        return self.starting_application

    def clean_application(self) -> Application | None:
        text = self.cleaned_data.get("application", "").strip()
        if not text:
            return None
        application = resolve_application(text, slug_first=self.slug_first, for_lookup=True)
        if text != application.name:
            # Shown again as its name, whatever was typed or linked (a slug, part of the name).
            data = cast(QueryDict, self.data).copy()  # request.GET (a dict in some tests): both copy
            data[self.add_prefix("application")] = application.name
            self.data = data
        return application

    def clean_problem_class(self) -> str:
        name = self.cleaned_data.get("problem_class", "")
        if not name:
            return name
        # Only the rules of the application, when there is one: "clean_application" ran first.
        application = self.cleaned_data.get("application")
        if application is None:
            if not OwnershipRule.objects.filter(name=name).exists():
                raise forms.ValidationError("There is no such class of problem.")
        elif not application.ownership_rules.filter(name=name).exists():
            raise forms.ValidationError(f"{application.name} has no class of problem called “{name}”.")
        return name

    def clean_at(self) -> datetime | None:
        value = self.cleaned_data.get("at")
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # what Form.clean returns; typed as never None
        if not data.get("symptom", "").strip() and not data.get("problem_class"):
            self.add_error("symptom", "Describe the symptom, or pick a class of problem.")
        return data

    def moment(self) -> datetime:
        return self.cleaned_data.get("at") or timezone.now()


class ApiTokenForm(FieldsOnlyMixin, UniqueWhereTypedMixin, forms.ModelForm):
    unique_scope = ("user",)

    class Meta:
        model = ApiToken
        fields = ["name", "read_only"]
        labels = {"read_only": "Read-only"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        self.instance.user = user
