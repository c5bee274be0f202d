"""The signed-in person's own settings, and signing in with them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.shortcuts import redirect, render

from readiness.access import AuthenticatedHttpRequest
from readiness.forms.people import PersonForm
from readiness.forms.preferences import PreferenceForm
from readiness.models import UserPreference
from readiness.permissions import require
from readiness.services.preferences import SESSION_TIMEZONE, user_preference_save, viewer_timezone


class SignInView(LoginView):
    """Django's sign-in, which also puts the user's timezone in their new session."""

    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session[SESSION_TIMEZONE] = viewer_timezone(self.request.user)  # type: ignore[arg-type]
        return response


@login_required
def preferences(request: AuthenticatedHttpRequest) -> HttpResponse:
    require(request.user, "preference.edit")
    current = viewer_timezone(request.user)
    instance = UserPreference.objects.filter(user=request.user).first() or UserPreference(user=request.user)
    form = PreferenceForm(request.POST or None, instance=instance, initial={"timezone": current})
    if request.method == "POST" and form.is_valid():
        saved = user_preference_save(user=request.user, timezone=form.cleaned_data["timezone"])
        request.session[SESSION_TIMEZONE] = saved.timezone
        messages.success(request, f"Times are now shown in {saved.timezone}.")
        return redirect("readiness:preferences")
    return render(
        request,
        "readiness/preferences_form.html",
        {"form": form, "current": current, "timezones": PersonForm.timezone_names()},
    )
