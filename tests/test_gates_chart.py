"""The readiness chart runs on to go-live, marks today and go-live, and projects the recent pace."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from readiness.gates.chart import PACE_DAYS, project
from readiness.models import ReadinessSnapshot
from readiness.services.gates import readiness_snapshot_refresh
from tests import factories

TODAY = date(2026, 12, 2)


def _days(*pairs: tuple[int, int]) -> dict[date, int]:
    return {TODAY - timedelta(days=back): met for back, met in pairs}


def test_a_pace_too_slow_for_go_live_is_projected_to_miss_it() -> None:
    # 3 → 5 → 7 over ten days: 0.4 gates a day; 2 gates to go in 3 days.
    projection = project(_days((10, 3), (5, 5), (0, 7)), today=TODAY, total=9, go_live=TODAY + timedelta(days=3))

    assert projection is not None and projection.misses
    assert projection.at_go_live == 8 and projection.ready_on == TODAY + timedelta(days=5)
    assert projection.summary == ("At this pace, 8 of 9 gates are met at go-live on 5 Dec 2026, "
                                  "all of them by 7 Dec 2026. Projected to miss go-live.")


def test_the_same_pace_with_more_time_is_on_track() -> None:
    projection = project(_days((10, 3), (5, 5), (0, 7)), today=TODAY, total=9, go_live=TODAY + timedelta(days=10))

    assert projection is not None and not projection.misses
    assert projection.summary == "At this pace, all 9 gates are met by 7 Dec 2026, before go-live on 12 Dec 2026."


def test_no_progress_is_projected_to_miss_with_no_date_to_be_ready() -> None:
    projection = project(_days((6, 5), (3, 6), (0, 5)), today=TODAY, total=9, go_live=TODAY + timedelta(days=30))

    assert projection is not None and projection.misses and projection.ready_on is None
    assert projection.summary == ("At this pace, 5 of 9 gates are met at go-live on 1 Jan 2027. "
                                  "Projected to miss go-live.")


def test_a_flat_record_whose_pace_is_float_noise_has_no_date_to_be_ready() -> None:
    # These days' least-squares pace is 1.1e-17 gates a day, not 0: a million million years to
    # go, which once overflowed timedelta in beat's refresh of every application (found by make bench).
    recorded = _days((0, 8), (2, 2), (4, 6), (6, 2), (7, 1), (8, 8), (11, 2), (12, 8), (13, 5))
    projection = project(recorded, today=TODAY, total=9, go_live=TODAY + timedelta(days=30))

    assert projection is not None and projection.misses and projection.ready_on is None
    assert projection.summary == ("At this pace, 8 of 9 gates are met at go-live on 1 Jan 2027. "
                                  "Projected to miss go-live.")


def test_only_the_recent_days_set_the_pace() -> None:
    # A burst a month ago says nothing about now: the last PACE_DAYS days are flat.
    recorded = _days((30, 0), (25, 6), (PACE_DAYS - 1, 6), (0, 6))
    projection = project(recorded, today=TODAY, total=9, go_live=TODAY + timedelta(days=60))

    assert projection is not None and projection.ready_on is None


def test_nothing_is_projected_without_go_live_ahead_a_pace_or_gates_to_meet() -> None:
    trend = _days((5, 5), (0, 7))
    assert project(trend, today=TODAY, total=9, go_live=None) is None
    assert project(trend, today=TODAY, total=9, go_live=TODAY) is None  # go-live is today
    assert project(_days((0, 7)), today=TODAY, total=9, go_live=TODAY + timedelta(days=9)) is None  # one record
    assert project(_days((5, 8), (0, 9)), today=TODAY, total=9, go_live=TODAY + timedelta(days=9)) is None  # ready


@given(
    st.dictionaries(st.integers(0, 40), st.integers(0, 9), max_size=40),
    st.integers(0, 9),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31)),
)
def test_any_record_and_any_go_live_projects_within_the_gates(history, met_today, go_live) -> None:
    recorded = {TODAY - timedelta(days=back): met for back, met in history.items()} | {TODAY: met_today}

    projection = project(recorded, today=TODAY, total=9, go_live=go_live)

    if projection is not None:
        assert 0 <= projection.at_go_live <= 9
        assert projection.misses == (projection.ready_on is None or projection.ready_on > go_live)
        assert projection.summary.endswith(("Projected to miss go-live.", f"{go_live.year}."))


def test_the_checklist_chart_runs_to_go_live_and_says_it_will_be_missed(client, lead) -> None:
    today = timezone.localdate()
    application = factories.ApplicationFactory(delivery_lead=lead, go_live_date=today + timedelta(days=20))
    readiness_snapshot_refresh(application_ids=[application.pk])  # today's verdict, as judged
    met_today = ReadinessSnapshot.objects.get(application=application, day=today).gates_met
    # Constructed: more gates were met a week ago than today (evidence aged out since).
    for back in (12, 7):
        ReadinessSnapshot.objects.create(application=application, day=today - timedelta(days=back),
                                         gates_met=met_today + 2, gates_total=9, blockers=1, stale_items=0,
                                         ready=False, computed_at=timezone.now(), rules="old")
    client.force_login(lead)

    response = client.get(application.get_absolute_url())

    chart = response.context["chart"]
    html = response.content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    marks = dict((label, x) for x, label in chart.marks)
    assert marks["go-live"] == chart.right and marks["today"] < chart.right  # the axis runs on to go-live
    assert chart.dots[-1][0] == marks["today"]  # the record stops at today
    assert re.search(r'<polyline class="chart-projection" points="[\d.]+,[\d.]+ [\d.]+,[\d.]+"', svg)
    assert ">go-live</text>" in svg and ">today</text>" in svg and "style=" not in svg
    go_live = application.go_live_date
    assert (f"At this pace, {max(0, met_today - 3)} of 9 gates are met at go-live on "
            f"{go_live.day} {go_live:%b %Y}. Projected to miss go-live.") in html


def test_the_dashboard_flags_an_application_whose_pace_misses_go_live(client, lead) -> None:
    today = timezone.localdate()
    slipping = factories.ApplicationFactory(delivery_lead=lead, name="Slipping",
                                            go_live_date=today + timedelta(days=20))
    steady = factories.ApplicationFactory(delivery_lead=lead, name="Steady", go_live_date=today + timedelta(days=20))
    readiness_snapshot_refresh(application_ids=[slipping.pk])
    met_today = ReadinessSnapshot.objects.get(application=slipping, day=today).gates_met
    # Constructed: the slipping application met more gates a week ago than today.
    for back in (12, 7):
        ReadinessSnapshot.objects.create(application=slipping, day=today - timedelta(days=back),
                                         gates_met=met_today + 2, gates_total=9, blockers=1, stale_items=0,
                                         ready=False, computed_at=timezone.now(), rules="old")

    readiness_snapshot_refresh(application_ids=[slipping.pk, steady.pk])  # as the writer's refresh or beat

    stored = {s.application_id: s.misses_go_live for s in ReadinessSnapshot.objects.filter(day=today)}
    assert stored == {slipping.pk: True, steady.pk: None}  # no history to take a pace from
    client.force_login(lead)
    html = client.get("/").content.decode()
    rows = dict(re.findall(r'<tr>\s*<td><a href="[^"]+">(\w+)</a></td>(.*?)</tr>', html, re.S))
    assert "projected to miss" in rows["Slipping"] and "projected to miss" not in rows["Steady"]
