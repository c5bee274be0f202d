"""An application's escalation path, its ownership rules, and the one-page ownership sheet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from readiness.access import get_application_for_user
from readiness.answer_times import WINDOW_DAYS, AnswerTimes, answer_times
from readiness.confirmation import ConfirmationState, confirmation_of
from readiness.coverage import GAP_DAYS, Gap, coverage_gaps
from readiness.coverage_timeline import TimelineDay, days_off_ahead, level_timeline
from readiness.directory import levels_with_people
from readiness.forms.escalation import LevelForm, OwnershipRuleForm
from readiness.lookup import who_to_call
from readiness.models import Application, EscalationLevel, OwnershipRule, StandIn
from readiness.models.standins import level_standins
from readiness.permissions import can, require
from readiness.services.escalation import level_save, ownership_rule_save
from readiness.submissions import once_per_submission


def _levels(application: Application) -> list[EscalationLevel]:
    return levels_with_people(application.levels.order_by("position"))


@dataclass
class LevelRow:
    level: EscalationLevel
    gaps: list[Gap]
    plan: object
    timeline: list[TimelineDay]
    standins: list[StandIn]  # current and upcoming, by start
    answers: AnswerTimes
    can_standin: bool = False


def _row(
    level: EscalationLevel, now: datetime, levels: list[EscalationLevel], user: Any, answers: AnswerTimes
) -> LevelRow:
    gaps = coverage_gaps(level, now, days=GAP_DAYS)
    return LevelRow(level, gaps, who_to_call(level, now, path=levels), level_timeline(level, now, gaps),
                    [standin for standin in level_standins(level) if standin.ends_at > now], answers,
                    can(user, "standin.manage", level))


@login_required
@require_safe
def path_detail(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    now = timezone.now()
    levels = _levels(application)
    measured = answer_times(levels, now)
    rows = [_row(level, now, levels, request.user, measured[level.pk]) for level in levels]
    return render(
        request,
        "readiness/path_detail.html",
        {
            "application": application,
            "rows": rows,
            "now": now,
            "gap_days": GAP_DAYS,
            "answer_window_days": WINDOW_DAYS,
            "gap_count": sum(len(row.gaps) for row in rows),
            "days_off": days_off_ahead(levels, now),
            "can_edit": can(request.user, "escalation_path.manage", application),
        },
    )


@login_required
@once_per_submission
def level_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "escalation_path.manage", application)
    level = get_object_or_404(EscalationLevel, pk=pk, application=application) if pk else EscalationLevel()
    if not pk:
        level.position = (application.levels.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    form = LevelForm(request.POST or None, instance=level, application=application)
    if request.method == "POST" and form.is_valid():
        level = level_save(level=form.save(commit=False))
        messages.success(request, f"Saved L{level.position} {level.name}.")
        return redirect("readiness:path_detail", slug=application.slug)
    return render(request, "readiness/level_form.html", {"application": application, "form": form, "level": level})


@login_required
@require_safe
def rule_list(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    rules = application.ownership_rules.select_related("level").order_by("name")
    return render(
        request,
        "readiness/rule_list.html",
        {"application": application, "rules": rules,
         "can_edit": can(request.user, "escalation_path.manage", application)},
    )


@login_required
@once_per_submission
def rule_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "escalation_path.manage", application)
    rule = get_object_or_404(OwnershipRule, pk=pk, application=application) if pk else OwnershipRule()
    form = OwnershipRuleForm(request.POST or None, instance=rule, application=application)
    if request.method == "POST" and form.is_valid():
        rule = ownership_rule_save(rule=form.save(commit=False))
        messages.success(request, f"Saved the rule {rule.name}.")
        return redirect("readiness:rule_list", slug=application.slug)
    return render(request, "readiness/rule_form.html", {"application": application, "form": form, "rule": rule})


@login_required
@require_safe
def ownership_sheet(request: HttpRequest, slug: str) -> HttpResponse:
    """One printable A4 page: classes of problem → owner → people; levels; after-hours numbers."""
    application = get_application_for_user(request.user, slug)
    levels = _levels(application)
    by_id: dict[int | None, EscalationLevel] = {level.pk: level for level in levels}
    rules = list(application.ownership_rules.order_by("name"))
    for rule in rules:
        rule.taken_by = by_id.get(rule.level_id)  # type: ignore[attr-defined]  # for the sheet only
    printed_at: datetime = timezone.now()
    # Contacts whose details cannot be trusted, marked beside their name and counted at the top.
    people = {p.pk: p for level in levels for p in (level.primary, level.backup, level.after_hours_cover) if p}
    unconfirmed = sum(1 for p in people.values()
                      if p.left_on is None and confirmation_of(p, printed_at).state != ConfirmationState.CONFIRMED)
    return render(
        request,
        "readiness/ownership_sheet.html",
        {"application": application, "levels": levels, "rules": rules, "printed_at": printed_at,
         "days_off": days_off_ahead(levels, printed_at), "gap_days": GAP_DAYS, "unconfirmed": unconfirmed,
         "standins": [s for level in levels for s in level_standins(level) if s.ends_at > printed_at]},
    )
