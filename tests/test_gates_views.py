"""The gate board's pages: dashboard, checklist, waivers, and their query counts."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness.models import (
    AccessCheck,
    AccessKind,
    AlertCheck,
    AlertVerification,
    Application,
    DecisionRecord,
    Drill,
    DrillAction,
    DrillScenario,
    EscalationLevel,
    GateCode,
    GateWaiver,
    KnownIssue,
    OwnershipRule,
    Runbook,
    Stage,
)
from readiness.services.gates import readiness_snapshots_refresh_all
from readiness.views.gates import PAGE_SIZE
from tests import factories

pytestmark = pytest.mark.django_db


def test_dashboard_sorts_and_filters_by_stage(client, lead) -> None:
    factories.ApplicationFactory(name="Bravo", stage=Stage.BUILD, go_live_date=timezone.localdate() + timedelta(5))
    factories.ApplicationFactory(name="Alpha", stage=Stage.HARDENING, go_live_date=timezone.localdate() + timedelta(9))
    client.force_login(lead)
    names = [r["application"].name for r in client.get(reverse("readiness:home"), {"sort": "name"}).context["rows"]]
    assert names == ["Alpha", "Bravo"]
    names = [r["application"].name for r in client.get(reverse("readiness:home"), {"sort": "-name"}).context["rows"]]
    assert names == ["Bravo", "Alpha"]
    names = [r["application"].name for r in client.get(reverse("readiness:home"), {"sort": "go_live"}).context["rows"]]
    assert names == ["Bravo", "Alpha"]
    response = client.get(reverse("readiness:home"), {"stage": "hardening"})
    assert [r["application"].name for r in response.context["rows"]] == ["Alpha"]


# --- waivers -------------------------------------------------------------------------------------


def test_waiver_needs_a_reason_and_an_expiry(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    client.force_login(lead)
    url = reverse("readiness:waiver_create", args=[application.slug])
    response = client.post(url, {"gate": GateCode.KNOWLEDGE, "reason": "  ", "expires_on": ""})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["reason"] == ["Give the reason the gate can be waived."]
    assert form.errors["expires_on"] == ["Give the date the waiver lapses."]
    assert 'id="error_1_id_reason"' in response.content.decode()
    response = client.post(url, {"gate": GateCode.KNOWLEDGE, "reason": "Later.",
                                 "expires_on": timezone.localdate().isoformat()})
    assert response.context["form"].errors["expires_on"] == [
        "The expiry must be after today: a waiver lapses on this day."
    ]
    assert not GateWaiver.objects.exists()


def test_waiver_appears_on_the_verdict_and_lapses(client, lead) -> None:
    import time_machine

    application = factories.ApplicationFactory(delivery_lead=lead)
    client.force_login(lead)
    expires = timezone.localdate() + timedelta(days=3)
    response = client.post(reverse("readiness:waiver_create", args=[application.slug]), {
        "gate": GateCode.KNOWLEDGE, "reason": "Decision records are being written up this week.",
        "expires_on": expires.isoformat(),
    })
    assert response.status_code == 302
    # Asked for, not yet in force: the gate is still judged on its evidence.
    html = client.get(application.get_absolute_url()).content.decode()
    assert 'id="waived"' not in html and 'data-waiver-status="pending"' in html
    client.force_login(application.business_owner)  # a second person approves it
    waiver = GateWaiver.objects.get()
    assert client.post(reverse("readiness:waiver_approve", args=[application.slug, waiver.pk])).status_code == 302
    client.force_login(lead)
    html = client.get(application.get_absolute_url()).content.decode()
    waived = html.split('id="waived"', 1)[1].split("</ul>", 1)[0]
    assert "Knowledge transfer" in waived and "Decision records are being written up this week." in waived
    assert 'id="gate-knowledge"' in html and 'data-status="waived"' in html
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        html = client.get(application.get_absolute_url()).content.decode()
        assert 'id="waived"' not in html
        assert "Lapsed" in html


def test_support_analyst_cannot_waive_a_gate(client, analyst) -> None:
    application = factories.ApplicationFactory(support_lead=analyst)
    client.force_login(analyst)
    url = reverse("readiness:waiver_create", args=[application.slug])
    assert client.get(url).status_code == 403
    response = client.post(url, {"gate": GateCode.ACCESS, "reason": "x", "expires_on": "2099-01-01"})
    assert response.status_code == 403
    assert not GateWaiver.objects.exists()


def test_delivery_lead_of_another_application_cannot_waive(client, lead) -> None:
    application = factories.ApplicationFactory()
    client.force_login(lead)
    url = reverse("readiness:waiver_create", args=[application.slug])
    assert client.get(url).status_code == 403
    assert "Waive a gate" not in client.get(application.get_absolute_url()).content.decode()
    response = client.post(url, {"gate": GateCode.RUNBOOKS, "reason": "Written next sprint.",
                                 "expires_on": timezone.localdate() + timedelta(days=7)})
    assert response.status_code == 403
    assert not GateWaiver.objects.filter(application=application).exists()


def test_analyst_reads_the_checklist_but_cannot_edit_artefacts(client, analyst) -> None:
    application = factories.ApplicationFactory()
    runbook = factories.RunbookFactory(application=application, title="Orders stuck in picking")
    client.force_login(analyst)
    checklist = client.get(application.get_absolute_url()).content.decode()
    assert "1. Runbooks" in checklist and "Verdict: Not ready" in checklist
    assert "Edit application" not in checklist and "Waive" not in checklist
    runbooks = client.get(reverse("readiness:runbook_list", args=[application.slug])).content.decode()
    assert runbook.title in runbooks
    assert reverse("readiness:runbook_create", args=[application.slug]) not in runbooks
    assert client.get(reverse("readiness:runbook_create", args=[application.slug])).status_code == 403


# --- query counts --------------------------------------------------------------------------------

_seq = count()


def _world(apps: int, per_kind: int) -> list[Application]:
    """`apps` applications, each with `per_kind` rows of every kind of evidence, in bulk."""
    today = timezone.localdate()
    people = [factories.PersonFactory() for _ in range(3)]
    n = next(_seq)
    holder = factories.UserFactory()  # a delivery lead: the checklist asks whether they left
    applications = Application.objects.bulk_create(
        Application(name=f"App {n}-{i}", slug=f"app-{n}-{i}", go_live_date=today + timedelta(days=i % 40 + 1),
                    current_release="1.0.0", stage=Stage.HARDENING, delivery_lead=holder)
        for i in range(apps)
    )
    waiver_by = factories.UserFactory()
    levels, rules, runbooks, alerts, access, issues, drills, decisions, waivers = ([] for _ in range(9))
    for app in applications:
        for k in range(per_kind):
            levels.append(EscalationLevel(application=app, position=k + 1, name=f"L{k}", responsibility="r",
                                          primary=people[0], backup=people[1], after_hours_cover=people[2],
                                          duties=["first_response"]))
            rules.append(OwnershipRule(application=app, name=f"Rule {k}", owner_role="support"))
            runbooks.append(Runbook(application=app, title=f"Runbook {k}", symptom="s", normal_looks_like="n",
                                    problem_signs="p", steps="1.", last_reviewed_on=today))
            alerts.append(AlertCheck(application=app, signal=f"Signal {k}", threshold="t", user_impact="u",
                                     owner=people[k % 3]))
            access.append(AccessCheck(application=app, kind=list(AccessKind)[k % 4], description=f"A {k}",
                                      verified_by=people[0], verified_on=today))
            issues.append(KnownIssue(application=app, release="0.9", title=f"Issue {k}", symptom="s"))
            drills.append(Drill(application=app, scenario=list(DrillScenario)[k % 4], title=f"Drill {k}",
                                held_on=today, after_hours=True, contacts_answered=True))
            decisions.append(DecisionRecord(application=app, title=f"Decision {k}", context="c", decision="d",
                                            status="accepted", is_key=True))
        waivers.append(GateWaiver(application=app, gate=GateCode.ACCESS, reason="r",
                                  expires_on=today + timedelta(days=5), waived_by=waiver_by))
    for model, rows in [(EscalationLevel, levels), (OwnershipRule, rules), (Runbook, runbooks), (AccessCheck, access),
                        (KnownIssue, issues), (DecisionRecord, decisions), (GateWaiver, waivers)]:
        model._default_manager.bulk_create(rows)  # type: ignore[arg-type]  # each model its own rows
    alerts = AlertCheck.objects.bulk_create(alerts)
    AlertVerification.objects.bulk_create(
        AlertVerification(alert=a, verified_at=timezone.now(), verified_by=people[0], evidence="e") for a in alerts
    )
    drills = Drill.objects.bulk_create(drills)
    DrillAction.objects.bulk_create(DrillAction(drill=d, description="follow up") for d in drills)
    return applications


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(("apps", "per_kind"), [(10, 10), (200, 10), (10, 40)])
def test_dashboard_query_count_is_constant(client, lead, django_assert_num_queries, apps, per_kind) -> None:
    _world(apps, per_kind)
    readiness_snapshots_refresh_all()  # what beat does hourly
    client.force_login(lead)
    client.get(reverse("readiness:home"))  # a first page caches the navigation's roles label
    baseline = _queries(client, reverse("readiness:home"))
    with django_assert_num_queries(baseline):
        response = client.get(reverse("readiness:home"))
    assert len(response.context["rows"]) == min(apps, PAGE_SIZE)
    assert response.context["page"].paginator.count == apps
    assert sum(r["snapshot"].blockers for r in response.context["rows"]) > 0
    # Same number however big the world: pinned, so a new per-row query fails here.
    assert baseline == DASHBOARD_QUERIES


@pytest.mark.parametrize(("apps", "per_kind"), [(10, 10), (200, 10), (10, 40)])
def test_checklist_query_count_is_constant(client, lead, apps, per_kind) -> None:
    applications = _world(apps, per_kind)
    readiness_snapshots_refresh_all()  # what beat does hourly (a page only reads snapshots, never stores them)
    client.force_login(lead)
    url = reverse("readiness:application_detail", args=[applications[-1].slug])
    response = client.get(url)
    assert len(response.context["verdict"].blockers) > 0
    assert _queries(client, url) == CHECKLIST_QUERIES


# Both read stored verdicts (ReadinessSnapshot) instead of every kind of evidence (25 and 27
# queries before). Dashboard: session, user, the count, the page, the page's verdicts,
# permissions (Django's backend: the user's own and their groups'), the navigation's roles; those
# on the page without a current verdict are judged in memory. Checklist: session, user, the
# application, today's verdict and the chart's recorded days (one query), waivers (these
# applications have one; none, no query), permissions (two), membership (asked once however
# often), the navigation's roles, and the people who left behind the application's role holders
# (readiness.leavers: a small query).
DASHBOARD_QUERIES = 8
CHECKLIST_QUERIES = 10


def test_the_rendered_verdict_is_not_kept_past_a_write(client, lead) -> None:
    # The checklist keeps its rendered verdict under today's stored verdict: a write retires both.
    from readiness.services.gates import waiver_approve, waiver_request

    application = factories.ApplicationFactory(delivery_lead=lead)
    client.force_login(lead)
    before = client.get(application.get_absolute_url()).content.decode()
    assert 'id="waived"' not in before
    assert client.get(application.get_absolute_url()).content.decode().count('data-status="not_met"') == (
        before.count('data-status="not_met"'))

    waiver = waiver_request(application=application, requested_by=lead, gate=GateCode.KNOWLEDGE,
                            reason="Written up this week.", expires_on=timezone.localdate() + timedelta(days=3))
    waiver_approve(waiver=waiver, approved_by=application.business_owner)

    after = client.get(application.get_absolute_url()).content.decode()
    assert "Written up this week." in after.split('id="waived"', 1)[1]
    assert after.count('data-status="not_met"') == before.count('data-status="not_met"') - 1


def test_dashboard_rows_show_stage_go_live_and_days_to_go_or_live(client, lead) -> None:
    today = timezone.localdate()
    apps = [
        factories.ApplicationFactory(name="Ahead", stage=Stage.HARDENING, go_live_date=today + timedelta(days=4)),
        factories.ApplicationFactory(name="Live", stage=Stage.HYPERCARE, go_live_date=today - timedelta(days=3)),
        factories.ApplicationFactory(name="Undated", stage=Stage.BUILD, go_live_date=None),
    ]
    client.force_login(lead)
    html = client.get(reverse("readiness:home"), {"sort": "name"}).content.decode()
    rows = re.findall(r'<tr>\s*<td><a href="([^"]+)">(\w+)</a></td>(.*?)</tr>', html, re.S)
    assert [(href, name) for href, name, _ in rows] == [(a.get_absolute_url(), a.name) for a in apps]
    cells = {name: re.findall(r"<td[^>]*>(.*?)</td>", row) for _, name, row in rows}
    ahead = today + timedelta(days=4)
    assert cells["Ahead"][:3] == ["Hardening", f"{ahead:%a} {ahead.day} {ahead:%b %Y}", "4"]
    assert cells["Live"][0] == "Hypercare" and cells["Live"][2] == "live 3 days"
    assert cells["Undated"][:3] == ["Build", "not set", "—"]
