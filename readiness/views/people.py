"""Teams and people: who can be on an escalation path, their hours, leave, and leaving."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from readiness.forms.people import ClosureDayForm, LeaveForm, MarkLeftForm, PersonForm, TeamForm, week_formset
from readiness.leavers import person_references
from readiness.models import ClosureDay, Leave, Person, Team
from readiness.permissions import can, require
from readiness.public_holidays import upcoming_holidays
from readiness.services.people import (
    closure_day_add,
    leave_add,
    leave_delete,
    person_mark_left,
    person_save,
    team_save,
)
from readiness.submissions import once_per_submission

MANAGE = "people.manage"


@login_required
@require_safe
def people_list(request: HttpRequest) -> HttpResponse:
    people = Person.objects.order_by("name").prefetch_related("working_hours", "leaves")
    teams = Team.objects.prefetch_related(Prefetch("people", queryset=people)).order_by("name")
    return render(
        request,
        "readiness/people_list.html",
        {
            "teams": teams,
            "teamless": people.filter(team__isnull=True),
            "can_manage": can(request.user, MANAGE),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_safe
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(Person.objects.with_calendar(), pk=pk)
    return render(
        request,
        "readiness/person_detail.html",
        {
            "person": person,
            "references": person_references(person),
            "holidays": upcoming_holidays(person.region, timezone.localdate()),
            "leave_form": LeaveForm(),
            "can_manage": can(request.user, MANAGE),
        },
    )


@login_required
@once_per_submission
def person_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, MANAGE)
    person = get_object_or_404(Person.objects.with_calendar(), pk=pk) if pk else Person()
    data = request.POST if request.method == "POST" else None
    form = PersonForm(data, instance=person)
    week = week_formset(person, data)
    if request.method == "POST":
        # Both validated before anything is written: nothing half-saved.
        form_ok, week_ok = form.is_valid(), week.is_valid()
        if form_ok and week_ok:
            person = person_save(person=form.save(commit=False), hours=week.hours())
            messages.success(request, f"Saved {person.name}.")
            return redirect(person)
    return render(
        request,
        "readiness/person_form.html",
        {"form": form, "week": week, "person": person, "timezones": PersonForm.timezone_names(),
         "regions": PersonForm.region_names()},
    )


@login_required
@once_per_submission
def team_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, MANAGE)
    team = get_object_or_404(Team, pk=pk) if pk else Team()
    form = TeamForm(request.POST or None, instance=team)
    if request.method == "POST" and form.is_valid():
        team = team_save(team=form.save(commit=False))
        messages.success(request, f"Saved team {team.name}.")
        return redirect("readiness:people_list")
    return render(request, "readiness/team_form.html", {"form": form, "team": team})


@login_required
@once_per_submission
def leave_create(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, MANAGE)
    person = get_object_or_404(Person.objects.with_calendar(), pk=pk)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        leave = leave_add(person=person, **form.cleaned_data)
        messages.success(request, f"Recorded leave from {leave.starts_on:%a %d %b} to {leave.ends_on:%a %d %b}.")
        return redirect(person)
    return render(request, "readiness/leave_form.html", {"form": form, "person": person})


@login_required
@require_POST
def leave_remove(request: HttpRequest, pk: int, leave_pk: int) -> HttpResponse:
    require(request.user, MANAGE)
    leave = get_object_or_404(Leave.objects.select_related("person"), pk=leave_pk, person_id=pk)
    leave_delete(leave=leave)
    messages.success(request, "Leave removed.")
    return redirect(leave.person)


@login_required
@once_per_submission
def person_leave_company(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything naming a person, then the button that marks them as left and flags it all;
    afterwards, what still names them and where to replace them."""
    person = get_object_or_404(Person.objects.with_calendar(), pk=pk)
    form = MarkLeftForm(request.POST or None)
    if request.method == "POST":
        require(request.user, MANAGE)
        if person.left_on is not None:
            messages.info(request, f"{person.name} is already marked as left.")
            return redirect("readiness:person_left", pk=person.pk)
        if form.is_valid():
            references = person_mark_left(person=person, left_on=form.cleaned_data["left_on"])
            access = " Their sign-in is ended and their API tokens are revoked." \
                if person.user_id and form.cleaned_data["left_on"] <= timezone.localdate() else ""
            messages.warning(
                request,
                f"{person.name} is marked as left: {references.count} item(s) naming them are flagged until someone "
                f"replaces them.{access}",
            )
            return redirect("readiness:person_left", pk=person.pk)
    return render(
        request,
        "readiness/person_left.html",
        {"person": person, "references": person_references(person), "form": form,
         "can_manage": can(request.user, MANAGE), "today": timezone.localdate()},
    )


@login_required
@once_per_submission
def closure_days(request: HttpRequest) -> HttpResponse:
    """The organisation's closure days ahead; a people manager adds one (everyone is out of
    hours on it)."""
    form = ClosureDayForm(request.POST or None)
    if request.method == "POST":
        require(request.user, MANAGE)
        if form.is_valid():
            closure = closure_day_add(day=form.cleaned_data["day"], name=form.cleaned_data["name"])
            messages.success(request, f"The organisation is closed on {closure.day:%a %d %b %Y}: {closure.name}.")
            return redirect("readiness:closure_days")
    return render(
        request,
        "readiness/closure_days.html",
        {"closures": ClosureDay.objects.filter(day__gte=timezone.localdate()), "form": form,
         "can_manage": can(request.user, MANAGE)},
    )
