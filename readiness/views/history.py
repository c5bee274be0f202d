"""History: who changed what and when on an application, and its state at any past date."""

from __future__ import annotations

from datetime import datetime, time

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from readiness.access import get_application_for_user
from readiness.forms.history import AsOfForm
from readiness.history import application_as_of, application_changes


@login_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    form = AsOfForm(request.GET or None)
    past = None
    if form.is_valid() and form.cleaned_data["as_of"]:
        moment = timezone.make_aware(datetime.combine(form.cleaned_data["as_of"], time.max))
        past = application_as_of(application, moment)
    return render(
        request,
        "readiness/history_list.html",
        {"application": application, "form": form, "past": past, "changes": application_changes(application)},
    )
