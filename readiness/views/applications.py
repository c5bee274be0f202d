"""Creating and editing applications. The dashboard and each application's checklist are the
gate board's pages (readiness/views/gates.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from readiness.access import AuthenticatedHttpRequest, get_application_for_user
from readiness.forms.applications import ApplicationForm
from readiness.permissions import require
from readiness.services.applications import application_create, application_update
from readiness.submissions import once_per_submission


@login_required
@once_per_submission
def application_edit(request: AuthenticatedHttpRequest, slug: str | None = None) -> HttpResponse:
    """A new application (no slug), or an edit of one."""
    application = get_application_for_user(request.user, slug) if slug else None
    if application is None:
        require(request.user, "application.create")
    else:
        require(request.user, "application.edit", application)
    if request.method == "POST":
        form = ApplicationForm(request.POST, instance=application, user=request.user)
        if form.is_valid():
            members = list(form.cleaned_data["members"])
            if application is None:
                if request.user not in members:  # whoever creates an application is a member of it
                    members.append(request.user)
                saved = application_create(application=form.save(commit=False), members=members)
                messages.success(request, f"Created {saved}, with the default triage rules.")
            else:
                saved = application_update(application=form.save(commit=False), members=members, by=request.user)
                messages.success(request, f"Saved {saved}.")
            return redirect(saved.get_absolute_url())
    else:
        initial = {"delivery_lead": request.user.pk} if application is None else {}
        form = ApplicationForm(instance=application, initial=initial, user=request.user)
    return render(request, "readiness/application_form.html", {"form": form, "application": application})
