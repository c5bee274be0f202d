"""Stand-ins: arranged from a level of the path page, ended or cancelled from the same page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from readiness.access import get_application_for_user
from readiness.coverage import clock_label
from readiness.forms.standins import StandInForm
from readiness.models import Application, EscalationLevel, StandIn, StandInRole
from readiness.permissions import can, require
from readiness.services import standins as services
from readiness.submissions import once_per_submission

ACTION = "standin.manage"


def _level(request: HttpRequest, slug: str, pk: int) -> tuple[Application, EscalationLevel]:
    application = get_application_for_user(request.user, slug)
    level = get_object_or_404(
        EscalationLevel.objects.select_related("primary", "backup", "after_hours_cover"), pk=pk, application=application
    )
    level.application = application
    return application, level


def _back(level: EscalationLevel) -> str:
    return reverse("readiness:path_detail", args=[level.application.slug]) + f"#level-{level.pk}"


def _roles(request: HttpRequest, level: EscalationLevel) -> list[tuple[str, str]]:
    """The roles the user may hand to a stand-in: every role the level fills, for whoever manages
    the path; their own, for the person being covered."""
    return [
        (value, f"{label} ({getattr(level, value).name})")
        for value, label in StandInRole.choices
        if getattr(level, f"{value}_id") and can(request.user, ACTION, StandIn(level=level, role=value))
    ]


@login_required
@once_per_submission
def standin_create(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    application, level = _level(request, slug, pk)
    require(request.user, ACTION, level)
    role = request.GET.get("role", "")
    form = StandInForm(
        request.POST or None,
        level=level,
        roles=_roles(request, level),
        initial={"role": role} if role in StandInRole.values else {},
    )
    if request.method == "POST" and form.is_valid():
        standin = form.save(commit=False)
        require(request.user, ACTION, standin)  # the role chosen is theirs to hand over
        standin.created_by = request.user
        standin = services.standin_create(standin=standin)
        ends = clock_label(timezone.localtime(standin.ends_at), with_date=True)
        messages.success(
            request,
            f"{standin.person.name} stands in as {standin.get_role_display().lower()} on "
            f"L{level.position} until {ends}.",
        )
        return redirect(_back(level))
    return render(request, "readiness/standin_form.html", {"application": application, "level": level, "form": form})


@login_required
@require_POST
def standin_end(request: HttpRequest, slug: str, pk: int, standin_pk: int) -> HttpResponse:
    """End a current stand-in now, or cancel an upcoming one. Sent twice, the second finds it done."""
    application, level = _level(request, slug, pk)
    standin = StandIn.objects.filter(pk=standin_pk, level=level).select_related("person").first()
    if standin is None:
        require(request.user, ACTION, level)
        messages.info(request, "That stand-in was already cancelled.")
        return redirect(_back(level))
    standin.level = level
    require(request.user, ACTION, standin)
    try:
        done = services.standin_end(standin=standin)
    except ValidationError as error:
        messages.info(request, " ".join(error.messages))
    else:
        messages.success(request, f"The stand-in of {standin.person.name} is {done}.")
    return redirect(_back(level))
