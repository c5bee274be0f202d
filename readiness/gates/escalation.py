"""Gate 4, the escalation path, with the coverage gaps it reads from readiness.coverage."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from readiness.coverage import GAP_DAYS, Gap, coverage_gaps
from readiness.gates.evidence import Evidence
from readiness.gates.helpers import _day, _fmt, _gone, _place, leaver_text
from readiness.gates.results import Check, Missing
from readiness.models import (
    Coverage,
    EscalationLevel,
)
from readiness.models.standins import level_standins


def _drill_window_end(ev: Evidence, on: date) -> date:
    """Drills count within the window before go-live; before go-live, the window ends today."""
    go_live = ev.application.go_live_date
    return min(on, go_live) if go_live else on


def check_escalation_path(ev: Evidence, on: date) -> Check:
    slug = ev.application.slug
    result = Check()
    if not ev.levels:
        result.missing.append(
            Missing("There is no escalation path.", _place("level_create", slug), "Add a level")
        )
    for level in ev.levels:
        edit = _place("level_edit", slug, level.pk)
        name = f"L{level.position} {level.name}"
        problems: list[Missing] = []
        # Someone on it left (or leaves, once the level was marked stale for it): who, as what.
        leaving = level.stale_since is not None and _day(level.stale_since) <= on
        for role, person in (("primary", level.primary), ("backup", level.backup),
                             ("after-hours cover", level.after_hours_cover)):
            if person is not None and person.left_on is not None and (_gone(person, on) or leaving):
                problems.append(Missing(leaver_text(person, f"L{level.position} {role} ({level.name})", on) + ".",
                                        edit, "Replace", stale=True))
        if level.backup_id is None:
            problems.append(Missing(f"{name} has no backup.", edit, "Name a backup"))
        if not level.duties and not level.other_decision_rights.strip():
            problems.append(Missing(f"{name} has no decision rights.", edit, "Give decision rights"))
        # Only a level promising after-hours cover needs someone to carry the pager; one promising
        # business or extended hours promises nothing at night (the path as a whole must, below).
        if (level.coverage == Coverage.AFTER_HOURS or level.after_hours_cover_id is not None) \
                and level.after_hours_cover_id is None:
            problems.append(Missing(f"{name} has no after-hours cover.", edit, "Name after-hours cover"))
        if leaving and not problems:
            reason = level.stale_reason or "someone on it changed"
            problems.append(Missing(f"{name} is marked stale: {reason}.", edit, "Review the level", stale=True))
        # Contacts who left three reminders unanswered (readiness/services/reminders.py) are stale.
        for role, person in (("primary", level.primary), ("backup", level.backup),
                             ("after-hours cover", level.after_hours_cover)):
            if person is not None and person.stale_since and _day(person.stale_since) <= on and not _gone(person, on):
                problems.append(Missing(
                    f"{name}: the {role}, {person}, has not confirmed their details within their "
                    f"{person.verification_days}-day verification period "
                    f"(stale since {_fmt(_day(person.stale_since))}).",
                    _place("person_reminders", person.pk), "See their reminders", stale=True))
        # A stand-in who has left is flagged like any contact: they would be called.
        for standin in level_standins(level):
            if _day(standin.ends_at) >= on and _gone(standin.person, on):
                problems.append(Missing(
                    f"{name}: {standin.person}, standing in as {standin.get_role_display().lower()} until "
                    f"{_fmt(_day(standin.ends_at))}, has left.",
                    _place("path_detail", slug, fragment=f"level-{level.pk}"), "Review the stand-ins", stale=True))
        gaps = _coverage_gaps(level, on)
        if gaps:
            first = gaps[0]
            zone = level.coverage_timezone
            problems.append(Missing(
                f"{name}: {len(gaps)} coverage gap{'s' if len(gaps) > 1 else ''} in the next {GAP_DAYS} days, first "
                f"{timezone.localtime(first.start, ZoneInfo(zone)):%a %d %b %H:%M}–"
                f"{timezone.localtime(first.end, ZoneInfo(zone)):%a %d %b %H:%M} ({zone}): {first.reason}.",
                _place("path_detail", slug, fragment=f"level-{level.pk}"), "See the gaps"))
        result.missing.extend(problems)
        if not problems:
            covers: dict[str, str] = {Coverage.ALWAYS: "24×7",
                                      Coverage.AFTER_HOURS: f"after hours {level.after_hours_cover}"}
            cover = covers.get(level.coverage, f"promises {level.promise_label}")
            result.evidence.append(f"{name}: {level.primary}, backup {level.backup}, {cover}.")
    if ev.levels and not any(level.promises_all_day for level in ev.levels):
        result.missing.append(Missing(
            "Nobody covers after hours: every level promises business or extended hours only.",
            _place("level_edit", slug, ev.levels[0].pk), "Promise after-hours cover"))
    end = _drill_window_end(ev, on)
    window = settings.DRILL_WINDOW_DAYS
    tested = [
        d for d in ev.drills
        if d.after_hours and d.contacts_answered and end - timedelta(days=window) <= d.held_on <= end
    ]
    if tested:
        drill = max(tested, key=lambda d: d.held_on)
        minutes = f" in {drill.answer_minutes} min" if drill.answer_minutes is not None else ""
        result.evidence.append(
            f"Tested after hours on {_fmt(drill.held_on)} (“{drill.title}”): contacts answered{minutes}."
        )
    else:
        result.missing.append(
            Missing(f"The path has not been tested after hours, with the contacts answering, in the {window} days "
                    f"before {'go-live' if end != on else 'today'}.",
                    _place("drill_create", slug, query="after_hours=1"), "Record an after-hours drill")
        )
    return result


def _coverage_gaps(level: EscalationLevel, on: date) -> list[Gap]:
    """Gaps in the 14 days from now (today) or from the start of `on` (a past day, for the chart).

    Judged on people's calendars as they are now: past leave and hours are not kept.
    """
    today = timezone.localdate()
    if on >= today:
        return coverage_gaps(level, timezone.now(), days=GAP_DAYS)
    start = timezone.make_aware(datetime.combine(on, time(0)))
    end = start + timedelta(days=GAP_DAYS)
    # The chart asks for each of the last 30 days in turn: work the gaps out once, from the
    # earliest day asked up to today's window, and cut each day's 14 days out of that. The
    # holes of a window are the holes of a wider span clipped to it, so the answer is the same.
    span = getattr(level, "_past_gaps", None)
    if span is None or start < span[0]:
        span_start = min(start, timezone.make_aware(datetime.combine(today - timedelta(days=30), time(0))))
        span_days = (today - span_start.date()).days + GAP_DAYS + 1
        span = (span_start, coverage_gaps(level, span_start, days=span_days))
        level._past_gaps = span  # type: ignore[attr-defined]
    return [
        Gap(max(gap.start, start), min(gap.end, end), gap.reasons)
        for gap in span[1]
        if gap.start < end and gap.end > start
    ]
