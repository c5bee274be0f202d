"""Seed tests of the gate board: the demo world `make run` seeds tells its story to the delivery
lead (one application not ready with its blockers, one ready, one in hypercare, a month of
recorded readiness), read from the verdicts the seed stored. Other gate tests build their own
worlds from tests/factories.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from django.utils import timezone
from django.utils.html import escape

from readiness.gates import verdict_for
from readiness.models import AlertCheck, Application, EscalationLevel, ReadinessSnapshot, Stage

pytestmark = pytest.mark.django_db


def _today(application: Application) -> ReadinessSnapshot | None:
    return ReadinessSnapshot.objects.filter(application=application, day=timezone.localdate()).first()


def test_not_ready_demo_checklist_shows_status_rule_evidence_and_fix_links(client, demo) -> None:
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="lead"))
    response = client.get(reverse("readiness:application_detail", args=["pricing-service"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Verdict: Not ready" in html
    # Every gate: its title, status and one-sentence rule.
    for gate in response.context["verdict"].results:
        assert f"{gate.gate.number}. {gate.gate.title}" in html
        assert gate.rule in html.replace("&#x27;", "'")
    statuses = re.findall(r'data-status="(\w+)"', html)
    assert len(statuses) == 9
    # Evidence that does satisfy a rule is shown too (the logs access check is fresh).
    assert "Logs: Kibana index pricing-*" in html
    blockers = response.context["verdict"].blockers
    assert len({result.gate.code for result, _ in blockers}) >= 3
    assert re.search(r"Sam Fletcher left on \d+ \w+ \d{4}: replace them as L\d primary", html)
    # The verdict names each blocking gate once, linking to its card; the blockers are listed once,
    # under their gate, each with a link to the page where it is fixed.
    blocker_list = html.split('id="blockers"', 1)[1].split("</ul>", 1)[0]
    blocking = {result.gate.code for result, _ in blockers}
    assert re.findall(r'<a href="#gate-(\w+)">', blocker_list) == [
        r.gate.code.value for r in response.context["verdict"].results if r.gate.code in blocking]
    assert f"Blocking go-live: {len(blockers)} items in {len(blocking)} gates" in html
    for _, missing in blockers:
        assert html.count(escape(missing.text)) == 1, missing.text
    links = [m.url for _, m in blockers]
    assert all(f'href="{escape(url)}"' in html for url in links)
    for url in set(links):
        page = client.get(url)
        assert page.status_code == 200, url
    # The alert never seen firing links to the form that records a firing.
    alert = AlertCheck.objects.get(signal="Portal price differs from ERP contract")
    assert reverse("readiness:alert_verify", args=["pricing-service", alert.pk]) in links
    # The level whose primary left links to the level's edit page.
    level = EscalationLevel.objects.get(application__slug="pricing-service", position=2)
    assert resolve(next(u for u in links if f"/{level.pk}/" in u and "level" in u)).url_name == "level_edit"


def test_ready_demo_application_passes_every_gate(client, demo) -> None:
    from readiness.gates import verdict_for

    verdict = verdict_for(Application.objects.get(slug="dispatch-board"))
    assert [(r.gate.code, [m.text for m in r.missing]) for r in verdict.results if not r.passes] == []
    assert verdict.ready


def test_hypercare_demo_application_went_live_ten_days_ago(demo) -> None:
    portal = Application.objects.get(slug="ordering-portal")
    assert portal.stage == Stage.HYPERCARE
    assert portal.go_live_date == timezone.localdate() - timedelta(days=10)


def test_dashboard_lists_every_application_with_gates_blockers_and_days_to_go(client, demo) -> None:
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="lead"))
    response = client.get(reverse("readiness:home"))
    rows = {row["application"].slug: row for row in response.context["rows"]}
    assert set(rows) == {"ordering-portal", "pricing-service", "dispatch-board"}
    assert rows["dispatch-board"]["gates_met"] == 9
    assert rows["dispatch-board"]["days"] == "9"
    assert rows["pricing-service"]["blockers"] >= 3
    assert rows["pricing-service"]["stale_items"] >= 1
    html = response.content.decode()
    assert "9 of 9" in html and "Ready" in html and "Not ready" in html


def test_checklist_draws_readiness_over_time_as_inline_svg_without_styles(client, demo) -> None:
    from django.contrib.auth.models import User

    client.force_login(User.objects.get(username="lead"))
    response = client.get(reverse("readiness:application_detail", args=["dispatch-board"]))
    html = response.content.decode()
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    points = re.search(r'<polyline class="chart-line" points="([^"]+)"', svg).group(1).split()
    assert len(points) == 30
    assert "style=" not in svg and "<script" not in svg
    chart = response.context["chart"]
    # The demo evidence accumulated over the month: fewer gates a month ago than today.
    assert chart.first[1] < chart.last[1] == 9


def test_the_checklist_shows_the_stored_verdict_exactly_as_judged(client, demo) -> None:
    from django.contrib.auth.models import User

    pricing = Application.objects.get(slug="pricing-service")
    live = verdict_for(pricing)
    client.force_login(User.objects.get(username="lead"))
    with CaptureQueriesContext(connection) as ctx:
        shown = client.get(pricing.get_absolute_url()).context["verdict"]
    # Read from the snapshot the seed stored: no evidence was loaded for this page.
    assert not any("readiness_runbook" in q["sql"] for q in ctx.captured_queries)
    assert [(r.gate.code, r.status, r.evidence, r.missing) for r in shown.results] == [
        (r.gate.code, r.status, r.evidence, r.missing) for r in live.results
    ]
    assert _today(pricing).blockers == len(live.blockers) and _today(pricing).ready is False
