"""Separation of duties: the person who signs hypercare off is not chosen by the team being signed off.

Only a holder of the Business owner role can be an application's business owner; only the
current owner or an administrator hands the post on; a hand-over retires what the previous owner
agreed and accepted, so gate 9 needs a fresh agreement.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from readiness.gates import Status, verdict_for
from readiness.models import Application, ExitCriterion, GateCode, Hypercare
from readiness.services.applications import application_business_owner_change
from readiness.services.hypercare import exit_criterion_accept_unmet, hypercare_agree, hypercare_plan_save
from tests import factories

pytestmark = pytest.mark.django_db

ROLE_NEEDED = "Only a holder of the Business owner role can be an application&#x27;s business owner."


def _agreed_application() -> Application:
    """Going live in two weeks: plan agreed by its owner, one criterion accepted unmet (gate 9 met)."""
    go_live = timezone.localdate() + timedelta(days=14)
    app = factories.ApplicationFactory(go_live_date=go_live)
    hypercare = hypercare_plan_save(application=app, starts_on=go_live, planned_end_on=go_live + timedelta(days=21),
                                    rules_in_force="Support first.")
    exit_criterion_accept_unmet(criterion=app.exit_criteria.get(metric="support_full_cycle_alone"),
                                reason="Vendor covers the cycle this quarter.", by=app.business_owner)
    hypercare_agree(hypercare=hypercare, by=app.business_owner)
    return app


def _gate9(app: Application):
    return next(r for r in verdict_for(app).results if r.gate.code == GateCode.HYPERCARE_PLAN)


def _form_data(app: Application, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": app.name, "slug": app.slug, "description": app.description, "current_release": app.current_release,
        "go_live_date": app.go_live_date.isoformat(), "stage": app.stage,
        "delivery_lead": app.delivery_lead_id, "business_owner": app.business_owner_id,
        "support_lead": app.support_lead_id, "members": [],
    }
    data.update(changes)
    return data


def _edit(client, app: Application, **changes: object):
    return client.post(reverse("readiness:application_edit", args=[app.slug]), _form_data(app, **changes))


def _error_beside_business_owner(page: str) -> str:
    """The error text drawn under the business owner field (crispy's invalid-feedback)."""
    field = page[page.index('id="div_id_business_owner"'):]
    field = field[:field.index('id="div_id_support_lead"')]
    feedback = field[field.index('class="invalid-feedback"'):] if 'class="invalid-feedback"' in field else ""
    return " ".join(re.findall(r"<strong>(.*?)</strong>", feedback, re.S))


def test_delivery_lead_sees_the_business_owner_field_read_only_with_why(client) -> None:
    app = _agreed_application()
    client.force_login(app.delivery_lead)
    page = client.get(reverse("readiness:application_edit", args=[app.slug])).content.decode()
    select = re.search(r'<select name="business_owner"[^>]*>', page).group(0)
    assert "disabled" in select
    assert "Only the current business owner or an administrator can hand business ownership on" in page


def test_delivery_lead_cannot_change_the_business_owner(client) -> None:
    app = _agreed_application()
    previous = app.business_owner
    client.force_login(app.delivery_lead)
    response = _edit(client, app, business_owner=factories.business_owner().pk)
    assert response.status_code == 200
    assert "Only the current business owner or an administrator can change this." in _error_beside_business_owner(
        response.content.decode())
    app.refresh_from_db()
    assert app.business_owner == previous
    assert Hypercare.objects.get(application=app).agreed_by == previous


def test_delivery_lead_editing_other_fields_keeps_the_owner(client) -> None:
    app = _agreed_application()
    owner = app.business_owner
    client.force_login(app.delivery_lead)
    data = _form_data(app, current_release="2.0.0")
    del data["business_owner"]  # a disabled field is not sent by the browser
    assert client.post(reverse("readiness:application_edit", args=[app.slug]), data).status_code == 302
    app.refresh_from_db()
    assert (app.current_release, app.business_owner) == ("2.0.0", owner)
    hypercare = Hypercare.objects.get(application=app)
    assert (hypercare.agreed_by, hypercare.agreed_at is not None) == (owner, True)


def test_nobody_without_the_business_owner_role_can_be_set(client) -> None:
    app = _agreed_application()
    previous = app.business_owner
    client.force_login(previous)
    for somebody in (factories.delivery_lead(), factories.support_analyst(), factories.UserFactory()):
        response = _edit(client, app, business_owner=somebody.pk)
        assert response.status_code == 200
        assert ROLE_NEEDED in _error_beside_business_owner(response.content.decode())
    app.refresh_from_db()
    assert app.business_owner == previous


def test_a_new_application_cannot_name_a_delivery_lead_as_business_owner(client) -> None:
    lead = factories.delivery_lead()
    client.force_login(lead)
    response = client.post(reverse("readiness:application_create"), {
        "name": "Billing Hub", "slug": "billing-hub", "stage": "build", "delivery_lead": lead.pk,
        "business_owner": lead.pk,
    })
    assert response.status_code == 200
    assert ROLE_NEEDED in _error_beside_business_owner(response.content.decode())
    assert not Application.objects.filter(slug="billing-hub").exists()


def test_the_model_refuses_an_owner_without_the_role() -> None:
    app = factories.ApplicationFactory()
    app.business_owner = factories.delivery_lead()
    with pytest.raises(ValidationError) as refused:
        app.full_clean()
    assert refused.value.message_dict["business_owner"] == [
        "Only a holder of the Business owner role can be an application's business owner."]


def test_the_owner_hands_over_and_what_they_signed_for_is_retired(client) -> None:
    app = _agreed_application()
    previous = app.business_owner
    assert _gate9(app).status == Status.MET
    successor = factories.business_owner(first_name="Noor", last_name="Haddad")
    client.force_login(previous)
    response = _edit(client, app, business_owner=successor.pk)
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.business_owner == successor
    # The previous owner's acceptance and agreement are theirs alone: gone.
    accepted = ExitCriterion.objects.get(application=app, metric="support_full_cycle_alone")
    assert (accepted.accepted_unmet, accepted.accepted_by, accepted.accepted_at) == (False, None, None)
    hypercare = Hypercare.objects.get(application=app)
    assert (hypercare.agreed_at, hypercare.agreed_by) == (None, None)
    gate = _gate9(app)
    assert gate.status == Status.NOT_MET and "has not agreed" in gate.missing[0].text
    # The checklist shows it too, and the history says who handed it to whom.
    checklist = client.get(reverse("readiness:application_detail", args=[app.slug])).content.decode()
    assert "has not agreed" in checklist
    history = app.history.order_by("-history_date").first()
    assert history.business_owner_id == successor.pk and history.history_user == previous
    assert history.history_change_reason == "Business owner handed on"
    page = client.get(reverse("readiness:history", args=[app.slug])).content.decode()
    assert "Noor Haddad" in page and "Business owner handed on" in page
    # The new owner agrees afresh.
    client.force_login(successor)
    assert client.post(reverse("readiness:hypercare_agree", args=[app.slug])).status_code == 302
    assert _gate9(app).status == Status.MET


def test_an_administrator_hands_over(client, admin_user) -> None:
    app = _agreed_application()
    successor = factories.business_owner()
    client.force_login(admin_user)
    assert _edit(client, app, business_owner=successor.pk).status_code == 302
    app.refresh_from_db()
    assert app.business_owner == successor
    assert Hypercare.objects.get(application=app).agreed_at is None


def test_the_service_refuses_whoever_is_not_the_owner() -> None:
    app = _agreed_application()
    with pytest.raises(PermissionDenied):
        application_business_owner_change(application=app, new_owner=factories.business_owner(),
                                          by=app.delivery_lead)
    app.refresh_from_db()
    assert Hypercare.objects.get(application=app).agreed_at is not None


def test_the_admin_hands_over_through_the_same_service(admin_client) -> None:
    app = _agreed_application()
    successor = factories.business_owner()
    url = reverse("admin:readiness_application_change", args=[app.pk])
    data = {**_form_data(app, business_owner=successor.pk), "contact_verification_days": 90,
            "first_level_verification_days": 30}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    app.refresh_from_db()
    assert app.business_owner == successor
    assert Hypercare.objects.get(application=app).agreed_at is None
    assert not ExitCriterion.objects.filter(application=app, accepted_unmet=True).exists()
    # Nor here can a holder of another role be named.
    response = admin_client.post(url, {**data, "business_owner": factories.delivery_lead().pk})
    assert response.status_code == 200
    assert "Only a holder of the Business owner role" in response.content.decode()
