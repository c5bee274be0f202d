"""Reminder pages: the public signed-link pages a contact opens from their email (no account),
and each person's reminder history with the delivery lead's reachability tests."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from readiness.access import AuthenticatedHttpRequest
from readiness.forms.reminders import ContactChangeForm, ReachabilityResultForm, ReachabilityTestForm
from readiness.models import Person, ReachabilityResult, ReachabilityTest
from readiness.permissions import can, require
from readiness.services import reachability, reminders
from readiness.services.links import LinkProblem
from readiness.services.person_places import person_path_places
from readiness.submissions import once_per_submission

TEST_REACHABILITY = "reachability.test"


def _problem(request: HttpRequest, problem: LinkProblem) -> HttpResponse:
    return render(request, "readiness/reminder_link_problem.html", {"problem": problem}, status=problem.status)


def _details(person: Person) -> dict[str, object]:
    return {"person": person, "hours": list(person.working_hours.all()), "places": person_path_places(person)}


def reminder_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """"All correct": the page shows what Handoff holds; the button (POST) confirms.

    A GET never confirms, so a mail scanner that follows links cannot answer for the contact.
    """
    try:
        if request.method == "POST":
            confirmation = reminders.person_confirm(token=token)
            return render(request, "readiness/reminder_done.html", {"person": confirmation.person, "changed": False})
        person, _ = reminders.link_check(token)
    except LinkProblem as problem:
        return _problem(request, problem)
    return render(request, "readiness/reminder_confirm.html", {**_details(person), "token": token})


def reminder_change(request: HttpRequest, token: str) -> HttpResponse:
    """"Something changed": a short form pre-filled with the contact's details."""
    try:
        person, _ = reminders.link_check(token)
    except LinkProblem as problem:
        return _problem(request, problem)
    form = ContactChangeForm(request.POST or None, instance=Person.objects.get(pk=person.pk))
    if request.method == "POST" and form.is_valid():
        try:
            confirmation = reminders.person_submit_changes(
                token=token, data=form.changed_details(), note=form.cleaned_data["note"]
            )
        except LinkProblem as problem:
            return _problem(request, problem)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(request, "readiness/reminder_done.html", {"person": confirmation.person, "changed": True})
    return render(request, "readiness/reminder_change.html", {**_details(person), "form": form, "token": token})


def _reminders_page(request: HttpRequest, person: Person, *, test_form: ReachabilityTestForm | None = None,
                    status: int = 200) -> HttpResponse:
    can_test = can(request.user, TEST_REACHABILITY)
    if can_test and test_form is None:
        test_form = ReachabilityTestForm(available=reachability.person_channels(person))
    return render(request, "readiness/person_reminders.html", {
        "person": person,
        "logs": person.reminder_logs.all(),
        "confirmations": person.confirmations.all(),
        "history": person.history.select_related("history_user").order_by("-history_date")[:20],
        "tests": list(person.reachability_tests.select_related("sent_by", "recorded_by")),
        "can_test": can_test,
        "test_form": test_form,
        "result_form": ReachabilityResultForm() if can_test else None,
        "now": timezone.now(),
    }, status=status)


@login_required
@require_safe
def person_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    """A person's reminder history: what was sent, what they answered, reachability tests."""
    return _reminders_page(request, get_object_or_404(Person, pk=pk))


@login_required
@require_POST
@once_per_submission
def reachability_test_send(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    require(request.user, TEST_REACHABILITY)
    person = get_object_or_404(Person, pk=pk)
    form = ReachabilityTestForm(request.POST, available=reachability.person_channels(person))
    if form.is_valid():
        try:
            tests = reachability.reachability_test_send(person=person, channels=form.cleaned_data["channels"],
                                                   sent_by=request.user)
        except ValidationError as error:
            form.add_error("channels", error.message_dict.get("channels", error.messages))
        else:
            labels = ", ".join(t.get_channel_display().lower() for t in tests)
            messages.success(request, f"Reachability test started on {labels}. Record each result when you know it.")
            return redirect("readiness:person_reminders", pk=person.pk)
    return _reminders_page(request, person, test_form=form, status=400)


@login_required
@require_POST
def reachability_test_record(request: AuthenticatedHttpRequest, pk: int, test_pk: int) -> HttpResponse:
    require(request.user, TEST_REACHABILITY)
    test = get_object_or_404(ReachabilityTest, pk=test_pk, person_id=pk)
    form = ReachabilityResultForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Pick whether the contact was reached.")
        return redirect("readiness:person_reminders", pk=pk)
    try:
        reachability.reachability_test_record(test=test, recorded_by=request.user, **form.cleaned_data)
    except ValidationError:
        messages.error(request, "That test already has a result.")
    else:
        messages.success(request, "Result recorded.")
    return redirect("readiness:person_reminders", pk=pk)


def reachability_ack(request: HttpRequest, token: str) -> HttpResponse:
    """Public: the contact acknowledges the test email (the button POSTs; a GET changes nothing)."""
    try:
        test = reachability.reachability_link_check(token)
        if request.method == "POST":
            try:
                reachability.reachability_test_record(test=test, result=ReachabilityResult.REACHED,
                                                 note="Acknowledged from the email link.", recorded_by=None)
            except ValidationError:
                raise LinkProblem("used", "This test was already answered",
                                          "Its result is recorded. Nothing more to do.", 410) from None
            return render(request, "readiness/reachability_ack.html", {"test": test, "done": True})
    except LinkProblem as problem:
        return _problem(request, problem)
    return render(request, "readiness/reachability_ack.html", {"test": test, "done": False, "token": token})
