from __future__ import annotations

from datetime import time

from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from .applications import Application
from .constraints import unique_ignoring_case
from .people import Person


class Coverage(models.TextChoices):
    """What a level promises. A coverage gap is promised time with nobody reachable."""

    BUSINESS_HOURS = "business_hours", "Business hours only (Monday to Friday)"
    EXTENDED = "extended", "Extended hours (every day)"
    AFTER_HOURS = "after_hours", "Business hours, plus after-hours cover"
    ALWAYS = "24x7", "24×7"


class Duty(models.TextChoices):
    """The five ownership duties every support model must assign."""

    FIRST_RESPONSE = "first_response", "First response"
    ESCALATE = "escalate", "Decision to escalate"
    WORKAROUND = "workaround", "Workaround"
    BUSINESS_IMPACT = "business_impact", "Business-impact call"
    USER_COMMS = "user_comms", "Communication to users"


class OwnerRole(models.TextChoices):
    SUPPORT = "support", "Support"
    ENGINEERING = "engineering", "Engineering"
    BUSINESS_OWNER = "business_owner", "Business owner"


class EscalationLevel(models.Model):
    """One rung of an application's escalation path.

    Reachability is judged on people's own clocks: the primary and backup in their working
    hours (any time when coverage is 24×7); the after-hours cover carries the on-call phone,
    so they can be paged at any time unless on leave or gone.
    """

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(help_text="1 is called first.")
    name = models.CharField(max_length=100, help_text="e.g. L1 Service desk")
    responsibility = models.TextField(help_text="What this level does when called.")
    primary = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="primary_levels")
    backup = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="backup_levels", null=True, blank=True)
    after_hours_cover = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="after_hours_levels", null=True, blank=True
    )
    duties = models.JSONField(default=list, blank=True, help_text="Decision rights among the five duties.")
    other_decision_rights = models.CharField(max_length=200, blank=True, help_text="e.g. roll back a release")
    response_target_minutes = models.PositiveIntegerField(default=30)
    coverage = models.CharField(max_length=20, choices=Coverage.choices, default=Coverage.BUSINESS_HOURS)
    coverage_timezone = models.CharField(max_length=64, default="Australia/Melbourne")
    # The hours promised on business or extended coverage, on the coverage timezone's clock.
    promised_from = models.TimeField(default=time(9), verbose_name="Promised from")
    promised_until = models.TimeField(
        default=time(17), verbose_name="Promised until", help_text="23:59 for midnight."
    )
    how_to_reach = models.TextField(blank=True, help_text="Phone bridge, on-call number, chat channel…")
    # Set when someone on this level leaves; cleared when the level is edited to replace them.
    stale_since = models.DateTimeField(null=True, blank=True)
    stale_reason = models.CharField(max_length=200, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["application_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["application", "position"], name="readiness_level_position_unique"),
            models.CheckConstraint(
                condition=~models.Q(backup=models.F("primary")), name="readiness_level_backup_not_primary"
            ),
            models.CheckConstraint(
                condition=models.Q(promised_until__gt=models.F("promised_from")),
                name="readiness_level_promised_hours_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.application}: L{self.position} {self.name}"

    def clean(self) -> None:
        unknown = set(self.duties or []) - set(Duty.values)
        if unknown:
            raise ValidationError({"duties": f"Unknown duties: {', '.join(sorted(unknown))}."})
        if self.primary_id and self.backup_id and self.primary_id == self.backup_id:
            raise ValidationError({"backup": "The backup must be someone other than the primary."})
        if self.promised_from is not None and self.promised_until is not None \
                and self.promised_until <= self.promised_from:
            raise ValidationError(
                {"promised_until": "The promised hours must end after they start (23:59 for midnight)."})

    @property
    def promises_all_day(self) -> bool:
        """Every hour of every day is promised: by the people in hours and the pager after them."""
        return self.coverage in (Coverage.AFTER_HOURS, Coverage.ALWAYS)

    @property
    def promise_label(self) -> str:
        """What the level promises, in words: "Monday to Friday 09:00–17:00 (Australia/Melbourne)"."""
        if self.promises_all_day:
            return "every hour of every day" + (" (after hours by the pager)" if self.coverage == Coverage.AFTER_HOURS
                                                else "")
        days = "Monday to Friday" if self.coverage == Coverage.BUSINESS_HOURS else "every day"
        until = "24:00" if self.promised_until >= time(23, 59) else f"{self.promised_until:%H:%M}"
        return f"{days} {self.promised_from:%H:%M}–{until} ({self.coverage_timezone})"

    @property
    def duty_labels(self) -> list[str]:
        return [Duty(value).label for value in self.duties if value in Duty.values]


class OwnershipRule(models.Model):
    """A class of problem, how to recognise it, and who owns each duty for it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="ownership_rules")
    name = models.CharField(max_length=120, help_text="The class of problem, e.g. Integration misfires")
    description = models.TextField(blank=True)
    example_symptoms = models.TextField(blank=True, help_text="One example symptom per line.")
    owner_role = models.CharField(max_length=20, choices=OwnerRole.choices)
    level = models.ForeignKey(
        EscalationLevel, on_delete=models.SET_NULL, null=True, blank=True, related_name="ownership_rules"
    )
    first_response_role = models.CharField(max_length=20, choices=OwnerRole.choices, blank=True)
    escalate_role = models.CharField(max_length=20, choices=OwnerRole.choices, blank=True)
    workaround_role = models.CharField(max_length=20, choices=OwnerRole.choices, blank=True)
    business_impact_role = models.CharField(max_length=20, choices=OwnerRole.choices, blank=True)
    user_comms_role = models.CharField(max_length=20, choices=OwnerRole.choices, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["application_id", "name"]
        constraints = [
            # "Who do I call?" matches a class of problem by its name typed in any case.
            unique_ignoring_case(
                "ownershiprule", "name", "application", message="This application already has a rule with this name."
            ),
        ]

    def __str__(self) -> str:
        return self.name

    DUTY_FIELDS = {
        Duty.FIRST_RESPONSE: "first_response_role",
        Duty.ESCALATE: "escalate_role",
        Duty.WORKAROUND: "workaround_role",
        Duty.BUSINESS_IMPACT: "business_impact_role",
        Duty.USER_COMMS: "user_comms_role",
    }

    def unassigned_duties(self) -> list[Duty]:
        return [duty for duty, field in self.DUTY_FIELDS.items() if not getattr(self, field)]

    @property
    def symptom_list(self) -> list[str]:
        return [line.strip() for line in self.example_symptoms.splitlines() if line.strip()]
