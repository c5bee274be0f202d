"""Exit criteria: computed from the escalation log and known issues, at once, and shown on the hypercare page."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.hypercare import hypercare_state
from readiness.models import Application, ExitCriterion, MetricCode, ResolvedBy
from tests import factories

pytestmark = pytest.mark.django_db


def _statuses(application: Application) -> dict[str, tuple[str, str]]:
    results = hypercare_state(application).results
    return {r.criterion.metric or r.criterion.name: (r.status, r.value_text) for r in results}


def _log(application: Application, *, severity: int = 3, resolved_by: str = "", days_ago: float = 1) -> None:
    level = application.levels.get(position=1)
    occurred = timezone.now() - timedelta(days=days_ago)
    factories.EscalationFactory(
        application=application,
        occurred_at=occurred,
        severity=severity,
        problem_class=application.ownership_rules.first(),
        from_level=level,
        to_level=application.levels.get(position=2) if resolved_by != ResolvedBy.SUPPORT else None,
        resolved_by=resolved_by,
        resolved_at=occurred + timedelta(minutes=30) if resolved_by else None,
    )


def _half_resolved_by_support() -> Application:
    """In hypercare ten days, six escalations this week: three resolved by support, three by engineering."""
    application = factories.hypercare_application()
    for days_ago in (1, 2, 3):
        _log(application, resolved_by=ResolvedBy.SUPPORT, days_ago=days_ago)
        _log(application, resolved_by=ResolvedBy.ENGINEERING, days_ago=days_ago + 0.5)
    return application


def test_the_hypercare_page_shows_which_criteria_are_met_and_which_not(client) -> None:
    application = _half_resolved_by_support()
    client.force_login(application.delivery_lead)

    page = client.get(reverse("readiness:hypercare_detail", args=[application.slug])).content.decode()

    state = hypercare_state(application)
    assert state.plan_agreed
    assert {r.criterion.name: r.status for r in state.results} == {
        "No severity-1 incident in the last 7 days": "met",
        "Support resolves most escalations without engineering": "unmet",
        "Escalations per week are falling": "unmet",
        "Every open known issue has a workaround": "met",
        "Support ran a full incident cycle alone": "unmet",
        "Business owner confirms the new process works": "unmet",
    }
    assert "(2 of 6 met)" in page
    assert "50 % (3 of 6) by support alone" in page


def test_logging_escalations_changes_values_and_statuses_at_once(client) -> None:
    application = _half_resolved_by_support()
    before = _statuses(application)
    assert before[MetricCode.NO_SEV1_LAST_7_DAYS][0] == "met"
    assert before[MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS] == ("unmet", "50 % (3 of 6) by support alone")

    analyst = factories.support_analyst()
    application.members.add(analyst)
    client.force_login(analyst)
    levels = {lv.position: lv.pk for lv in application.levels.all()}
    rule = application.ownership_rules.get()
    occurred = timezone.localtime() - timedelta(hours=2)
    url = reverse("readiness:escalationlog_create", args=[application.slug])
    for _ in range(5):
        response = client.post(url, {
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), "severity": 3, "problem_class": rule.pk,
            "from_level": levels[1], "to_level": "", "resolved_by": "support", "minutes_to_resolve": 20,
            "summary": "Invoice sync delayed; support replayed it from the admin screen.",
        })
        assert response.status_code == 302
    response = client.post(url, {
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), "severity": 1, "problem_class": rule.pk,
        "from_level": levels[1], "to_level": levels[2], "summary": "ERP integration down for every customer.",
    })
    assert response.status_code == 302

    after = _statuses(application)
    assert after[MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS] == ("unmet", "66.7 % (8 of 12) by support alone")
    assert after[MetricCode.NO_SEV1_LAST_7_DAYS] == ("unmet", "1 severity-1 in the last 7 days")
    assert after[MetricCode.ESCALATIONS_PER_WEEK_FALLING][0] == "unmet"
    page = client.get(reverse("readiness:hypercare_detail", args=[application.slug])).content.decode()
    assert "1 severity-1 in the last 7 days" in page and "66.7 % (8 of 12) by support alone" in page


def test_support_resolution_rate_reaches_its_threshold() -> None:
    app = factories.hypercare_application()
    for _ in range(4):
        _log(app, resolved_by=ResolvedBy.SUPPORT)
    _log(app, resolved_by=ResolvedBy.ENGINEERING)
    assert _statuses(app)[MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS] == ("met", "80 % (4 of 5) by support alone")
    _log(app)  # still open: not resolved by support
    assert _statuses(app)[MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS][0] == "unmet"


def test_escalations_falling_compares_the_last_two_weeks() -> None:
    app = factories.hypercare_application()
    for _ in range(5):
        _log(app, days_ago=9)
    for _ in range(3):
        _log(app, days_ago=2)
    falling = _statuses(app)[MetricCode.ESCALATIONS_PER_WEEK_FALLING]
    assert falling == ("met", "3 in the last 7 days, 5 the 7 days before")
    for _ in range(3):
        _log(app, days_ago=1)
    assert _statuses(app)[MetricCode.ESCALATIONS_PER_WEEK_FALLING][0] == "unmet"


def test_full_cycle_alone_counts_only_serious_incidents_support_resolved() -> None:
    app = factories.hypercare_application()
    _log(app, severity=3, resolved_by=ResolvedBy.SUPPORT)
    _log(app, severity=2, resolved_by=ResolvedBy.ENGINEERING)
    assert _statuses(app)[MetricCode.SUPPORT_FULL_CYCLE_ALONE][0] == "unmet"
    _log(app, severity=2, resolved_by=ResolvedBy.SUPPORT)
    assert _statuses(app)[MetricCode.SUPPORT_FULL_CYCLE_ALONE][0] == "met"


def test_open_known_issue_without_workaround_fails_its_criterion() -> None:
    app = factories.hypercare_application()
    assert _statuses(app)[MetricCode.OPEN_KNOWN_ISSUES_HAVE_WORKAROUND][0] == "met"
    issue = factories.KnownIssueFactory(application=app, title="Rounding", symptom="Cents differ", workaround="")
    assert _statuses(app)[MetricCode.OPEN_KNOWN_ISSUES_HAVE_WORKAROUND] == (
        "unmet", "1 of 1 open known issues without a workaround")
    issue.workaround = "Quote the portal total; the ERP invoice is corrected overnight."
    issue.save()
    assert _statuses(app)[MetricCode.OPEN_KNOWN_ISSUES_HAVE_WORKAROUND][0] == "met"


def test_changing_a_threshold_changes_the_status() -> None:
    app = factories.hypercare_application()
    _log(app, severity=1)
    criterion = app.exit_criteria.get(metric=MetricCode.NO_SEV1_LAST_7_DAYS)
    assert _statuses(app)[MetricCode.NO_SEV1_LAST_7_DAYS][0] == "unmet"
    criterion.threshold = Decimal(1)
    criterion.save()
    assert _statuses(app)[MetricCode.NO_SEV1_LAST_7_DAYS][0] == "met"


def test_new_application_starts_from_the_template_criteria(lead, owner) -> None:
    from readiness.models import Application
    from readiness.services.applications import application_create

    app = application_create(
        application=Application(name="Returns portal", slug="returns", business_owner=owner, delivery_lead=lead)
    )
    criteria = list(app.exit_criteria.all())
    assert [c.metric for c in criteria if c.metric] == [code.value for code in MetricCode]
    assert any(c.kind == "attestation" for c in criteria)
    assert ExitCriterion.objects.get(application=app, metric=MetricCode.SUPPORT_RESOLUTION_RATE_7_DAYS).threshold == 80


def test_hypercare_page_asks_for_a_decision_at_the_planned_end(client, time_machine) -> None:
    app = factories.hypercare_application(days_live=10)
    client.force_login(app.delivery_lead)
    url = reverse("readiness:hypercare_detail", args=[app.slug])
    assert "The planned end has come" not in client.get(url).content.decode()
    time_machine.move_to(timezone.now() + timedelta(days=12))
    page = client.get(url).content.decode()
    assert "The planned end has come" in page
    assert reverse("readiness:hypercare_extend", args=[app.slug]) in page
    app.hypercare.refresh_from_db()
    assert app.hypercare.status == "active"  # nothing closed by itself
