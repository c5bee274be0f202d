"""`make bench`'s own parts at a small scale: the organisation it builds, the pages it times, and
the load generator it times them with (errors counted, not hidden)."""

from __future__ import annotations

import pytest
from django.test import Client

from bench import dataset
from bench.load import run_load
from bench.measure import _lead, _session_cookie, page_paths
from readiness.models import Application, EscalationLevel, OwnershipRule, Person, Runbook

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dataset_grows_to_the_size_asked_with_full_artefacts() -> None:
    assert dataset.build(3, 40) == {"applications": 3, "people": 40}
    assert dataset.build(5, 60) == {"applications": 5, "people": 60}  # grows, keeps what it had

    for application in Application.objects.all():
        assert EscalationLevel.objects.filter(application=application).exists()
        assert OwnershipRule.objects.filter(application=application, level__isnull=False).exists()
        assert Runbook.objects.filter(application=application).exists()
    assert Person.objects.filter(working_hours__isnull=False).distinct().count() > 0


def test_every_page_the_bench_times_shows_the_bench_users_application() -> None:
    from readiness.services.api import api_token_create

    dataset.build(3, 40)
    _token, key = api_token_create(user=_lead(), name="bench")
    client = Client()
    client.force_login(_lead())
    paths = page_paths("bench-1")
    checklist = client.get(paths["checklist page"]).content.decode()
    assert "Bench application 1" in checklist and "Verdict:" in checklist
    assert "Bench application 1" in client.get(paths["dashboard"]).content.decode()
    page = client.get(paths["lookup page"]).content.decode()
    assert 'value="Bench application 1"' in page and "Integration misfires" in page
    api = Client().get(paths["lookup API"], headers={"Authorization": f"Bearer {key}"}).json()
    assert api["answer"]["class"] == "Integration misfires" and api["answer"]["call"]["call"]["name"]


def test_the_load_generator_counts_every_request_and_every_error(live_server) -> None:
    dataset.build(1, 10)
    signed_in = run_load(live_server.url, ["/health/ping/"], clients=2, seconds=10, max_requests=20,
                         cookie=_session_cookie())
    anonymous = run_load(live_server.url, ["/health/ping/"], clients=2, seconds=10, max_requests=10)

    assert len(signed_in.samples) == 20 and not signed_in.errors
    assert 0 < signed_in.percentile(50) <= signed_in.percentile(95)
    # Signed out, the bare view redirects to the sign-in page: a non-200 is an error to the bench.
    assert len(anonymous.errors) == 10 and {s.status for s in anonymous.samples} == {302}
