"""Bad input in every hypercare form: a plain message beside the field, and nothing saved."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from readiness.defaults import DEFAULT_EXIT_CRITERIA
from readiness.models import Escalation, ExitCriterion, Hypercare, HypercareExtension, SignOff
from tests import factories

pytestmark = pytest.mark.django_db


def _error_beside(html: str, field: str, message: str) -> None:
    """Crispy renders the message in the field's own invalid-feedback block, tied to the input by id."""
    match = re.search(rf'<[^>]+id="error_\d+_id_{field}"[^>]*>\s*<strong>(.*?)</strong>', html, re.S)
    assert match, f"no error beside {field}"
    assert message in match.group(1)


def _counts() -> tuple[int, ...]:
    return (Hypercare.objects.count(), ExitCriterion.objects.count(), Escalation.objects.count(),
            HypercareExtension.objects.count(), SignOff.objects.count())


@pytest.fixture
def app():
    return factories.hypercare_application()


def test_plan_window_outside_two_to_four_weeks(client, app) -> None:
    client.force_login(app.delivery_lead)
    hypercare = app.hypercare
    before = (_counts(), hypercare.planned_end_on)
    response = client.post(reverse("readiness:hypercare_plan_edit", args=[app.slug]), {
        "starts_on": hypercare.starts_on.isoformat(),
        "planned_end_on": (hypercare.starts_on + timedelta(days=10)).isoformat(),
        "rules_in_force": "Support first.",
    })
    assert response.status_code == 200
    _error_beside(response.content.decode(), "planned_end_on", "Hypercare lasts two to four weeks")
    hypercare.refresh_from_db()
    assert (_counts(), hypercare.planned_end_on) == before


def test_plan_for_an_application_without_one_is_created_with_template_criteria(client, lead) -> None:
    app = factories.ApplicationFactory(delivery_lead=lead)
    client.force_login(lead)
    start = timezone.localdate() + timedelta(days=5)
    response = client.post(reverse("readiness:hypercare_plan_edit", args=[app.slug]), {
        "starts_on": start.isoformat(), "planned_end_on": (start + timedelta(days=21)).isoformat(),
        "rules_in_force": "Support first.",
    })
    assert response["Location"] == reverse("readiness:hypercare_detail", args=[app.slug])
    hypercare = Hypercare.objects.get(application=app)
    assert (hypercare.starts_on, hypercare.planned_end_on) == (start, start + timedelta(days=21))
    names = [criterion["name"] for criterion in DEFAULT_EXIT_CRITERIA]
    assert list(app.exit_criteria.values_list("name", flat=True)) == names
    page = client.get(response["Location"]).content.decode()
    assert all(escape(name) in page for name in names)


def test_criterion_metric_without_threshold(client, app) -> None:
    client.force_login(app.delivery_lead)
    before = _counts()
    response = client.post(reverse("readiness:criterion_create", args=[app.slug]), {
        "name": "Fewer than 3 severity-2", "kind": "metric", "metric": "no_sev1_last_7_days", "threshold": "",
        "position": 7,
    })
    _error_beside(response.content.decode(), "threshold", "A metric needs a threshold")
    assert _counts() == before


def test_criterion_percentage_over_100(client, app) -> None:
    client.force_login(app.delivery_lead)
    criterion = app.exit_criteria.get(metric="support_resolution_rate_7_days")
    response = client.post(reverse("readiness:criterion_edit", args=[app.slug, criterion.pk]), {
        "name": criterion.name, "kind": "metric", "metric": criterion.metric, "threshold": "120", "position": 2,
    })
    _error_beside(response.content.decode(), "threshold", "between 0 and 100")
    criterion.refresh_from_db()
    assert criterion.threshold == 80


def test_criterion_attestation_with_a_metric(client, app) -> None:
    client.force_login(app.delivery_lead)
    before = _counts()
    response = client.post(reverse("readiness:criterion_create", args=[app.slug]), {
        "name": "Warehouse trained", "kind": "attestation", "metric": "no_sev1_last_7_days", "position": 7,
    })
    _error_beside(response.content.decode(), "metric", "An attestation has no metric")
    assert _counts() == before


def test_attestation_without_real_evidence(client, app) -> None:
    client.force_login(app.delivery_lead)
    criterion = app.exit_criteria.get(kind="attestation")
    response = client.post(reverse("readiness:criterion_attest", args=[app.slug, criterion.pk]), {"evidence": "ok"})
    _error_beside(response.content.decode(), "evidence", "Describe the evidence")
    criterion.refresh_from_db()
    assert criterion.evidence == "" and criterion.attested_at is None


def test_accepting_unmet_without_a_reason(client, app) -> None:
    client.force_login(app.business_owner)
    criterion = app.exit_criteria.get(kind="attestation")
    response = client.post(reverse("readiness:criterion_accept", args=[app.slug, criterion.pk]), {"reason": " "})
    _error_beside(response.content.decode(), "reason", "This field is required")
    criterion.refresh_from_db()
    assert not criterion.accepted_unmet


def test_extension_to_a_date_before_the_current_end(client, app) -> None:
    client.force_login(app.delivery_lead)
    before = _counts()
    response = client.post(reverse("readiness:hypercare_extend", args=[app.slug]), {
        "new_end_on": app.hypercare.planned_end_on.isoformat(), "reason": "Integration still fragile.",
    })
    _error_beside(response.content.decode(), "new_end_on", "Choose a date after")
    response = client.post(reverse("readiness:hypercare_extend", args=[app.slug]), {
        "new_end_on": (app.hypercare.planned_end_on + timedelta(days=7)).isoformat(), "reason": "",
    })
    _error_beside(response.content.decode(), "reason", "This field is required")
    assert _counts() == before


def test_extension_with_a_reason_and_date_is_recorded(client, app) -> None:
    client.force_login(app.delivery_lead)
    new_end = app.hypercare.planned_end_on + timedelta(days=7)
    response = client.post(reverse("readiness:hypercare_extend", args=[app.slug]), {
        "new_end_on": new_end.isoformat(), "reason": "The ERP integration still fails weekly.",
    })
    assert response.status_code == 302
    hypercare = Hypercare.objects.get(pk=app.hypercare.pk)
    assert hypercare.current_end_on == new_end and hypercare.status == "extended"
    assert hypercare.planned_end_on == new_end - timedelta(days=7)  # the agreed plan stays as agreed


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"occurred_at": "tomorrow"}, "occurred_at", "An escalation cannot be logged in the future."),
        ({"occurred_at": "not a date"}, "occurred_at", "Enter a valid date/time."),
        ({"to_level": "same"}, "to_level", "goes to a different level"),
        ({"resolved_by": "support", "minutes_to_resolve": ""}, "minutes_to_resolve", "Give the time it took"),
        ({"resolved_by": "", "minutes_to_resolve": "30"}, "resolved_by", "Say who resolved it"),
        ({"minutes_to_resolve": "-5", "resolved_by": "support"}, "minutes_to_resolve", "greater than or equal to 0"),
        ({"summary": "  "}, "summary", "This field is required"),
        ({"severity": "9"}, "severity", "Select a valid choice"),
        ({"problem_class": "foreign"}, "problem_class", "Select a valid choice"),
    ],
)
def test_escalation_form_bad_input(client, app, changes, field, message) -> None:
    analyst = factories.support_analyst()
    app.members.add(analyst)
    client.force_login(analyst)
    level1 = app.levels.get(position=1)
    other_app = factories.hypercare_application()
    data = {
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "severity": 3, "problem_class": app.ownership_rules.first().pk, "from_level": level1.pk,
        "to_level": app.levels.get(position=2).pk, "resolved_by": "", "minutes_to_resolve": "",
        "summary": "Prices wrong for one customer.",
    }
    data.update(changes)
    if data["occurred_at"] == "tomorrow":
        data["occurred_at"] = (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    if data["to_level"] == "same":
        data["to_level"] = level1.pk
    if data["problem_class"] == "foreign":
        data["problem_class"] = other_app.ownership_rules.first().pk
    before = _counts()
    response = client.post(reverse("readiness:escalationlog_create", args=[app.slug]), data)
    assert response.status_code == 200
    _error_beside(response.content.decode(), field, message)
    assert _counts() == before


def test_sign_off_without_confirmation(client, app) -> None:
    client.force_login(app.business_owner)
    response = client.post(reverse("readiness:hypercare_sign_off", args=[app.slug]), {"statement": "x"})
    _error_beside(response.content.decode(), "confirm", "Tick the box")
    assert not SignOff.objects.exists()


def test_history_as_of_in_the_future(client, app) -> None:
    client.force_login(app.delivery_lead)
    future = timezone.localdate() + timedelta(days=3)
    response = client.get(reverse("readiness:history", args=[app.slug]), {"as_of": future.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="as_of_error">Choose today or a date in the past.' in html


def test_escalation_filter_with_reversed_dates(client, app) -> None:
    client.force_login(app.delivery_lead)
    response = client.get(reverse("readiness:escalationlog_list", args=[app.slug]),
                          {"since": "2026-03-10", "until": "2026-03-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
