"""Forms for an application's escalation levels and ownership rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone

from readiness.forms.mixins import FieldsOnlyMixin, UniqueWhereTypedMixin, model_choices
from readiness.models import Application, Coverage, Duty, EscalationLevel, OwnershipRule, Person
from readiness.models.people import validate_timezone


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        team = f", {obj.team.name}" if obj.team is not None else ""
        gone = " — has left" if obj.left_on else ""
        return f"{obj.name} ({obj.timezone}{team}){gone}"


class LevelForm(FieldsOnlyMixin, UniqueWhereTypedMixin, forms.ModelForm):
    unique_scope = ("application",)
    duties = forms.MultipleChoiceField(
        choices=Duty.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Decision rights",
        help_text="Which of the five duties this level holds.",
    )

    class Meta:
        model = EscalationLevel
        fields = [
            "position",
            "name",
            "responsibility",
            "primary",
            "backup",
            "after_hours_cover",
            "coverage",
            "coverage_timezone",
            "promised_from",
            "promised_until",
            "duties",
            "other_decision_rights",
            "response_target_minutes",
            "how_to_reach",
        ]
        field_classes = {name: PersonChoiceField for name in ("primary", "backup", "after_hours_cover")}
        widgets = {
            "responsibility": forms.Textarea(attrs={"rows": 2}),
            "how_to_reach": forms.Textarea(attrs={"rows": 2}),
            "promised_from": forms.TimeInput(attrs={"type": "time"}),
            "promised_until": forms.TimeInput(attrs={"type": "time"}),
        }
        labels = {"response_target_minutes": "Response target (minutes)", "after_hours_cover": "After-hours cover"}
        help_texts = {
            "primary": "Called first, in their working hours.",
            "backup": "Called when the primary is on leave or outside hours.",
            "after_hours_cover": "Carries the pager: can be called at any time unless on leave.",
            "coverage": "What the level promises. A coverage gap is promised time with nobody reachable; "
                        "time it never promised (a business-hours level at night) is no gap.",
            "coverage_timezone": "The timezone whose business hours this level covers.",
            "promised_from": "Business or extended hours start, on the coverage timezone's clock.",
            "promised_until": "Business or extended hours end (23:59 for midnight).",
        }
        error_messages = {"primary": {"required": "Name the primary: the person this level calls first."}}

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.instance.application = application
        # Current people, plus whoever the level names now (so a leaver shows, to be replaced).
        level = self.instance
        named = [pk for pk in (level.primary_id, level.backup_id, level.after_hours_cover_id) if pk]
        people = Person.objects.filter(Q(left_on__isnull=True) | Q(pk__in=named)).select_related("team")
        for name in ("primary", "backup", "after_hours_cover"):
            model_choices(self, name).queryset = people
        # Left empty, the promised hours stay as they are (09:00–17:00 for a new level).
        for name in ("promised_from", "promised_until"):
            self.fields[name].required = False

    def _promised(self, name: str) -> Any:
        return self.cleaned_data.get(name) or getattr(self.instance, name)

    def clean_promised_from(self) -> Any:
        return self._promised("promised_from")

    def clean_promised_until(self) -> Any:
        return self._promised("promised_until")

    def clean_coverage_timezone(self) -> str:
        value = self.cleaned_data["coverage_timezone"]
        validate_timezone(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        today = timezone.localdate()
        for name in ("primary", "backup", "after_hours_cover"):
            person = data.get(name)
            if person is not None and person.has_left(today):
                self.add_error(name, f"{person.name} has left; choose someone who is still here.")
        primary, backup = data.get("primary"), data.get("backup")
        if primary and backup and primary == backup:
            self.add_error("backup", "The backup must be someone other than the primary.")
        coverage, cover = data.get("coverage"), data.get("after_hours_cover")
        if coverage == Coverage.AFTER_HOURS and not cover:
            self.add_error(
                "after_hours_cover", "Name who carries the pager after hours, or choose business hours only."
            )
        if coverage in (Coverage.BUSINESS_HOURS, Coverage.EXTENDED) and cover:
            self.add_error("coverage", "An after-hours cover is named: choose 'plus after-hours cover'.")
        position = data.get("position")
        if position and (
            EscalationLevel.objects.filter(application=self.application, position=position)
            .exclude(pk=self.instance.pk)
            .exists()
        ):
            self.add_error("position", f"This path already has a level {position}.")
        return data


class OwnershipRuleForm(FieldsOnlyMixin, UniqueWhereTypedMixin, forms.ModelForm):
    unique_scope = ("application",)

    class Meta:
        model = OwnershipRule
        fields = [
            "name",
            "description",
            "example_symptoms",
            "owner_role",
            "level",
            "first_response_role",
            "escalate_role",
            "workaround_role",
            "business_impact_role",
            "user_comms_role",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "example_symptoms": forms.Textarea(attrs={"rows": 5}),
        }
        labels = {
            "name": "Class of problem",
            "owner_role": "Owner",
            "level": "Level that takes it",
            "first_response_role": "First response",
            "escalate_role": "Decision to escalate",
            "workaround_role": "Workaround",
            "business_impact_role": "Business-impact call",
            "user_comms_role": "Communication to users",
        }

    def __init__(self, *args: Any, application: Application, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.application = application
        self.instance.application = application
        model_choices(self, "level").queryset = application.levels.order_by("position")
        model_choices(self, "level").label_from_instance = lambda level: f"L{level.position} {level.name}"  # type: ignore[method-assign,assignment]  # per instance
