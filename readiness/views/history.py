"""History: who changed what and when on an application, and its state at any past date."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from readiness.access import get_application_for_user
from readiness.forms.history import AsOfForm
from readiness.history import application_as_of, application_changes


@login_required
@require_safe
def history(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    form = AsOfForm(request.GET or None)
    moment = form.moment
    past = application_as_of(application, moment) if moment else None
    return render(
        request,
        "readiness/history_list.html",
        {"application": application, "form": form, "past": past, "changes": application_changes(application)},
    )
