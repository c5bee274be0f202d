"""Hypercare pages: the plan and its criteria, decisions at the planned end, sign-off, the escalation log."""

from __future__ import annotations

import csv
from datetime import datetime, time
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from readiness.access import AuthenticatedHttpRequest, get_application_for_user
from readiness.forms.hypercare import (
    AcceptUnmetForm,
    AttestationForm,
    EscalationFilterForm,
    EscalationForm,
    EscalationResolveForm,
    ExitCriterionForm,
    ExtensionForm,
    HypercarePlanForm,
    SignOffForm,
)
from readiness.hypercare import hypercare_state
from readiness.models import Application, Escalation, ExitCriterion, Hypercare
from readiness.permissions import CLOSED_REASON, can, require, why_not
from readiness.services import hypercare as services
from readiness.signoffs import signoff_chain_verify
from readiness.submissions import once_per_submission


def _detail_url(application: Application) -> str:
    return reverse("readiness:hypercare_detail", args=[application.slug])


def _form_page(request: HttpRequest, application: Application, form: Any, *, title: str, intro: str = "",
               submit: str = "Save", status: int = 200) -> HttpResponse:
    return render(
        request,
        "readiness/hypercare_form.html",
        {"application": application, "form": form, "title": title, "intro": intro, "submit": submit},
        status=status,
    )


def _render_detail(request: HttpRequest, application: Application, *, sign_off_form: SignOffForm | None = None,
                   refusal: list[str] | None = None, status: int = 200) -> HttpResponse:
    state = hypercare_state(application)
    today = timezone.localdate()
    user = request.user
    signed_before = state.sign_off is not None or (state.hypercare is not None and state.hypercare.signoff_count)
    # Only the buttons the server would take; where the sign-off is why one is refused, that reason instead.
    allowed = {action: can(user, action, application) for action in (
        "hypercare.edit", "hypercare.redefine_criterion", "hypercare.agree", "hypercare.accept_criterion",
        "hypercare.sign_off")}
    closed_reason = CLOSED_REASON if any(why_not(user, action, application) == CLOSED_REASON
                                         for action in ("hypercare.edit", "hypercare.sign_off")) else ""
    return render(
        request,
        "readiness/hypercare_detail.html",
        {
            "application": application,
            "state": state,
            "signed": state.sign_off.snapshot if state.signed_off and state.sign_off else None,
            "chain": signoff_chain_verify(application) if signed_before else None,
            "hypercare": state.hypercare,
            "needs_decision": state.hypercare is not None and state.hypercare.needs_decision(today),
            "blockers": state.sign_off_blockers(today),
            "refusal": refusal,
            "is_owner": allowed["hypercare.sign_off"],
            "can_edit": allowed["hypercare.edit"],
            "can_redefine": allowed["hypercare.redefine_criterion"],
            "can_agree": allowed["hypercare.agree"],
            "can_accept": allowed["hypercare.accept_criterion"],
            "closed_reason": closed_reason,
            "can_log": can(user, "escalation_log.write", application),
            "sign_off_form": sign_off_form or SignOffForm(),
            "today": today,
        },
        status=status,
    )


@login_required
@require_safe
def hypercare_detail(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    return _render_detail(request, application)


@login_required
@once_per_submission
def hypercare_plan_edit(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "hypercare.edit", application)
    hypercare = Hypercare.objects.filter(application=application).first()
    if hypercare is None:
        initial = {"starts_on": application.go_live_date}
        hypercare = Hypercare(application=application)
    else:
        initial = {}
    form = HypercarePlanForm(request.POST or None, instance=hypercare, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.hypercare_plan_save(application=application, **form.cleaned_data)
        messages.success(request, "Hypercare plan saved. The business owner agrees it before go-live.")
        return redirect(_detail_url(application))
    return _form_page(request, application, form, title="Hypercare plan",
                      intro="Hypercare lasts two to four weeks from go-live.")


@login_required
@require_POST
def hypercare_agree(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "hypercare.agree", application)
    hypercare = get_object_or_404(Hypercare, application=application)
    try:
        services.hypercare_agree(hypercare=hypercare, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "You agreed the hypercare window and exit criteria.")
    return redirect(_detail_url(application))


@login_required
@once_per_submission
def criterion_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    # Adding a criterion is editing an open plan; redefining one stays open after sign-off (it reopens).
    require(request.user, "hypercare.edit" if pk is None else "hypercare.redefine_criterion", application)
    if pk is None:
        position = application.exit_criteria.count() + 1
        criterion = ExitCriterion(application=application, position=position)
    else:
        criterion = get_object_or_404(ExitCriterion, application=application, pk=pk)
    form = ExitCriterionForm(request.POST or None, instance=criterion)
    if request.method == "POST" and form.is_valid():
        services.exit_criterion_save(criterion=form.instance)
        messages.success(request, f"Exit criterion “{form.instance.name}” saved.")
        return redirect(_detail_url(application))
    title = "New exit criterion" if pk is None else f"Edit “{criterion.name}”"
    intro = "Changing a criterion's definition asks for the plan to be agreed again and invalidates a sign-off."
    return _form_page(request, application, form, title=title, intro=intro)


@login_required
def criterion_attest(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "hypercare.edit", application)
    criterion = get_object_or_404(ExitCriterion, application=application, pk=pk, kind="attestation")
    form = AttestationForm(request.POST or None, initial={"evidence": criterion.evidence})
    if request.method == "POST" and form.is_valid():
        services.exit_criterion_attest(criterion=criterion, evidence=form.cleaned_data["evidence"], by=request.user)
        messages.success(request, f"Evidence recorded for “{criterion.name}”.")
        return redirect(_detail_url(application))
    return _form_page(request, application, form, title=f"Attest “{criterion.name}”", intro=criterion.description,
                      submit="Record evidence")


@login_required
def criterion_accept(request: AuthenticatedHttpRequest, slug: str, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "hypercare.accept_criterion", application)
    criterion = get_object_or_404(ExitCriterion, application=application, pk=pk)
    form = AcceptUnmetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.exit_criterion_accept_unmet(criterion=criterion, reason=form.cleaned_data["reason"], by=request.user)
        messages.success(request, f"You accepted signing off with “{criterion.name}” unmet.")
        return redirect(_detail_url(application))
    return _form_page(request, application, form, title=f"Accept “{criterion.name}” unmet",
                      intro="The reason is kept with the sign-off.", submit="Accept with this reason")


@login_required
@once_per_submission
def hypercare_extend(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "hypercare.edit", application)
    hypercare = get_object_or_404(Hypercare.objects.prefetch_related("extensions"), application=application)
    form = ExtensionForm(request.POST or None, hypercare=hypercare, today=timezone.localdate())
    if request.method == "POST" and form.is_valid():
        services.hypercare_extend(hypercare=hypercare, by=request.user, **form.cleaned_data)
        messages.success(request, f"Hypercare extended to {form.cleaned_data['new_end_on']:%d %b %Y}.")
        return redirect(_detail_url(application))
    return _form_page(request, application, form, title="Extend hypercare",
                      intro=f"Hypercare is planned to end on {hypercare.current_end_on:%d %b %Y}.", submit="Extend")


@login_required
@require_POST
def hypercare_sign_off(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "hypercare.sign_off", application)
    form = SignOffForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, application, sign_off_form=form)
    try:
        services.hypercare_sign_off(application=application, by=request.user,
                                    statement=form.cleaned_data["statement"])
    except services.SignOffRefused as refused:
        return _render_detail(request, application, sign_off_form=form, refusal=refused.reasons)
    messages.success(request, f"Hypercare signed off. {application.name} is now in business as usual.")
    return redirect(_detail_url(application))


# --- escalation log ------------------------------------------------------------------------------


@login_required
@once_per_submission
def escalationlog_create(request: AuthenticatedHttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "escalation_log.write", application)
    form = EscalationForm(request.POST or None, application=application)
    if request.method == "POST" and form.is_valid():
        services.escalation_log(application=application, logged_by=request.user, **form.log_arguments())
        messages.success(request, "Escalation logged.")
        if "another" in request.POST:
            return redirect("readiness:escalationlog_create", slug=application.slug)
        return redirect("readiness:escalationlog_list", slug=application.slug)
    return render(request, "readiness/escalationlog_form.html", {"application": application, "form": form})


@login_required
def escalationlog_resolve(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "escalation_log.write", application)
    escalation = get_object_or_404(Escalation, application=application, pk=pk, resolved_at__isnull=True)
    form = EscalationResolveForm(request.POST or None, escalation=escalation)
    if request.method == "POST" and form.is_valid():
        services.escalation_resolve(escalation=escalation, **form.cleaned_data)
        messages.success(request, "Resolution recorded.")
        return redirect("readiness:escalationlog_list", slug=application.slug)
    return _form_page(request, application, form, title="Record the resolution", intro=escalation.summary,
                      submit="Record resolution")


def _filtered_escalations(request: HttpRequest, application: Application) -> tuple[EscalationFilterForm, Any]:
    form = EscalationFilterForm(request.GET or None, application=application)
    escalations = Escalation.objects.filter(application=application).for_list()
    if form.is_valid():
        data = form.cleaned_data
        if data["severity"]:
            escalations = escalations.filter(severity=data["severity"])
        if data["problem_class"]:
            escalations = escalations.filter(problem_class=data["problem_class"])
        if data["resolved_by"] == "open":
            escalations = escalations.filter(resolved_by="")
        elif data["resolved_by"]:
            escalations = escalations.filter(resolved_by=data["resolved_by"])
        if data["since"]:
            since = timezone.make_aware(datetime.combine(data["since"], time.min))
            escalations = escalations.filter(occurred_at__gte=since)
        if data["until"]:
            until = timezone.make_aware(datetime.combine(data["until"], time.max))
            escalations = escalations.filter(occurred_at__lte=until)
    return form, escalations


@login_required
@require_safe
def escalationlog_list(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    form, escalations = _filtered_escalations(request, application)
    page = Paginator(escalations, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "readiness/escalationlog_list.html",
        {
            "application": application,
            "filter_form": form,
            "page": page,
            "query": query.urlencode(),
            "can_log": can(request.user, "escalation_log.write", application),
        },
    )


CSV_HEADER = ["occurred_at", "severity", "problem_class", "from_level", "to_level", "answered_at", "minutes_to_answer",
              "resolved_by", "resolved_at", "minutes_to_resolve", "summary", "logged_by"]


def _csv_safe(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a leading quote disarms them."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@login_required
@require_safe
def escalationlog_export(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    _form, escalations = _filtered_escalations(request, application)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{application.slug}-escalations.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for e in escalations.iterator(chunk_size=500):
        minutes = int(e.time_to_resolve.total_seconds() // 60) if e.time_to_resolve is not None else ""
        writer.writerow([
            timezone.localtime(e.occurred_at).isoformat(),
            e.severity,
            _csv_safe(e.problem_class.name),
            _csv_safe(f"L{e.from_level.position} {e.from_level.name}"),
            _csv_safe(f"L{e.to_level.position} {e.to_level.name}") if e.to_level else "",
            timezone.localtime(e.answered_at).isoformat() if e.answered_at else "",
            "" if e.minutes_to_answer is None else e.minutes_to_answer,
            e.resolved_by,
            timezone.localtime(e.resolved_at).isoformat() if e.resolved_at else "",
            minutes,
            _csv_safe(e.summary),
            e.logged_by.get_username(),
        ])
    return response
