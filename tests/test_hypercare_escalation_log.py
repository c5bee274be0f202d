"""The escalation log: who may log, the list with filters, the CSV export, constant query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness.models import Escalation, ResolvedBy
from tests import factories

pytestmark = pytest.mark.django_db


def _entries(app, n: int, **kwargs) -> None:
    for i in range(n):
        occurred = timezone.now() - timedelta(hours=i + 1)
        factories.EscalationFactory(
            application=app, occurred_at=occurred, problem_class=app.ownership_rules.first(),
            from_level=app.levels.get(position=1), to_level=app.levels.get(position=2),
            resolved_by=ResolvedBy.ENGINEERING, resolved_at=occurred + timedelta(minutes=45),
            logged_by=factories.support_analyst(), **kwargs,
        )


def test_support_analyst_logs_an_escalation_from_a_phone_sized_form(client) -> None:
    app = factories.hypercare_application()
    analyst = factories.support_analyst()
    app.members.add(analyst)  # the analysts who support it are on its members list
    client.force_login(analyst)
    url = reverse("readiness:escalationlog_create", args=[app.slug])
    page = client.get(url).content.decode()
    assert 'name="viewport"' in page and 'type="datetime-local"' in page
    occurred = timezone.localtime() - timedelta(minutes=90)
    response = client.post(url, {
        "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"), "severity": 2,
        "problem_class": app.ownership_rules.first().pk, "from_level": app.levels.get(position=1).pk,
        "to_level": app.levels.get(position=2).pk, "resolved_by": "engineering", "minutes_to_resolve": 75,
        "summary": "Fulfilment code missing on 12 orders.",
    })
    assert response.status_code == 302
    entry = Escalation.objects.get()
    assert entry.logged_by == analyst and entry.severity == 2
    assert entry.time_to_resolve == timedelta(minutes=75)


def test_support_analyst_who_is_not_a_member_cannot_log(client) -> None:
    app = factories.hypercare_application()
    client.force_login(factories.support_analyst())
    url = reverse("readiness:escalationlog_create", args=[app.slug])
    response = client.post(url, {"severity": 2, "summary": "Not my application."})
    assert response.status_code == 403
    assert "Only members of this application who log escalations" in response.content.decode()
    assert not Escalation.objects.exists()
    page = client.get(reverse("readiness:escalationlog_list", args=[app.slug])).content.decode()
    assert "Log an escalation" not in page


def test_business_owner_cannot_log_escalations(client) -> None:
    app = factories.hypercare_application()
    client.force_login(app.business_owner)
    url = reverse("readiness:escalationlog_create", args=[app.slug])
    assert client.get(url).status_code == 403
    # A complete, valid entry: refused all the same, and nothing is written.
    refused = client.post(url, {
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "severity": 3,
        "problem_class": app.ownership_rules.first().pk, "from_level": app.levels.get(position=1).pk,
        "summary": "Prices wrong for one customer.",
    })
    assert refused.status_code == 403
    assert not Escalation.objects.exists()
    page = client.get(reverse("readiness:hypercare_detail", args=[app.slug])).content.decode()
    assert "Log an escalation" not in page


def test_list_filters_by_severity_and_resolution(client) -> None:
    app = factories.hypercare_application()
    _entries(app, 2, severity=1, summary="ERP down for everyone")
    _entries(app, 3, severity=3, summary="Price wrong for one customer")
    client.force_login(factories.support_analyst())
    url = reverse("readiness:escalationlog_list", args=[app.slug])
    page = client.get(url, {"severity": 1}).content.decode()
    assert page.count("ERP down for everyone") == 2 and "Price wrong" not in page
    assert "2 escalations matching the filter" in page
    page = client.get(url, {"resolved_by": "open"}).content.decode()
    assert "No escalations logged match the filter." in page


def test_csv_export_has_every_filtered_entry_and_disarms_formulas(client) -> None:
    app = factories.hypercare_application()
    _entries(app, 3, severity=2, summary="=HYPERLINK(\"http://evil\")")
    _entries(app, 1, severity=4, summary="How to export a statement")
    client.force_login(factories.delivery_lead())
    response = client.get(reverse("readiness:escalationlog_export", args=[app.slug]), {"severity": 2})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3
    assert rows[0]["summary"].startswith("'=")
    assert rows[0]["minutes_to_resolve"] == "45" and rows[0]["resolved_by"] == "engineering"
    assert rows[0]["to_level"] == "L2 Engineering"


def test_list_and_hypercare_page_query_counts_do_not_grow(client, django_assert_num_queries) -> None:
    app = factories.hypercare_application()
    client.force_login(factories.support_analyst())
    pages = [reverse("readiness:escalationlog_list", args=[app.slug]),
             reverse("readiness:hypercare_detail", args=[app.slug]),
             reverse("readiness:escalationlog_export", args=[app.slug])]
    _entries(app, 2)
    client.get(pages[0])  # a first page caches the navigation's roles label
    counts = {}
    for url in pages:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts[url] = len(ctx.captured_queries)
    _entries(app, 25, severity=1)
    for url in pages:
        with django_assert_num_queries(counts[url]):
            assert client.get(url).status_code == 200


def test_an_open_escalation_is_resolved_later_and_the_rate_moves(client) -> None:
    from readiness.hypercare import hypercare_state

    app = factories.hypercare_application()
    occurred = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    entry = factories.EscalationFactory(
        application=app, occurred_at=occurred, problem_class=app.ownership_rules.first(),
        from_level=app.levels.get(position=1),
    )
    rate = next(r for r in hypercare_state(app).results if r.criterion.metric == "support_resolution_rate_7_days")
    assert not rate.met
    url = reverse("readiness:escalationlog_resolve", args=[app.slug, entry.pk])
    client.force_login(app.business_owner)
    assert client.post(url, {"resolved_by": "support"}).status_code == 403
    # An analyst who does not support this application: its log feeds its exit criteria.
    client.force_login(factories.support_analyst())
    done = timezone.localtime(occurred + timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"resolved_by": "support", "resolved_at": done})
    assert response.status_code == 403 and "who log escalations" in response.content.decode()
    entry.refresh_from_db()
    assert entry.resolved_at is None

    analyst = factories.support_analyst()
    app.members.add(analyst)
    client.force_login(analyst)
    too_early = timezone.localtime(occurred - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(url, {"resolved_by": "support", "resolved_at": too_early})
    assert response.status_code == 200
    assert "It cannot be resolved before it happened" in response.content.decode()
    entry.refresh_from_db()
    assert entry.resolved_at is None

    done = timezone.localtime(occurred + timedelta(minutes=40)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"resolved_by": "support", "resolved_at": done}).status_code == 302
    entry.refresh_from_db()
    assert entry.resolved_by == "support" and entry.time_to_resolve_text == "40 min"
    rate = next(r for r in hypercare_state(app).results if r.criterion.metric == "support_resolution_rate_7_days")
    assert rate.met and rate.value_text == "100 % (1 of 1) by support alone"
    assert client.post(url, {"resolved_by": "support", "resolved_at": done}).status_code == 404
