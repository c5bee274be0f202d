"""Signal receivers that keep derived state in step, whichever code path saved the rows.

Paths are edited by several screens (and the admin and the demo seed); a contact's verification
period depends on every level naming them, so it is re-derived after any level or
application change rather than by each writer remembering to.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_init, post_save

from readiness.models import Application, EscalationLevel


def _people_of(level: EscalationLevel) -> set[int]:
    return {pk for pk in (level.primary_id, level.backup_id, level.after_hours_cover_id) if pk}


def _refresh_on_commit(person_ids: set[int]) -> None:
    if not person_ids:
        return
    from readiness.services.reminders import people_schedule_refresh

    transaction.on_commit(lambda: people_schedule_refresh(person_ids=person_ids))


def _remember_loaded(sender: Any, instance: Any, **kwargs: Any) -> None:
    # Remember what the row held when loaded, to see on save what changed. Read __dict__, not
    # the attributes: a field deferred by .only()/.defer() would otherwise be fetched, which
    # builds another instance, which fires post_init again, without end. A deferred field
    # reads as None, so a save after such a load refreshes, which is the safe side.
    loaded = instance.__dict__
    if isinstance(instance, EscalationLevel):
        people = {loaded.get(f) for f in ("primary_id", "backup_id", "after_hours_cover_id")}
        instance._loaded_people = {pk for pk in people if pk}  # type: ignore[attr-defined]
    else:
        instance._loaded_periods = (  # type: ignore[attr-defined]
            loaded.get("contact_verification_days"),
            loaded.get("first_level_verification_days"),
        )


def _periods(application: Application) -> tuple[int, int]:
    return application.contact_verification_days, application.first_level_verification_days


def _level_changed(sender: Any, instance: EscalationLevel, **kwargs: Any) -> None:
    # The people replaced on a level may now have a longer period: refresh them too.
    _refresh_on_commit(_people_of(instance) | getattr(instance, "_loaded_people", set()))


def _application_changed(sender: Any, instance: Application, created: bool = False, **kwargs: Any) -> None:
    if created or getattr(instance, "_loaded_periods", None) == _periods(instance):
        return
    instance._loaded_periods = _periods(instance)  # type: ignore[attr-defined]
    ids: set[int] = set()
    for row in EscalationLevel.objects.filter(application=instance).values_list(
        "primary_id", "backup_id", "after_hours_cover_id"
    ):
        ids |= {pk for pk in row if pk}
    _refresh_on_commit(ids)


# --- readiness snapshots: a write to an application's evidence retires its stored verdict ----------

# Rows that name their application.
_EVIDENCE = (
    "Runbook", "AlertCheck", "AccessCheck", "KnownIssue", "Drill", "DecisionRecord", "EscalationLevel",
    "OwnershipRule", "GateWaiver", "ExitCriterion", "Hypercare",
)


def _discard(**which: Any) -> None:
    from readiness.services.gates import application_evidence_changed

    application_evidence_changed(**which)


def _evidence_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _discard(application_ids=[instance.application_id])


def _application_saved(sender: Any, instance: Application, created: bool = False, raw: bool = False,
                       **kwargs: Any) -> None:
    if not (created or raw):  # a new application has no verdict yet; a deleted one takes its rows along
        _discard(application_ids=[instance.pk])


def _parent_changed(parent: str, field: str) -> Any:
    """A receiver for rows that name their application through a parent row (`field` its id)."""

    def receiver(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
        from django.apps import apps

        if not raw:
            rows = apps.get_model("readiness", parent).objects.filter(pk=getattr(instance, field))
            _discard(application_ids=rows.values("application_id"))

    return receiver


def _person_changed(sender: Any, instance: Any, created: bool = False, raw: bool = False, **kwargs: Any) -> None:
    if not (created or raw):  # someone new is on no path yet
        _discard(person_ids=[instance.pk])


def _calendar_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        _discard(person_ids=[instance.person_id])


def _connect_snapshots() -> None:
    from django.apps import apps

    from readiness.models import AlertVerification, DrillAction, Leave, Person, WorkingHours

    def both(receiver: Any, model: Any) -> None:
        uid = f"snapshots_{model.__name__}"
        # Held strongly: the parent receivers are closures nobody else keeps.
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}_saved", weak=False)
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}_deleted", weak=False)

    for name in _EVIDENCE:
        both(_evidence_changed, apps.get_model("readiness", name))
    post_save.connect(_application_saved, sender=Application, dispatch_uid="snapshots_application_saved")
    both(_parent_changed("AlertCheck", "alert_id"), AlertVerification)
    both(_parent_changed("Drill", "drill_id"), DrillAction)
    both(_person_changed, Person)
    both(_calendar_changed, WorkingHours)
    both(_calendar_changed, Leave)


def connect() -> None:
    _connect_snapshots()
    post_init.connect(_remember_loaded, sender=EscalationLevel, dispatch_uid="reminders_level_loaded")
    post_init.connect(_remember_loaded, sender=Application, dispatch_uid="reminders_application_loaded")
    post_save.connect(_level_changed, sender=EscalationLevel, dispatch_uid="reminders_level_saved")
    post_delete.connect(_level_changed, sender=EscalationLevel, dispatch_uid="reminders_level_deleted")
    post_save.connect(_application_changed, sender=Application, dispatch_uid="reminders_application_saved")
