"""Readiness over time: gates met per day, as each day's stored snapshot recorded them, and where
the recent pace leads by go-live."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import format_html_join

from readiness.models import Application

# Days of history the readiness-over-time chart shows, up to go-live (or today).
CHART_DAYS = 30
# The pace is the trend of the gates met over this many recent days (two records at least).
PACE_DAYS = 14


@dataclass(frozen=True)
class Projection:
    """Where the recent pace leads: the gates met on go-live day if nothing changes pace."""

    go_live: date
    met_now: int
    at_go_live: int  # projected gates met on go-live day, 0 to total
    total: int
    ready_on: date | None  # the day all gates are projected met at this pace (None: never)

    @property
    def misses(self) -> bool:
        return self.ready_on is None or self.ready_on > self.go_live

    @property
    def summary(self) -> str:
        when = f"{self.go_live.day} {self.go_live:%b %Y}"
        ready = f"{self.ready_on.day} {self.ready_on:%b %Y}" if self.ready_on else ""
        if not self.misses:
            return f"At this pace, all {self.total} gates are met by {ready}, before go-live on {when}."
        later = f", all of them by {ready}" if ready else ""
        return (f"At this pace, {self.at_go_live} of {self.total} gates are met at go-live on {when}{later}. "
                "Projected to miss go-live.")


# A pace that would take longer than this to meet every gate is no pace to plan on.
PACE_HORIZON = timedelta(days=3650)


def project(recorded: dict[date, int], *, today: date, total: int, go_live: date | None) -> Projection | None:
    """The least-squares pace of the last PACE_DAYS recorded days (today included) carried on to
    go-live. None when there is nothing to project: no go-live ahead, already ready, or fewer
    than two recorded days to take a pace from."""
    met_now = recorded.get(today)
    if go_live is None or go_live <= today or met_now is None or met_now >= total:
        return None
    recent = [(float((day - today).days), float(met)) for day, met in recorded.items()
              if today - timedelta(days=PACE_DAYS - 1) <= day <= today]
    if len(recent) < 2:
        return None
    mean_x = sum(x for x, _ in recent) / len(recent)
    mean_y = sum(y for _, y in recent) / len(recent)
    spread = sum((x - mean_x) ** 2 for x, _ in recent)
    pace = sum((x - mean_x) * (y - mean_y) for x, y in recent) / spread  # gates a day
    days_left = (go_live - today).days
    at_go_live = max(0, min(total, round(met_now + pace * days_left)))
    # A pace of a hair above zero (float noise on a flat record) would take millennia: compared
    # before it becomes a timedelta, which cannot hold them.
    days_needed = (total - met_now) / pace if pace > 0 else math.inf
    ready_on = today + timedelta(days=math.ceil(days_needed)) if days_needed <= PACE_HORIZON.days else None
    return Projection(go_live=go_live, met_now=met_now, at_go_live=at_go_live, total=total, ready_on=ready_on)


@dataclass
class Chart:
    """Readiness over time as an inline SVG: gates passing per day (no script, no inline style),
    today and go-live marked, and the projected pace to go-live dashed."""

    points: str
    # x, y and the dot's tooltip: the dots are drawn by one format_html_join (`circles`).
    dots: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    # Vertical marks: (x, label), today's and go-live's when they are on the axis.
    marks: list[tuple[float, str]]
    projected_points: str  # from today's dot to go-live day; empty without a projection
    projection: Projection | None
    width: int
    height: int
    left: int
    label_x: int
    label_y: int
    top: int
    bottom: float
    right: float
    first: tuple[date, int]
    last: tuple[date, int]
    total: int

    @property
    def circles(self) -> str:
        return format_html_join(
            "", '<circle class="chart-dot" cx="{}" cy="{}" r="3"><title>{}</title></circle>', self.dots)

    @classmethod
    def build(cls, series: list[tuple[date, int]], *, total: int, start: date, end: date, today: date,
              go_live: date | None = None, projection: Projection | None = None, width: int = 640,
              height: int = 220) -> Chart:
        """`series`: (day, gates met) in day order, from `start` on; a day missing from it (never
        recorded) is a gap in the line's dots, not a point at its neighbour's place. The axis runs
        from `start` to `end` (go-live when it is ahead)."""
        left, right_pad, top, bottom_pad = 40, 28, 12, 30
        plot_w, plot_h = width - left - right_pad, height - top - bottom_pad
        days = (end - start).days + 1
        step = plot_w / max(days - 1, 1)

        def x(day: date) -> float:
            return round(left + (day - start).days * step, 1)

        def y(count: int) -> float:
            return round(top + plot_h - plot_h * count / total, 1)

        dots = [(x(day), y(count), f"{day.day} {day:%b}: {count} of {total}") for day, count in series]
        # Labels a week apart (wider on a long axis, ten at most), counted back from the last
        # day, so the newest day is always labelled.
        every = 7 * math.ceil(days / 70)
        labelled = [start + timedelta(days=n) for n in range(days) if (days - 1 - n) % every == 0]
        marks = [(x(day), label) for day, label in ((today, "today"), (go_live, "go-live"))
                 if day is not None and start <= day <= end]
        projected = ""
        if projection is not None:
            projected = f"{x(today)},{y(projection.met_now)} {x(projection.go_live)},{y(projection.at_go_live)}"
        return cls(
            points=" ".join(f"{dx},{dy}" for dx, dy, _ in dots),
            dots=dots,
            y_ticks=[(y(n), n) for n in range(0, total + 1, 3)] + ([(y(total), total)] if total % 3 else []),
            x_labels=[(x(day), f"{day:%d %b}") for day in labelled],
            marks=marks,
            projected_points=projected,
            projection=projection,
            width=width,
            height=height,
            left=left,
            label_x=left - 8,
            label_y=height - 8,
            top=top,
            bottom=top + plot_h,
            right=width - right_pad,
            first=series[0],
            last=series[-1],
            total=total,
        )


def chart_days(application: Application, today: date) -> tuple[date, date]:
    """The first and last day of the chart's history: the last CHART_DAYS days up to go-live
    (or today). The axis itself runs on to go-live when it is ahead."""
    end = min(today, application.go_live_date) if application.go_live_date else today
    return end - timedelta(days=CHART_DAYS - 1), end


def readiness_chart(application: Application, recorded: dict[date, int], *, today: date, met_today: int,
                    total: int) -> Chart | None:
    """Gates met on each chart day as beat recorded them (`recorded`: day → gates met); today's
    point is the verdict shown beside it. A day with no record (before the application existed,
    or before Handoff was installed) is left out rather than judged now: the chart shows history.
    With go-live ahead, the axis runs on to it and the recent pace is projected there."""
    start, end = chart_days(application, today)
    counts = {day: met for day, met in recorded.items() if start <= day <= end and day != today}
    if start <= today <= end:
        counts[today] = met_today
    # Live for a while with no record kept (Handoff installed after go-live): nothing to draw.
    if not counts:
        return None
    go_live = application.go_live_date
    return Chart.build(sorted(counts.items()), total=total, start=start, end=max(end, go_live or end), today=today,
                       go_live=go_live, projection=project(counts, today=today, total=total, go_live=go_live))
