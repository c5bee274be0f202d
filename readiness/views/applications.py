from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from readiness.access import get_application_for_user
from readiness.models import Application


@login_required
def home(request: HttpRequest) -> HttpResponse:
    applications = Application.objects.with_people().order_by("go_live_date", "name")
    return render(request, "readiness/application_list.html", {"applications": applications})


@login_required
def application_detail(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    return render(
        request,
        "readiness/application_detail.html",
        {"application": application, "can_edit": application.can_edit(request.user)},
    )
