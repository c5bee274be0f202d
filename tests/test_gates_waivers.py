"""Waivers with a workflow: asked for, approved by a second person, revocable, shown by status."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from readiness.gates import Status, verdict_for
from readiness.models import GateCode, GateWaiver
from readiness.services.gates import waiver_approve, waiver_request, waiver_revoke
from tests import factories


def _knowledge(application) -> Status:
    return next(r.status for r in verdict_for(application).results if r.gate.code == GateCode.KNOWLEDGE)


def _ask(application, lead, days: int = 10) -> GateWaiver:
    return waiver_request(application=application, requested_by=lead, gate=GateCode.KNOWLEDGE,
                          reason="The vendor's handover session is booked.",
                          expires_on=timezone.localdate() + timedelta(days=days))


def test_a_waiver_counts_only_once_a_second_person_approves_it(lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    waiver = _ask(application, lead)
    assert _knowledge(application) == Status.NOT_MET  # asked for, not in force

    with pytest.raises(PermissionDenied):
        waiver_approve(waiver=waiver, approved_by=lead)  # not the one who asked
    assert _knowledge(application) == Status.NOT_MET

    waiver_approve(waiver=waiver, approved_by=application.business_owner)
    assert _knowledge(application) == Status.WAIVED
    waiver.refresh_from_db()
    assert waiver.approved_by == application.business_owner and waiver.approved_at is not None


def test_the_database_refuses_a_waiver_approved_by_the_one_who_asked(lead) -> None:
    waiver = factories.GateWaiverFactory(waived_by=lead, approved_by=None, approved_at=None)
    with pytest.raises(IntegrityError), transaction.atomic():
        GateWaiver.objects.filter(pk=waiver.pk).update(approved_by=lead, approved_at=timezone.now())


def test_the_requester_sees_no_approve_button_but_why_and_the_server_refuses(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    waiver = _ask(application, lead)
    client.force_login(lead)

    html = client.get(application.get_absolute_url()).content.decode()
    row = html.split(f'id="waiver-{waiver.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "Waiting for approval" in row and "Approve" not in row
    assert "Someone else approves the waiver you asked for." in row
    response = client.post(reverse("readiness:waiver_approve", args=[application.slug, waiver.pk]))
    assert response.status_code == 403
    waiver.refresh_from_db()
    assert waiver.approved_at is None

    client.force_login(application.business_owner)
    row = client.get(application.get_absolute_url()).content.decode().split(f'id="waiver-{waiver.pk}"', 1)[1]
    assert reverse("readiness:waiver_approve", args=[application.slug, waiver.pk]) in row.split("</tr>", 1)[0]


def test_approving_twice_keeps_the_first_approval(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    waiver = _ask(application, lead)
    client.force_login(application.business_owner)
    url = reverse("readiness:waiver_approve", args=[application.slug, waiver.pk])
    assert client.post(url).status_code == 302
    first = GateWaiver.objects.get(pk=waiver.pk).approved_at
    assert client.post(url).status_code == 302
    assert GateWaiver.objects.get(pk=waiver.pk).approved_at == first


def test_a_revoked_waiver_stops_counting_at_once_and_says_why(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    waiver = waiver_approve(waiver=_ask(application, lead), approved_by=application.business_owner)
    assert _knowledge(application) == Status.WAIVED
    client.force_login(lead)
    url = reverse("readiness:waiver_revoke", args=[application.slug, waiver.pk])

    page = client.post(url, {"revoke_reason": "  "})
    assert page.status_code == 200
    assert page.context["form"].errors == {"revoke_reason": ["Say why the waiver is revoked."]}
    assert GateWaiver.objects.get(pk=waiver.pk).revoked_at is None

    response = client.post(url, {"revoke_reason": "The handover session was cancelled."}, follow=True)
    assert _knowledge(application) == Status.NOT_MET
    html = response.content.decode()
    assert "Revoked the waiver of 8. Knowledge transfer" in html
    row = html.split(f'id="waiver-{waiver.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-waiver-status="revoked"' in row and "The handover session was cancelled." in row
    assert "Revoke" not in row.split("</td>")[-2]  # nothing left to do with it
    with pytest.raises(ValidationError):
        waiver_approve(waiver=waiver, approved_by=application.business_owner)


def test_each_status_is_shown_distinctly(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    owner = application.business_owner
    today = timezone.localdate()
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        lapsed = factories.GateWaiverFactory(application=application, gate=GateCode.RUNBOOKS, waived_by=lead,
                                             approved_by=owner, expires_on=today - timedelta(days=1))
    pending = factories.GateWaiverFactory(application=application, gate=GateCode.ACCESS, waived_by=lead,
                                          approved_by=None, approved_at=None)
    active = factories.GateWaiverFactory(application=application, gate=GateCode.KNOWLEDGE, waived_by=lead,
                                         approved_by=owner, expires_on=today + timedelta(days=30))
    expiring = factories.GateWaiverFactory(application=application, gate=GateCode.MONITORING, waived_by=lead,
                                           approved_by=owner, expires_on=today + timedelta(days=3))
    revoked = factories.GateWaiverFactory(application=application, gate=GateCode.REHEARSAL, waived_by=lead,
                                          approved_by=owner, revoked_by=owner, revoked_at=timezone.now(),
                                          revoke_reason="Drills were run after all.")
    client.force_login(lead)

    html = client.get(application.get_absolute_url()).content.decode()

    shown = {}
    for waiver in (lapsed, pending, active, expiring, revoked):
        row = html.split(f'id="waiver-{waiver.pk}"', 1)[1].split("</tr>", 1)[0]
        shown[waiver.gate] = row.split('data-waiver-status="', 1)[1].split("</span>", 1)[0]
    assert shown == {
        "runbooks": 'lapsed">Lapsed', "access": 'pending">Waiting for approval', "knowledge": 'active">In force',
        "monitoring": 'expiring">In force, expiring soon', "rehearsal": 'revoked">Revoked',
    }
    verdict = verdict_for(application)
    assert {r.gate.code for r in verdict.waived} == {GateCode.KNOWLEDGE, GateCode.MONITORING}


def test_approval_and_revocation_are_in_the_history(client, lead) -> None:
    application = factories.ApplicationFactory(delivery_lead=lead)
    waiver = waiver_approve(waiver=_ask(application, lead), approved_by=application.business_owner)
    waiver_revoke(waiver=waiver, revoked_by=lead, reason="No longer needed.")

    rows = waiver.history.order_by("history_id")
    assert [(h.approved_by_id is not None, h.revoked_at is not None) for h in rows] == [
        (False, False), (True, False), (True, True)]
    client.force_login(lead)
    html = client.get(reverse("readiness:history", args=[application.slug])).content.decode()
    assert "No longer needed." in html
