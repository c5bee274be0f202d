"""The demo's readiness history: a stored snapshot for every day its chart shows, so the
dashboard and the readiness-over-time chart read as they would after a month of use."""

from __future__ import annotations

from datetime import date, timedelta

from readiness.gates.chart import CHART_DAYS
from readiness.models import Application
from readiness.services.gates import readiness_snapshot_backfill, readiness_snapshot_refresh


def seed_readiness_snapshots(today: date) -> None:
    """Past days judged as of each day (days already stored stay as they are), then today."""
    applications = list(Application.objects.all())
    first = min(
        (min(today, app.go_live_date) if app.go_live_date else today) - timedelta(days=CHART_DAYS - 1)
        for app in applications
    ) if applications else today
    ids = [app.pk for app in applications]
    past = [first + timedelta(days=n) for n in range((today - first).days)]
    readiness_snapshot_backfill(application_ids=ids, days=past)
    readiness_snapshot_refresh(application_ids=ids)
