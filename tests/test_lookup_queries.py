"""The lookup asks the database a fixed number of times, however many people and applications."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readiness.defaults import DEFAULT_RULES
from readiness.forms.lookup import LookupForm
from readiness.lookup import answer
from readiness.models import (
    Application,
    Coverage,
    EscalationLevel,
    Leave,
    OwnershipRule,
    Person,
    StandIn,
    WorkingHours,
)
from readiness.services.gates import readiness_snapshots_refresh_all

pytestmark = pytest.mark.django_db


def _world(people: int, applications: int) -> None:
    """`people` people with a week of hours and some leave; `applications` with a 3-level path and the rules."""
    start = Person.objects.count()
    Person.objects.bulk_create(
        Person(name=f"Person {n}", email=f"p{n}@example.com", timezone=("Australia/Sydney", "Asia/Manila")[n % 2])
        for n in range(start, start + people)
    )
    everyone = list(Person.objects.order_by("pk"))
    WorkingHours.objects.bulk_create(
        WorkingHours(person=p, weekday=d, starts_at=time(9), ends_at=time(17))
        for p in everyone[start:] for d in range(5)
    )
    Leave.objects.bulk_create(
        Leave(person=p, starts_on=date(2025, 6, 2), ends_on=date(2025, 6, 6)) for p in everyone[start::3]
    )
    first = Application.objects.count()
    Application.objects.bulk_create(
        Application(name=f"App {n}", slug=f"app-{n}") for n in range(first, first + applications)
    )
    apps = list(Application.objects.order_by("pk"))[first:]
    levels = EscalationLevel.objects.bulk_create(
        EscalationLevel(application=app, position=pos, name=f"L{pos}", responsibility="r",
                        primary=everyone[(i * 3 + pos) % len(everyone)],
                        backup=everyone[(i * 3 + pos + 1) % len(everyone)],
                        after_hours_cover=everyone[(i * 7 + pos) % len(everyone)] if pos < 3 else None,
                        coverage=Coverage.AFTER_HOURS if pos < 3 else Coverage.BUSINESS_HOURS)
        for i, app in enumerate(apps) for pos in (1, 2, 3)
    )
    # A stand-in for the primary on every fourth level, in force at AT.
    StandIn.objects.bulk_create(
        StandIn(level=level, role="primary", person=everyone[(everyone.index(level.primary) + 2) % len(everyone)],
                starts_at=AT - timedelta(days=1), ends_at=AT + timedelta(days=2), reason="Covering leave")
        for level in levels[::4]
    )
    by_app: dict[int, dict[int, EscalationLevel]] = {}
    for level in levels:
        by_app.setdefault(level.application_id, {})[level.position] = level
    owner_level = {"support": 1, "engineering": 2, "business_owner": 3}
    OwnershipRule.objects.bulk_create(
        OwnershipRule(application=app, name=rule["name"], example_symptoms="\n".join(rule["example_symptoms"]),
                      owner_role=rule["owner_role"], level=by_app[app.pk][owner_level[rule["owner_role"]]])
        for app in apps for rule in DEFAULT_RULES
    )


def _count(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


AT = timezone.make_aware(datetime(2025, 6, 3, 2, 0))


def _one_application() -> None:
    app = Application.objects.get(slug="app-0")
    result = answer(at=AT, application=app, symptom="invoice not syncing")
    assert result.plan is not None


def _all_applications() -> None:
    result = answer(at=AT, symptom="app 5 invoice not syncing")
    assert result.matches


def test_lookup_query_count_is_constant_from_10_to_1000_people_and_10_to_200_applications() -> None:
    _world(people=10, applications=10)
    small = (_count(_one_application), _count(_all_applications))
    # Asked again, the same: nothing is kept between lookups.
    assert (_count(_one_application), _count(_all_applications)) == small

    _world(people=990, applications=190)
    assert Person.objects.count() == 1000 and Application.objects.count() == 200

    assert (_count(_one_application), _count(_all_applications)) == small
    # One application: the application; its stored directory, not there (the refresh has not run
    # in this test); its rules; the levels with their people; their stand-ins; hours; leave;
    # runbooks; known issues. All applications: every rule; the matched levels with their people;
    # their stand-ins; hours; leave; the chosen application's runbooks and known issues.
    assert small == (9, 7)
    # Once the refresh has stored the directories: the application and its directory.
    readiness_snapshots_refresh_all()
    assert (_count(_one_application), _count(_all_applications)) == (2, 7)
    # Named in the form (the page and the API), the application comes with its directory: one query.
    assert _count(_through_the_form) == 1


def _through_the_form() -> None:
    form = LookupForm({"application": "app-0", "symptom": "invoice not syncing"})
    assert form.is_valid(), form.errors
    assert answer(at=AT, application=form.cleaned_data["application"], symptom="invoice not syncing").plan


def test_lookup_page_and_api_query_counts_are_constant(analyst) -> None:
    from readiness.services.api import api_token_create

    _, key = api_token_create(user=analyst, name="bot")
    client = Client()
    client.force_login(analyst)

    def page() -> None:
        assert client.get("/call/", {"symptom": "password reset", "at": "2025-06-03T02:00"}).status_code == 200

    def api() -> None:
        response = Client().get("/api/lookup/", {"application": "app-1", "symptom": "password reset"},
                                HTTP_AUTHORIZATION=f"Bearer {key}")
        assert response.status_code == 200

    _world(people=10, applications=10)
    api()  # stamps the token as used; it is stamped again only after a minute
    small = (_count(page), _count(api))
    _world(people=990, applications=190)

    assert (_count(page), _count(api)) == small


def test_path_people_and_rules_pages_query_counts_are_constant(lead) -> None:
    client = Client()
    client.force_login(lead)
    pages = ["/apps/app-0/path/", "/apps/app-0/rules/", "/apps/app-0/sheet/", "/people/"]

    _world(people=10, applications=10)
    small = [_count(lambda url=url: client.get(url)) for url in pages]
    _world(people=990, applications=190)
    extra = EscalationLevel.objects.bulk_create(
        EscalationLevel(application=Application.objects.get(slug="app-0"), position=pos, name=f"L{pos}",
                        responsibility="r", primary=Person.objects.all()[pos])
        for pos in range(4, 20)
    )
    assert len(extra) == 16

    assert [_count(lambda url=url: client.get(url)) for url in pages] == small
