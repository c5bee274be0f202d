"""Sign-off: only the application's business owner; refused with reasons; stored with a snapshot; immutable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from readiness.models import ExitCriterion, SignOff, SignOffImmutable, Stage
from tests import factories

pytestmark = pytest.mark.django_db


def _meet_everything(app) -> None:
    """Attest the attestation; every metric of a quiet application is met except 'full cycle alone'."""
    for criterion in app.exit_criteria.all():
        if criterion.kind == "attestation":
            criterion.evidence = "Month-end orders reconciled with the ERP, ticket FIN-221."
            criterion.attested_at = timezone.now()
            criterion.save()
        if criterion.metric == "support_full_cycle_alone":
            criterion.threshold = Decimal(0)
            criterion.save()


def _sign(client, app, **data):
    return client.post(reverse("readiness:hypercare_sign_off", args=[app.slug]), {"confirm": "on", **data})


@pytest.mark.parametrize("who", ["support_analyst", "delivery_lead"])
def test_analyst_or_lead_posting_a_sign_off_gets_403(client, who) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    user = getattr(factories, who)()
    client.force_login(user)
    assert _sign(client, app).status_code == 403
    assert not SignOff.objects.exists()


def test_another_applications_business_owner_gets_403(client) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    client.force_login(factories.business_owner())
    assert _sign(client, app).status_code == 403
    assert not SignOff.objects.exists()


def test_owner_with_unmet_unaccepted_criteria_is_refused_with_the_reasons(client) -> None:
    app = factories.hypercare_application()
    client.force_login(app.business_owner)
    response = _sign(client, app)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sign-off refused" in page
    assert "“Support ran a full incident cycle alone” is not met" in page
    assert "“Business owner confirms the new process works” is not met" in page
    assert not SignOff.objects.exists()
    app.refresh_from_db()
    assert app.stage == Stage.HYPERCARE


def test_owner_must_tick_the_confirmation(client) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    client.force_login(app.business_owner)
    response = client.post(reverse("readiness:hypercare_sign_off", args=[app.slug]), {"statement": "ok"})
    assert "Tick the box to confirm you reviewed the criteria." in response.content.decode()
    assert not SignOff.objects.exists()


def test_with_all_met_the_sign_off_is_stored_with_its_snapshot_and_the_stage_moves(client) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    client.force_login(app.business_owner)
    response = _sign(client, app, statement="Support is steady.")
    assert response.status_code == 302
    sign_off = SignOff.objects.get()
    assert sign_off.signed_by == app.business_owner
    assert sign_off.statement == "Support is steady."
    names = [c["name"] for c in sign_off.snapshot["criteria"]]
    assert names == list(app.exit_criteria.values_list("name", flat=True))
    assert all(c["met"] for c in sign_off.snapshot["criteria"])
    rate = next(c for c in sign_off.snapshot["criteria"] if c["metric"] == "support_resolution_rate_7_days")
    assert rate["threshold"] == "80.0" and rate["value_text"] == "no escalations in the last 7 days"
    app.refresh_from_db()
    assert app.stage == Stage.BAU
    assert app.hypercare.status == "exited"


def test_an_unmet_criterion_accepted_with_a_reason_lets_the_owner_sign(client) -> None:
    app = factories.hypercare_application()
    client.force_login(app.business_owner)
    for criterion in app.exit_criteria.all():
        url = reverse("readiness:criterion_accept", args=[app.slug, criterion.pk])
        if criterion.metric == "support_full_cycle_alone" or criterion.kind == "attestation":
            response = client.post(url, {"reason": "Accepted: the vendor runs the next cycle with support."})
            assert response.status_code == 302
    assert _sign(client, app).status_code == 302
    snapshot = SignOff.objects.get().snapshot
    accepted = [c for c in snapshot["criteria"] if c["accepted_unmet"]]
    assert len(accepted) == 2 and all(not c["met"] and c["accepted_reason"] for c in accepted)


def test_only_the_owner_accepts_an_unmet_criterion(client) -> None:
    app = factories.hypercare_application()
    criterion = app.exit_criteria.get(kind="attestation")
    client.force_login(app.delivery_lead)
    url = reverse("readiness:criterion_accept", args=[app.slug, criterion.pk])
    assert client.post(url, {"reason": "Fine by me, says the lead."}).status_code == 403
    criterion.refresh_from_db()
    assert not criterion.accepted_unmet


def test_changing_a_threshold_after_sign_off_invalidates_it(client) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    client.force_login(app.business_owner)
    _sign(client, app)
    detail = reverse("readiness:hypercare_detail", args=[app.slug])
    assert "Signed off" in client.get(detail).content.decode()

    client.force_login(app.delivery_lead)
    criterion = app.exit_criteria.get(metric="support_resolution_rate_7_days")
    response = client.post(reverse("readiness:criterion_edit", args=[app.slug, criterion.pk]), {
        "name": criterion.name, "description": criterion.description, "kind": "metric",
        "metric": criterion.metric, "threshold": "90", "position": criterion.position,
    })
    assert response.status_code == 302
    page = client.get(detail).content.decode()
    assert "Sign-off invalidated" in page and "A new sign-off is needed" in page
    app.refresh_from_db()
    assert app.stage == Stage.HYPERCARE  # back in hypercare, not left in business as usual
    # The stored sign-off itself is untouched; the owner signs again.
    sign_off = SignOff.objects.get()
    assert sign_off.snapshot["criteria"][1]["threshold"] == "80.0"
    client.force_login(app.business_owner)
    assert _sign(client, app).status_code == 302
    assert SignOff.objects.count() == 2


def test_evidence_is_closed_after_sign_off_and_the_sign_off_stands(client) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    client.force_login(app.business_owner)
    _sign(client, app)
    criterion = app.exit_criteria.get(kind="attestation")
    response = client.post(reverse("readiness:criterion_attest", args=[app.slug, criterion.pk]),
                           {"evidence": "Reconciliation report for November, ticket FIN-230."})
    assert response.status_code == 403 and "Hypercare is signed off" in response.content.decode()
    page = client.get(reverse("readiness:hypercare_detail", args=[app.slug])).content.decode()
    assert "Signed off" in page and "Sign-off invalidated" not in page


def test_model_refuses_to_update_or_delete_a_sign_off(client) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    client.force_login(app.business_owner)
    _sign(client, app)
    sign_off = SignOff.objects.get()
    sign_off.statement = "rewritten"
    with pytest.raises(SignOffImmutable):
        sign_off.save()
    with pytest.raises(SignOffImmutable):
        sign_off.delete()
    assert SignOff.objects.get().statement == ""


def test_admin_shows_sign_offs_read_only(admin_client) -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    from readiness.services.hypercare import hypercare_sign_off

    sign_off = hypercare_sign_off(application=app, by=app.business_owner)
    change = reverse("admin:readiness_signoff_change", args=[sign_off.pk])
    assert admin_client.get(change).status_code == 200
    assert admin_client.post(change, {"statement": "edited"}).status_code == 403
    delete = reverse("admin:readiness_signoff_delete", args=[sign_off.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert admin_client.get(reverse("admin:readiness_signoff_add")).status_code == 403
    assert SignOff.objects.get().statement == ""


@pytest.mark.postgres
def test_postgresql_refuses_update_and_delete_of_a_sign_off_through_orm_and_raw_sql() -> None:
    app = factories.hypercare_application()
    _meet_everything(app)
    from readiness.services.hypercare import hypercare_sign_off

    sign_off = hypercare_sign_off(application=app, by=app.business_owner)
    with pytest.raises(IntegrityError, match="readiness_signoff_immutable"), transaction.atomic():
        SignOff.objects.filter(pk=sign_off.pk).update(statement="rewritten")
    with pytest.raises(IntegrityError, match="readiness_signoff_immutable"), transaction.atomic():
        SignOff.objects.filter(pk=sign_off.pk).delete()
    with pytest.raises(IntegrityError, match="readiness_signoff_immutable"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE readiness_signoff SET snapshot = '{}'::jsonb WHERE id = %s", [sign_off.pk])
    with pytest.raises(IntegrityError, match="readiness_signoff_immutable"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM readiness_signoff WHERE id = %s", [sign_off.pk])
    stored = SignOff.objects.get(pk=sign_off.pk)
    assert stored.statement == "" and stored.snapshot == sign_off.snapshot


def test_criterion_threshold_definition_change_clears_an_acceptance() -> None:
    app = factories.hypercare_application()
    criterion = app.exit_criteria.get(metric="support_full_cycle_alone")
    from readiness.services.hypercare import exit_criterion_accept_unmet, exit_criterion_save

    exit_criterion_accept_unmet(criterion=criterion, reason="Vendor covers the cycle.", by=app.business_owner)
    criterion = ExitCriterion.objects.get(pk=criterion.pk)
    criterion.threshold = Decimal(2)
    exit_criterion_save(criterion=criterion)
    criterion.refresh_from_db()
    assert not criterion.accepted_unmet and criterion.accepted_reason == ""
