"""Calendars: a person's leave imported from an .ics file, and each user's iCalendar feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET

from readiness.access import AuthenticatedHttpRequest
from readiness.calendars import CalendarProblem, feed_calendar
from readiness.forms.calendars import CalendarImportForm
from readiness.models import CalendarFeed, Person
from readiness.permissions import require
from readiness.services.calendars import calendar_feed_create, calendar_feed_revoke, calendar_feed_user, leave_import
from readiness.submissions import once_per_submission

NEW_FEED_SESSION_KEY = "readiness_new_calendar_feed"


@login_required
@once_per_submission
def calendar_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload → preview (nothing written) → import exactly what was previewed."""
    require(request.user, "people.manage")
    person = get_object_or_404(Person, pk=pk)
    form = CalendarImportForm(request.POST or None, request.FILES or None, person=person)
    plan = None
    if request.method == "POST" and form.is_valid() and form.plan is not None:
        if "confirm" not in request.POST:
            # The preview: the file's text travels in the page, with the fingerprint of what was shown.
            plan = form.plan
            form = CalendarImportForm(person=person, initial={"text": form.cleaned_data["text"],
                                                              "fingerprint": plan.fingerprint})
        else:
            try:
                done = leave_import(person=person, text=form.cleaned_data["text"],
                                    fingerprint=form.cleaned_data["fingerprint"])
            except CalendarProblem as problem:
                form.add_error("calendar", str(problem))
            else:
                messages.success(request, f"Imported {person.name}'s calendar: {len(done.create)} new, "
                                          f"{len(done.update)} changed, {len(done.unchanged)} unchanged.")
                return redirect(person)
    return render(request, "readiness/calendar_import.html", {"form": form, "person": person, "plan": plan})


@login_required
@once_per_submission
def calendar_feed(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's secret feed address: made (replacing the last), revoked, shown once."""
    if request.method == "POST":
        require(request.user, "token.manage")
        if request.POST.get("action") == "revoke":
            calendar_feed_revoke(user=request.user)
            messages.success(request, "Your calendar address is revoked: calendars using it get nothing more.")
        else:
            _, key = calendar_feed_create(user=request.user)
            request.session[NEW_FEED_SESSION_KEY] = key
            messages.success(request, "Your calendar address is ready. Copy it now: it is not shown again.")
        return redirect("readiness:calendar_feed")
    new_key = request.session.pop(NEW_FEED_SESSION_KEY, None)
    active = CalendarFeed.objects.active().filter(user=request.user).first()
    address = request.build_absolute_uri(f"/calendar/{new_key}.ics") if new_key else ""
    return render(request, "readiness/calendar_feed.html", {"active": active, "address": address})


@require_GET
def calendar_feed_ics(request: HttpRequest, key: str) -> HttpResponse:
    """The feed itself, for calendar apps (no session): 404 for an unknown or revoked address."""
    user = calendar_feed_user(key)
    if user is None:
        raise Http404("No such calendar.")
    response = HttpResponse(feed_calendar(user).to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
