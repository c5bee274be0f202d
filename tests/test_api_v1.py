"""The REST API (/api/v1/): reads show what the pages show, writes go through the permission
table and the pages' forms, and every refusal is JSON naming the field at fault."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from readiness import models
from readiness.services.api import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/v1"


class Caller:
    """A client sending one user's token, as a script or a bot would."""

    def __init__(self, user: User, *, read_only: bool = False) -> None:
        self.user = user
        self.key = api_token_create(user=user, name="script", read_only=read_only)[1]
        self.client = Client()

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(API + path, params, HTTP_AUTHORIZATION=f"Bearer {self.key}")

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(
            API + path, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {self.key}"
        )


@pytest.fixture
def app() -> models.Application:
    application = factories.hypercare_application()
    factories.RunbookFactory(application=application, title="Orders stuck", is_critical=True)
    factories.KnownIssueFactory(application=application, title="Slow export", release="1.2.0")
    factories.AlertCheckFactory(application=application, signal="Order sync failures")
    factories.DrillFactory(application=application, title="Pager drill")
    return application


def _verification(person: models.Person, **changes: Any) -> dict[str, Any]:
    moment = timezone.localtime() - timedelta(hours=2)
    return {
        "verified_at": moment.isoformat(),
        "verified_by": person.pk,
        "evidence": "PagerDuty incident #42 fired and was acknowledged.",
        **changes,
    }


def test_no_token_is_401_json() -> None:
    response = Client().get(f"{API}/applications")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["detail"] == "A valid API token is required: Authorization: Bearer <token>."
    assert Client().get(f"{API}/applications", HTTP_AUTHORIZATION="Bearer hnd_wrong").status_code == 401


def test_a_member_lead_records_an_alert_firing_and_the_monitoring_gate_counts_it(app) -> None:
    alert = app.alerts.get()
    person = app.levels.get(position=1).primary
    caller = Caller(app.delivery_lead)

    response = caller.post(f"/applications/{app.slug}/alerts/{alert.pk}/verifications", _verification(person))

    assert response.status_code == 201, response.json()
    assert response.json()["verified_by"] == {"id": person.pk, "name": person.name}
    stored = models.AlertVerification.objects.get(alert=alert)
    assert stored.evidence == "PagerDuty incident #42 fired and was acknowledged."
    alerts = caller.get(f"/applications/{app.slug}/alerts").json()
    assert alerts["count"] == 1
    assert alerts["items"][0]["last_seen_firing"] is not None
