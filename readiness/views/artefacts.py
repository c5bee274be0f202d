"""Create, edit, list and detail pages of the readiness artefacts, and their small actions
(mark a runbook reviewed, record its exercise, record an alert firing, add and close drill follow-ups).

The six kinds share one set of views, driven by `KINDS`: each kind says its model, form,
list columns and how to load its rows in a fixed number of queries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from readiness.access import get_application_for_user
from readiness.forms.artefacts import (
    AccessCheckForm,
    AlertCheckForm,
    AlertVerificationForm,
    DecisionRecordForm,
    DrillActionForm,
    DrillCallForm,
    DrillForm,
    KnownIssueForm,
    RunbookForm,
)
from readiness.forms.exercises import RunbookExerciseForm
from readiness.models import (
    AccessCheck,
    AlertCheck,
    Application,
    DecisionRecord,
    Drill,
    DrillAction,
    KnownIssue,
    Runbook,
)
from readiness.models.artefacts import latest_firing
from readiness.permissions import can, require
from readiness.services import artefacts as services
from readiness.services import exercises
from readiness.submissions import once_per_submission


@dataclass(frozen=True)
class Column:
    label: str
    value: Callable[[Any], Any]


@dataclass(frozen=True)
class Kind:
    key: str
    model: type[models.Model]
    form: type[ArtefactFormType]
    singular: str
    plural: str
    columns: list[Column]
    related: tuple[str, ...] = ()
    prefetch: tuple[Any, ...] = ()
    # Query parameters that pre-fill a new artefact's form (the gates' "fix" links use them).
    initial: tuple[str, ...] = field(default=())

    def rows(self, application: Application) -> models.QuerySet[Any]:
        qs = self.model.objects.filter(application=application)  # type: ignore[attr-defined]
        # The application too: each row's link (get_absolute_url) names its slug.
        return qs.select_related("application", *self.related).prefetch_related(*self.prefetch)


ArtefactFormType = Any


def _fmt(day: Any) -> str:
    return f"{day:%d %b %Y}" if day else "—"


def _latest_verification(alert: AlertCheck) -> str:
    latest = next(iter(alert.latest_firing), None)  # type: ignore[attr-defined]
    return _fmt(timezone.localdate(latest.verified_at)) if latest else "never"


def _calls(runbook: Runbook) -> str:
    """The level the runbook calls, flagged while someone on it has left (person_mark_left)."""
    level = runbook.escalation_level
    if level is None:
        return "—"
    return f"{level.name} (stale: {level.stale_reason})" if level.stale_since else level.name


KINDS: dict[str, Kind] = {
    "runbook": Kind(
        "runbook", Runbook, RunbookForm, "runbook", "Runbooks",
        [Column("Critical", lambda r: "Yes" if r.is_critical else "No"),
         Column("Calls", _calls),
         Column("Reviewed", lambda r: _fmt(r.last_reviewed_on)),
         Column("Exercised", lambda r: _fmt(r.last_exercised_on))],
        # Exercises are ordered newest first, so the last exercise is the first prefetched.
        related=("escalation_level",), prefetch=("exercises",),
    ),
    "alert": Kind(
        "alert", AlertCheck, AlertCheckForm, "alert", "Alerts",
        [Column("Threshold", lambda a: a.threshold),
         Column("Owner", lambda a: a.owner or "—"),
         Column("Last seen firing", _latest_verification)],
        related=("owner",),
        prefetch=(latest_firing(),),
    ),
    "access": Kind(
        "access", AccessCheck, AccessCheckForm, "access check", "Access checks",
        [Column("Kind", lambda c: c.get_kind_display()),
         Column("Verified by", lambda c: c.verified_by or "—"),
         Column("Verified on", lambda c: _fmt(c.verified_on))],
        related=("verified_by",), initial=("kind",),
    ),
    "knownissue": Kind(
        "knownissue", KnownIssue, KnownIssueForm, "known issue", "Known issues",
        [Column("Release", lambda i: i.release),
         Column("Status", lambda i: i.get_status_display()),
         Column("Owner", lambda i: i.owner or "—"),
         Column("Workaround", lambda i: "Yes" if i.workaround.strip() else "No")],
        related=("owner",),
    ),
    "drill": Kind(
        "drill", Drill, DrillForm, "drill", "Drills",
        [Column("Scenario", lambda d: d.get_scenario_display()),
         Column("Held on", lambda d: _fmt(d.held_on)),
         Column("After hours", lambda d: "Yes" if d.after_hours else "No"),
         Column("Open follow-ups", lambda d: sum(a.status == "open" for a in d.actions.all()))],
        prefetch=("actions",), initial=("scenario", "after_hours"),
    ),
    "decision": Kind(
        "decision", DecisionRecord, DecisionRecordForm, "decision record", "Decision records",
        [Column("Key", lambda d: "Yes" if d.is_key else "No"),
         Column("Status", lambda d: d.get_status_display()),
         Column("Decided on", lambda d: _fmt(d.decided_on))],
        initial=("is_key",),
    ),
}


def _kind(key: str) -> Kind:
    try:
        return KINDS[key]
    except KeyError as exc:
        raise Http404("No such kind of artefact.") from exc


def _get(kind: Kind, application: Application, pk: int) -> Any:
    return get_object_or_404(kind.rows(application), pk=pk)


def _editable(request: HttpRequest, slug: str, kind: str, pk: int) -> tuple[Application, Any]:
    """The application and its artefact, for a user who may edit its artefacts (404 or 403 otherwise)."""
    application = get_application_for_user(request.user, slug)
    require(request.user, "artefact.edit", application)
    return application, _get(KINDS[kind], application, pk)


def _display(instance: models.Model, name: str) -> tuple[str, Any, str]:
    """(label, value, type) of one field for the detail page."""
    model_field = cast("models.Field[Any, Any]", instance._meta.get_field(name))  # the page shows own fields
    value = getattr(instance, name)
    if getattr(model_field, "choices", None):
        value = getattr(instance, f"get_{name}_display")()
    if isinstance(model_field, models.BooleanField):
        return str(model_field.verbose_name).capitalize(), "Yes" if value else "No", "text"
    if isinstance(model_field, models.URLField):
        return str(model_field.verbose_name).capitalize(), value, "url"
    if isinstance(model_field, models.TextField):
        return str(model_field.verbose_name).capitalize(), value, "long"
    if isinstance(value, models.Model):
        url = value.get_absolute_url() if hasattr(value, "get_absolute_url") else ""
        return str(model_field.verbose_name).capitalize(), value, "link" if url else "text"
    if hasattr(value, "strftime"):
        value = _fmt(value)
    return str(model_field.verbose_name).capitalize(), value if value not in (None, "") else "—", "text"


@login_required
@require_safe
def artefact_list(request: HttpRequest, slug: str, kind: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    spec = _kind(kind)
    rows = [(row, [c.value(row) for c in spec.columns]) for row in spec.rows(application)]
    return render(request, "readiness/artefact_list.html", {
        "application": application, "kind": spec, "rows": rows,
        "can_edit": can(request.user, "artefact.edit", application),
    })


def _detail_page(request: HttpRequest, application: Application, spec: Kind, instance: Any, *,
                 action_form: DrillActionForm | None = None, call_form: DrillCallForm | None = None,
                 status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {
        "application": application, "kind": spec, "object": instance,
        "fields": [_display(instance, name) for name in spec.form._meta.fields],
        "can_edit": can(request.user, "artefact.edit", application),
    }
    if spec.key == "drill":
        context["action_form"] = action_form or DrillActionForm(drill=instance)
        context["actions"] = list(instance.actions.select_related("owner"))
        context["call_form"] = call_form or DrillCallForm(drill=instance)
        context["calls"] = list(instance.calls.select_related("level").order_by("level__position"))
    if spec.key in ("runbook", "drill"):
        context["exercises"] = list(instance.exercises.select_related("runbook", "exercised_by", "drill", "escalation"))
    if spec.key == "alert":
        context["verifications"] = list(instance.verifications.select_related("verified_by"))
    return render(request, "readiness/artefact_detail.html", context, status=status)


@login_required
@require_safe
def artefact_detail(request: HttpRequest, slug: str, kind: str, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    spec = _kind(kind)
    return _detail_page(request, application, spec, _get(spec, application, pk))


@login_required
@once_per_submission
def artefact_edit(request: HttpRequest, slug: str, kind: str, pk: int | None = None) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "artefact.edit", application)
    spec = _kind(kind)
    instance = _get(spec, application, pk) if pk is not None else None
    if request.method == "POST":
        form = spec.form(request.POST, instance=instance, application=application)
        if form.is_valid():
            saved = _save(spec, form)
            messages.success(request, f"Saved the {spec.singular} “{saved}”.")
            return redirect(saved.get_absolute_url())
    else:
        initial = {name: request.GET[name] for name in spec.initial if name in request.GET}
        form = spec.form(instance=instance, application=application, initial=initial)
    return render(request, "readiness/artefact_form.html", {
        "application": application, "kind": spec, "form": form, "object": instance,
    })


def _save(spec: Kind, form: Any) -> Any:
    if spec.key == "drill":  # and the exercises of the runbooks it used
        data = form.cleaned_data
        return exercises.drill_save(drill=form.save(commit=False), runbooks=data["runbooks_used"],
                                    outcome=data["runbook_outcome"], changes_made=data["runbook_changes"])
    return services.artefact_save(instance=form.save(commit=False))


@login_required
@once_per_submission
def runbook_exercise_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    application, runbook = _editable(request, slug, "runbook", pk)
    person = getattr(request.user, "person", None)
    form = RunbookExerciseForm(request.POST if request.method == "POST" else None, runbook=runbook, initial={
        "exercised_on": timezone.localdate(), "exercised_by": person.pk if person else None})
    if form.is_bound and form.is_valid():
        exercises.runbook_exercise_record(exercise=form.save(commit=False))
        messages.success(request, f"Recorded the exercise of “{runbook}”.")
        return redirect(runbook.get_absolute_url())
    return render(request, "readiness/runbook_exercise_form.html",
                  {"application": application, "runbook": runbook, "form": form})


@login_required
@require_POST
def runbook_mark(request: HttpRequest, slug: str, pk: int, what: str) -> HttpResponse:
    _, runbook = _editable(request, slug, "runbook", pk)
    today = timezone.localdate()
    if what not in services.RUNBOOK_MARKS:
        raise Http404("Unknown mark.")
    services.runbook_mark(runbook=runbook, what=what, on=today)
    messages.success(request, f"Marked “{runbook}” {what} today.")
    return redirect(runbook.get_absolute_url())


@login_required
@once_per_submission
def alert_verify(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    application, alert = _editable(request, slug, "alert", pk)
    if request.method == "POST":
        form = AlertVerificationForm(request.POST, alert=alert)
        if form.is_valid():
            services.alert_verification_record(alert=alert, **form.cleaned_data)
            messages.success(request, f"Recorded that “{alert}” was seen firing.")
            return redirect(alert.get_absolute_url())
    else:
        person = getattr(request.user, "person", None)
        form = AlertVerificationForm(
            alert=alert, initial={"verified_at": timezone.localtime().replace(second=0, microsecond=0),
                                  "verified_by": person.pk if person else None})
    return render(request, "readiness/alert_verify.html", {"application": application, "alert": alert, "form": form})


@login_required
@require_POST
@once_per_submission
def drill_action_add(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    application, drill = _editable(request, slug, "drill", pk)
    form = DrillActionForm(request.POST, drill=drill)
    if form.is_valid():
        services.drill_action_add(drill=drill, **form.cleaned_data)
        messages.success(request, "Added the follow-up.")
        return redirect(drill.get_absolute_url())
    return _detail_page(request, application, KINDS["drill"], drill, action_form=form)


@login_required
@require_POST
def drill_action_close(request: HttpRequest, slug: str, pk: int, action_pk: int) -> HttpResponse:
    _, drill = _editable(request, slug, "drill", pk)
    action = get_object_or_404(DrillAction, drill=drill, pk=action_pk)
    services.drill_action_close(action=action, on=max(timezone.localdate(), drill.held_on))
    messages.success(request, f"Closed “{action}”.")
    return redirect(drill.get_absolute_url())


@login_required
@require_POST
@once_per_submission
def drill_call_record(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    application, drill = _editable(request, slug, "drill", pk)
    form = DrillCallForm(request.POST, drill=drill)
    if form.is_valid():
        call = services.drill_call_record(drill=drill, **form.cleaned_data)
        messages.success(request, f"Recorded {call}.")
        return redirect(drill.get_absolute_url())
    return _detail_page(request, application, KINDS["drill"], drill, call_form=form)
