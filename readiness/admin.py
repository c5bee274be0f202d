"""The Django admin: for administrators' repairs, not the product's main screens."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import admin
from django.db.models import Model, QuerySet
from simple_history.admin import SimpleHistoryAdmin

from readiness import models
from readiness.services.applications import application_business_owner_change
from readiness.services.escalation import levels_people
from readiness.services.gates import application_evidence_changed
from readiness.services.person_places import people_schedule_refresh


class EvidenceAdmin(SimpleHistoryAdmin):
    """An admin edit says what it causes, as the services do (there are no model signals): the
    applications whose evidence it changed lose today's verdict and are judged again, and the
    people whose paths changed get their verification periods derived again.

    save_related runs after save_model and the inlines, on add, change and list edits.
    """

    def evidence_changed(self, objs: QuerySet[Any]) -> None:
        application_evidence_changed(application_ids=objs.values("application_id"))

    def save_related(self, request: Any, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        self.evidence_changed(self.model.objects.filter(pk=form.instance.pk))

    def delete_model(self, request: Any, obj: Any) -> None:
        # Before: once deleted, nothing names the applications it belonged to.
        self.evidence_changed(self.model.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)

    def delete_queryset(self, request: Any, queryset: QuerySet[Any]) -> None:
        self.evidence_changed(queryset)
        super().delete_queryset(request, queryset)


def rows_inline(model: type[Model]) -> type[admin.TabularInline]:
    """`model`'s rows as a table on their parent's page, with no empty rows to fill in."""
    return cast("type[admin.TabularInline]", type(f"{model.__name__}Inline", (admin.TabularInline,),
                                                  {"model": model, "extra": 0}))


@admin.register(models.Application)
class ApplicationAdmin(EvidenceAdmin):
    list_display = ["name", "stage", "go_live_date", "delivery_lead", "business_owner"]
    list_filter = ["stage"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["members"]

    def save_model(self, request: Any, obj: models.Application, form: Any, change: bool) -> None:
        # Handed on here like on the edit page: what the previous owner agreed and accepted is
        # retired, and only an administrator or that owner may (readiness/permissions.py).
        if change and "business_owner" in form.changed_data:
            new_owner = obj.business_owner
            obj.business_owner_id = form.initial.get("business_owner")
            application_business_owner_change(application=obj, new_owner=new_owner, by=request.user)
        else:
            super().save_model(request, obj, form, change)
        if change and {"contact_verification_days", "first_level_verification_days"} & set(form.changed_data):
            people_schedule_refresh(person_ids=levels_people(models.EscalationLevel.objects.filter(application=obj)))

    def evidence_changed(self, objs: QuerySet[Any]) -> None:
        application_evidence_changed(application_ids=objs.values("pk"))


@admin.register(models.Person)
class PersonAdmin(EvidenceAdmin):
    list_display = ["name", "email", "team", "timezone", "left_on", "last_confirmed_at"]
    list_filter = ["team"]
    search_fields = ["name", "email"]
    inlines = [rows_inline(models.WorkingHours), rows_inline(models.Leave)]

    def evidence_changed(self, objs: QuerySet[Any]) -> None:
        application_evidence_changed(person_ids=list(objs.values_list("pk", flat=True)))


@admin.register(models.EscalationLevel)
class EscalationLevelAdmin(EvidenceAdmin):
    list_display = ["application", "position", "name", "primary", "backup", "after_hours_cover", "coverage"]
    list_filter = ["application"]

    def save_model(self, request: Any, obj: Any, form: Any, change: bool) -> None:
        # Those taken off the level may be due later now, those put on it sooner.
        before = levels_people(models.EscalationLevel.objects.filter(pk=obj.pk)) if change else set()
        super().save_model(request, obj, form, change)
        people_schedule_refresh(person_ids=before | levels_people(models.EscalationLevel.objects.filter(pk=obj.pk)))

    def delete_queryset(self, request: Any, queryset: QuerySet[Any]) -> None:
        people = levels_people(queryset)
        super().delete_queryset(request, queryset)
        people_schedule_refresh(person_ids=people)

    def delete_model(self, request: Any, obj: Any) -> None:
        people = levels_people(models.EscalationLevel.objects.filter(pk=obj.pk))
        super().delete_model(request, obj)
        people_schedule_refresh(person_ids=people)


class ReadOnlyAdmin(admin.ModelAdmin):
    """An audit record: read here, never added or edited."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(models.SignOff)
class SignOffAdmin(ReadOnlyAdmin):
    """Nor deleted: the database refuses changes to a sign-off on PostgreSQL too."""

    list_display = ["application", "sequence", "signed_by", "signed_at", "fingerprint"]
    readonly_fields = ["application", "sequence", "signed_by", "signed_at", "statement", "snapshot", "fingerprint",
                       "previous_hash", "chain_hash"]

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


# Those that only choose columns, filters and inlines. EvidenceAdmin where an edit changes what
# an application's gates are judged on.
admin.site.register(models.Team, SimpleHistoryAdmin, list_display=["name", "is_vendor"])
admin.site.register(models.Heartbeat, list_display=["name", "beat_at"])
admin.site.register(models.OwnershipRule, EvidenceAdmin, list_display=["application", "name", "owner_role", "level"],
                    list_filter=["application", "owner_role"])
# Only a sign-off moves the hypercare's chain head; an edit here would show as a broken chain.
admin.site.register(models.Hypercare, EvidenceAdmin, readonly_fields=["signoff_count", "signoff_head"],
                    list_display=["application", "starts_on", "planned_end_on", "status", "agreed_at"],
                    list_filter=["status"])
admin.site.register(models.ExitCriterion, EvidenceAdmin, list_filter=["application", "kind"],
                    list_display=["application", "position", "name", "kind", "metric", "threshold", "accepted_unmet"])
admin.site.register(
    models.Escalation, list_filter=["application", "severity", "resolved_by"],
    list_display=["application", "occurred_at", "severity", "problem_class", "resolved_by", "logged_by"],
)
# Readiness artefacts and gate waivers (gate board)
admin.site.register(models.Runbook, EvidenceAdmin, list_filter=["application"],
                    inlines=[rows_inline(models.RunbookExercise)],
                    list_display=["application", "title", "escalation_level", "last_reviewed_on",
                                  "exercised_without_evidence_on"])
admin.site.register(models.AlertCheck, EvidenceAdmin, inlines=[rows_inline(models.AlertVerification)],
                    list_display=["application", "signal", "owner"], list_filter=["application"])
admin.site.register(models.AccessCheck, EvidenceAdmin, list_filter=["application", "kind"],
                    list_display=["application", "kind", "description", "verified_by", "verified_on"])
admin.site.register(models.KnownIssue, EvidenceAdmin, list_filter=["application", "status"],
                    list_display=["application", "title", "release", "status", "owner"])
admin.site.register(models.Drill, EvidenceAdmin, inlines=[rows_inline(models.DrillAction)],
                    list_display=["application", "title", "scenario", "held_on", "after_hours"],
                    list_filter=["application", "scenario"])
admin.site.register(models.DecisionRecord, EvidenceAdmin, list_display=["application", "title", "status", "is_key"],
                    list_filter=["application", "status"])
admin.site.register(models.GateWaiver, EvidenceAdmin, list_filter=["application", "gate"],
                    list_display=["application", "gate", "waived_by", "expires_on", "created_at"])
# Staleness reminders. The log is the exactly-once claim of a reminder sent: read it, never edit it.
admin.site.register(models.ReminderLog, ReadOnlyAdmin, list_display=["person", "cycle", "step", "sent_at"],
                    list_filter=["step"], search_fields=["person__name", "person__email"],
                    readonly_fields=["person", "cycle", "step", "sent_at", "recipients", "subject"])
admin.site.register(models.ContactConfirmation, list_display=["person", "cycle", "kind", "at"], list_filter=["kind"],
                    search_fields=["person__name", "person__email"])
admin.site.register(models.ReachabilityTest, list_display=["person", "channel", "result", "sent_at", "sent_by"],
                    list_filter=["channel", "result"])
