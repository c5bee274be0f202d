"""Readiness over time: gates met per day, as each day's stored snapshot recorded them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.html import format_html_join

from readiness.models import Application

# Days the readiness-over-time chart shows, up to go-live (or today).
CHART_DAYS = 30


@dataclass
class Chart:
    """Readiness over time as an inline SVG: gates passing per day (no script, no inline style)."""

    points: str
    # x, y and the dot's tooltip: the 30 dots are drawn by one format_html_join (`circles`).
    dots: list[tuple[float, float, str]]
    y_ticks: list[tuple[float, int]]
    x_labels: list[tuple[float, str]]
    width: int
    height: int
    left: int
    label_x: int
    label_y: int
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
    def build(cls, series: list[tuple[date, int]], *, total: int, start: date, days: int = CHART_DAYS,
              width: int = 640, height: int = 220) -> Chart:
        """`series`: (day, gates met) in day order, days from `start` on; a day missing from it
        (never recorded) is a gap in the line's dots, not a point at its neighbour's place."""
        left, right_pad, top, bottom_pad = 40, 28, 12, 30
        plot_w, plot_h = width - left - right_pad, height - top - bottom_pad
        step = plot_w / max(days - 1, 1)

        def x(day: date) -> float:
            return round(left + (day - start).days * step, 1)

        def y(count: int) -> float:
            return round(top + plot_h - plot_h * count / total, 1)

        dots = [(x(day), y(count), f"{day.day} {day:%b}: {count} of {total}") for day, count in series]
        # Weekly labels counted back from the last day, so the newest day is always labelled.
        labelled = [start + timedelta(days=n) for n in range(days) if (days - 1 - n) % 7 == 0]
        return cls(
            points=" ".join(f"{dx},{dy}" for dx, dy, _ in dots),
            dots=dots,
            y_ticks=[(y(n), n) for n in range(0, total + 1, 3)] + ([(y(total), total)] if total % 3 else []),
            x_labels=[(x(day), f"{day:%d %b}") for day in labelled],
            width=width,
            height=height,
            left=left,
            label_x=left - 8,
            label_y=height - 8,
            bottom=top + plot_h,
            right=width - right_pad,
            first=series[0],
            last=series[-1],
            total=total,
        )


def chart_days(application: Application, today: date) -> tuple[date, date]:
    """The chart's first and last day: the last CHART_DAYS days up to go-live (or today)."""
    end = min(today, application.go_live_date) if application.go_live_date else today
    return end - timedelta(days=CHART_DAYS - 1), end


def readiness_chart(application: Application, recorded: dict[date, int], *, today: date, met_today: int,
                    total: int) -> Chart | None:
    """Gates met on each chart day as beat recorded them (`recorded`: day → gates met); today's
    point is the verdict shown beside it. A day with no record (before the application existed,
    or before Handoff was installed) is left out rather than judged now: the chart shows history."""
    start, end = chart_days(application, today)
    counts = {day: met for day, met in recorded.items() if start <= day <= end and day != today}
    if start <= today <= end:
        counts[today] = met_today
    # Live for a while with no record kept (Handoff installed after go-live): nothing to draw.
    return Chart.build(sorted(counts.items()), total=total, start=start) if counts else None
