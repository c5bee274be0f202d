"""After sign-off the hypercare page leads with the signed record and offers only what the server
takes; a redefined criterion brings the application back into hypercare, with the reason shown on
the hypercare page, the dashboard and the checklist (issue 15, Must show 5)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from readiness.models import Escalation, ExitCriterion, Hypercare, HypercareExtension, SignOff, Stage
from readiness.permissions import CLOSED_REASON
from tests import factories

pytestmark = pytest.mark.django_db

REFUSED_CONTROLS = [
    "Sign off hypercare exit",
    "Agree window and exit criteria",
    "Edit plan",
    "Add criterion",
    ">Attest<",
    ">Accept unmet<",
    "Extend hypercare",
    "You cannot sign off yet",
]
REFUSED_URLS = ["hypercare_plan_edit", "criterion_create", "hypercare_extend", "hypercare_agree", "hypercare_sign_off"]


def _page(client, app) -> str:
    return client.get(reverse("readiness:hypercare_detail", args=[app.slug])).content.decode()


def _signed_record(page: str) -> str:
    start = page.index('id="signed-record"')
    return page[start : page.index("</section>", start)]


def test_the_signed_page_leads_with_who_when_and_each_criterion_as_signed(client) -> None:
    owner = factories.business_owner(first_name="Priya", last_name="Raman")
    app = factories.signed_off_application(owner=owner, statement="Support has been steady for a week.")
    sign_off = SignOff.objects.get()
    client.force_login(app.delivery_lead)
    page = _page(client, app)
    assert page.index('id="signed-record"') < page.index('id="plan-heading"'), "the signed record comes first"
    record = _signed_record(page)
    signed_at = timezone.localtime(sign_off.signed_at)
    assert "Signed off by <strong>Priya Raman</strong>" in record
    assert f"{signed_at:%a} {signed_at.day} {signed_at:%b %Y, %H:%M}" in record
    assert "Support has been steady for a week." in record
    assert "Sign-off record intact (1 sign-off, chain verified)." in record
    for criterion in sign_off.snapshot["criteria"]:
        assert criterion["name"] in record
        assert criterion["threshold_text"] in record
        assert criterion["value_text"] in record
    assert record.count(">Met</span>") == len(sign_off.snapshot["criteria"])


def test_the_record_shows_values_as_signed_when_the_live_value_moves_on(client) -> None:
    app = factories.signed_off_application()
    level, rule = app.levels.get(position=1), app.ownership_rules.get()
    Escalation.objects.create(
        application=app,
        occurred_at=timezone.now() - timedelta(hours=2),
        severity=1,
        problem_class=rule,
        from_level=level,
        summary="Orders stuck.",
        logged_by=app.delivery_lead,
    )
    client.force_login(app.business_owner)
    page = _page(client, app)
    record = _signed_record(page)
    assert "0 severity-1 in the last 7 days" in record
    assert "1 severity-1 in the last 7 days" not in record
    assert "1 severity-1 in the last 7 days" in page  # the live table below, titled as now
    assert "Exit criteria now" in page


@pytest.mark.parametrize("who", ["business_owner", "delivery_lead"])
def test_no_control_the_server_would_refuse_and_the_reason_instead(client, who) -> None:
    app = factories.signed_off_application()
    client.force_login(getattr(app, who))
    page = _page(client, app)
    for control in REFUSED_CONTROLS:
        assert control not in page, control
    for name in REFUSED_URLS:
        assert f'"{reverse(f"readiness:{name}", args=[app.slug])}"' not in page, name
    assert "/attest/" not in page and "/accept/" not in page
    assert CLOSED_REASON in page
    assert "Hypercare is already signed off" not in page
    # Redefining stays open to editors (both roles edit): it is how a sign-off is undone.
    assert page.count("(reopens hypercare)") == app.exit_criteria.count()


def test_someone_without_a_role_on_it_sees_the_record_without_the_reason(client) -> None:
    app = factories.signed_off_application()
    client.force_login(factories.support_analyst())
    page = _page(client, app)
    assert 'id="signed-record"' in page and CLOSED_REASON not in page
    assert "Only the business owner" not in page


def test_every_closed_action_is_refused_by_the_server_with_the_reason_and_writes_nothing(client) -> None:
    app = factories.signed_off_application()
    criterion = app.exit_criteria.get(kind="attestation")
    posts: dict[Any, list[tuple[str, list[int], dict[str, Any]]]] = {
        app.delivery_lead: [
            ("hypercare_plan_edit", [], {"starts_on": "2026-01-01", "planned_end_on": "2026-01-20"}),
            ("criterion_create", [], {"name": "New", "kind": "attestation", "position": 9}),
            ("criterion_attest", [criterion.pk], {"evidence": "Again."}),
            ("hypercare_extend", [], {"reason": "More.", "new_end_on": "2099-01-01"}),
        ],
        app.business_owner: [
            ("hypercare_agree", [], {}),
            ("criterion_accept", [criterion.pk], {"reason": "Fine."}),
            ("hypercare_sign_off", [], {"confirm": "on"}),
        ],
    }
    before = (
        ExitCriterion.objects.count(),
        HypercareExtension.objects.count(),
        SignOff.objects.count(),
        Hypercare.history.count(),
    )
    for user, requests in posts.items():
        client.force_login(user)
        for name, args, data in requests:
            response = client.post(reverse(f"readiness:{name}", args=[app.slug, *args]), data)
            assert response.status_code == 403, name
            assert CLOSED_REASON in response.content.decode(), name
    after = (
        ExitCriterion.objects.count(),
        HypercareExtension.objects.count(),
        SignOff.objects.count(),
        Hypercare.history.count(),
    )
    assert after == before
    criterion.refresh_from_db()
    assert criterion.evidence == "Month-end orders reconciled with the ERP, ticket FIN-221."
    app.refresh_from_db()
    assert app.stage == Stage.BAU


def _redefine(client, app, threshold: str = "90"):
    criterion = app.exit_criteria.get(metric="support_resolution_rate_7_days")
    client.force_login(app.delivery_lead)
    return client.post(
        reverse("readiness:criterion_edit", args=[app.slug, criterion.pk]),
        {
            "name": criterion.name,
            "description": criterion.description,
            "kind": "metric",
            "metric": criterion.metric,
            "threshold": threshold,
            "position": criterion.position,
        },
    )


REASON = "“Support resolves most escalations without engineering” now needs 90 (signed with 80)"


def test_a_redefined_criterion_brings_the_application_back_into_hypercare_with_the_reason(client) -> None:
    owner = factories.business_owner(first_name="Priya", last_name="Raman")
    app = factories.signed_off_application(owner=owner)
    assert app.exit_criteria.get(metric="support_resolution_rate_7_days").name in REASON
    assert _redefine(client, app).status_code == 302
    app.refresh_from_db()
    hypercare = Hypercare.objects.get(application=app)
    assert app.stage == Stage.HYPERCARE
    assert hypercare.status == "active" and hypercare.exited_at is None
    assert hypercare.reopened_reason.startswith(f"The sign-off by Priya Raman no longer holds: {REASON}.")

    page = _page(client, app)
    assert "Sign-off invalidated: back in hypercare" in page and REASON in page
    assert 'id="signed-record"' not in page
    assert '<span id="stage">Hypercare</span>' in page

    dashboard = client.get(reverse("readiness:home")).content.decode()
    row = dashboard[dashboard.index(f'href="{app.get_absolute_url()}"') :]
    row = row[: row.index("</tr>")]
    assert "Hypercare" in row and "Sign-off invalidated:" in row and REASON in row

    checklist = client.get(app.get_absolute_url()).content.decode()
    banner = checklist[checklist.index('id="reopened"') :]
    assert "Back in hypercare:" in banner[:600] and REASON in banner[:600]


def test_signing_again_closes_it_and_the_reason_goes(client) -> None:
    app = factories.signed_off_application()
    _redefine(client, app)
    client.force_login(app.business_owner)
    # The plan changed, so the owner agrees it again, then signs again.
    assert client.post(reverse("readiness:hypercare_agree", args=[app.slug])).status_code == 302
    page = _page(client, app)
    assert "Sign off hypercare exit" in page  # offered again, now that the server would take it
    response = client.post(reverse("readiness:hypercare_sign_off", args=[app.slug]), {"confirm": "on"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.stage == Stage.BAU and SignOff.objects.count() == 2
    assert Hypercare.objects.get(application=app).reopened_reason == ""
    page = _page(client, app)
    assert "(sign-off 2)" in page and "Sign-off record intact (2 sign-offs, chain verified)." in page
    dashboard = client.get(reverse("readiness:home")).content.decode()
    assert "Sign-off invalidated" not in dashboard


def test_changing_evidence_alone_does_not_reopen(client) -> None:
    from readiness.services.hypercare import hypercare_reopen_if_invalidated

    app = factories.signed_off_application()
    assert hypercare_reopen_if_invalidated(application=app) is False
    app.refresh_from_db()
    assert app.stage == Stage.BAU


def test_the_pack_shows_the_sign_off_time_for_people_and_the_export_keeps_iso(client) -> None:
    app = factories.signed_off_application()
    sign_off = SignOff.objects.get()
    client.force_login(app.delivery_lead)
    page = client.get(reverse("readiness:handoff_pack", args=[app.slug])).content.decode()
    signed_at = timezone.localtime(sign_off.signed_at)
    assert f"on {signed_at:%a} {signed_at.day} {signed_at:%b %Y, %H:%M}" in page
    assert signed_at.isoformat() not in page
    exported = client.get(reverse("readiness:handoff_pack_json", args=[app.slug])).json()
    assert exported["sign_off"]["signed_at"] == signed_at.isoformat()


def test_a_write_read_before_the_sign_off_and_sent_after_it_is_refused_by_the_service() -> None:
    """Two tabs: the lead's extension form was drawn while hypercare ran; the owner signs off;
    then the extension arrives. The view's check read a moment-old row: the service refuses."""
    from django.core.exceptions import PermissionDenied

    from readiness.services.hypercare import exit_criterion_attest, hypercare_extend

    app = factories.signed_off_application()
    stale = Hypercare.objects.get(application=app)
    stale.status = "active"  # as the lead's request read it, before the sign-off committed
    criterion = app.exit_criteria.first()
    with pytest.raises(PermissionDenied, match="Hypercare is signed off"):
        hypercare_extend(hypercare=stale, reason="More time.", new_end_on=stale.current_end_on + timedelta(days=7),
                         by=app.delivery_lead)
    with pytest.raises(PermissionDenied, match="Hypercare is signed off"):
        exit_criterion_attest(criterion=criterion, evidence="Checked.", by=app.delivery_lead)
    assert Hypercare.objects.get(application=app).status == "exited"
    assert not HypercareExtension.objects.exists()
