"""Gate 9: a hypercare window and exit criteria agreed by the business owner before go-live."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.gates import Status, verdict_for
from readiness.models import Application, GateCode, Hypercare, HypercareExtension
from readiness.services.hypercare import exit_criterion_save, hypercare_agree, hypercare_plan_save
from tests import factories

pytestmark = pytest.mark.django_db


def _gate9(app: Application, on=None):
    return next(r for r in verdict_for(app, on).results if r.gate.code == GateCode.HYPERCARE_PLAN)


def _planned(days_to_go_live: int = 14) -> Application:
    go_live = timezone.localdate() + timedelta(days=days_to_go_live)
    app = factories.ApplicationFactory(go_live_date=go_live)
    hypercare_plan_save(application=app, starts_on=go_live, planned_end_on=go_live + timedelta(days=21),
                        rules_in_force="Support first.")
    return app


def test_no_plan_is_not_met_and_points_to_the_plan_page() -> None:
    app = factories.ApplicationFactory()
    result = _gate9(app)
    assert result.status == Status.NOT_MET
    assert result.missing[0].text == "No hypercare window set."
    assert result.missing[0].url == reverse("readiness:hypercare_plan_edit", args=[app.slug])


def test_plan_not_yet_agreed_is_not_met() -> None:
    result = _gate9(_planned())
    assert result.status == Status.NOT_MET
    assert "has not agreed" in result.missing[0].text


def test_plan_agreed_by_the_business_owner_before_go_live_is_met() -> None:
    app = _planned()
    hypercare_agree(hypercare=Hypercare.objects.get(application=app), by=app.business_owner)
    result = _gate9(app)
    assert result.status == Status.MET
    assert "6 exit criteria agreed by" in result.evidence[-1]


def test_a_criterion_changed_after_agreement_needs_agreement_again() -> None:
    app = _planned()
    hypercare_agree(hypercare=Hypercare.objects.get(application=app), by=app.business_owner)
    criterion = app.exit_criteria.get(metric="no_sev1_last_7_days")
    criterion.threshold = Decimal(1)
    exit_criterion_save(criterion=criterion)
    result = _gate9(app)
    assert result.status == Status.NOT_MET
    assert "changed after it was agreed" in result.missing[0].text


def test_agreement_after_go_live_does_not_meet_the_gate() -> None:
    app = _planned(days_to_go_live=-3)
    hypercare_agree(hypercare=Hypercare.objects.get(application=app), by=app.business_owner)
    result = _gate9(app)
    assert result.status == Status.NOT_MET
    assert "after go-live" in result.missing[0].text


def test_only_the_business_owner_agrees_the_plan(client) -> None:
    app = _planned()
    url = reverse("readiness:hypercare_agree", args=[app.slug])
    client.force_login(app.delivery_lead)
    assert client.post(url).status_code == 403
    client.force_login(app.business_owner)
    assert client.post(url).status_code == 302
    assert Hypercare.objects.get(application=app).agreed_by == app.business_owner


def _plan_and_criteria(app: Application) -> tuple[object, ...]:
    hypercare = Hypercare.objects.get(application=app)
    return (hypercare.starts_on, hypercare.planned_end_on, hypercare.rules_in_force,
            list(app.exit_criteria.values_list("name", "kind", "metric", "threshold")))


def test_support_analyst_cannot_edit_the_plan_or_criteria(client) -> None:
    app = _planned()
    app.members.add(analyst := factories.support_analyst())
    client.force_login(analyst)
    criterion = app.exit_criteria.first()
    before = _plan_and_criteria(app)
    for url in (reverse("readiness:hypercare_plan_edit", args=[app.slug]),
                reverse("readiness:criterion_create", args=[app.slug]),
                reverse("readiness:criterion_edit", args=[app.slug, criterion.pk]),
                reverse("readiness:hypercare_extend", args=[app.slug])):
        assert client.post(url, {"name": "x", "threshold": "1", "new_end_on": "2099-01-01",
                                 "reason": "x"}).status_code == 403, url
    assert _plan_and_criteria(app) == before
    assert not HypercareExtension.objects.exists()
