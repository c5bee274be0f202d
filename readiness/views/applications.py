"""Creating and editing applications. The dashboard and each application's checklist are the
gate board's pages (readiness/views/gates.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from readiness.access import AuthenticatedHttpRequest, get_application_for_user
from readiness.forms.applications import ApplicationForm
from readiness.permissions import require
from readiness.services.applications import application_create, application_update
from readiness.submissions import once_per_submission


@login_required
@once_per_submission
def application_new(request: HttpRequest) -> HttpResponse:
    require(request.user, "application.create")
    if request.method == "POST":
        form = ApplicationForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            members = list(data.pop("members"))
            if request.user not in members:
                members.append(request.user)
            application = application_create(members=members, **data)
            messages.success(request, f"Created {application}, with the default triage rules.")
            return redirect(application.get_absolute_url())
    else:
        form = ApplicationForm(initial={"delivery_lead": request.user.pk}, user=request.user)
    return render(request, "readiness/application_form.html", {"form": form, "application": None})


@login_required
@once_per_submission
def application_edit(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "application.edit", application)
    if request.method == "POST":
        form = ApplicationForm(request.POST, instance=application, user=request.user)
        if form.is_valid():
            application = application_update(
                application=form.save(commit=False), members=list(form.cleaned_data["members"]), by=request.user
            )
            messages.success(request, f"Saved {application}.")
            return redirect(application.get_absolute_url())
    else:
        form = ApplicationForm(instance=application, user=request.user)
    return render(request, "readiness/application_form.html", {"form": form, "application": application})
