"""One answer, consistent with its runbook, over the demo world (issue 14).

For every demo symptom that finds a runbook (the eval's phrasings, and each runbook's own
title and symptom typed in), by day, at night and at the weekend: a runbook that sends the
problem to another level than the one the answer calls never stands there unexplained.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from readiness.lookup import Answer, answer
from readiness.models import Application
from tests.matching_phrasings import PHRASINGS

pytestmark = pytest.mark.django_db


def _label(level) -> str:
    return f"L{level.position} {level.name}"


def _moments() -> list[datetime]:
    """Next week's Tuesday at 11:00 and 22:00, and its Saturday at 11:00 (local time)."""
    today = timezone.localdate()
    tuesday = today + timedelta(days=7 - today.weekday() + 1)
    return [
        timezone.make_aware(datetime.combine(tuesday, time(11))),
        timezone.make_aware(datetime.combine(tuesday, time(22))),
        timezone.make_aware(datetime.combine(tuesday + timedelta(days=4), time(11))),
    ]


def _unexplained(result: Answer) -> list[str]:
    """Each runbook shown whose level is not the one called, and that does not say which to follow."""
    assert result.plan is not None
    called = result.plan.level
    problems = []
    for runbook, note in result.runbook_rows:
        level = runbook.escalation_level
        if level is None:
            continue
        if level.pk == called.pk:
            if note != f"escalates to {_label(level)}, whom this answer calls":
                problems.append(f"{runbook.title}: {note!r}")
            continue
        explained = note.startswith(f"escalates to {_label(level)}") and (
            "this answer" in note or "see above" in note
        )
        if not explained:
            problems.append(f"{runbook.title} → {_label(level)} beside a call to {_label(called)}: {note!r}")
        if "see above" in note:
            advice = result.advice
            if advice is None or _label(level) not in advice.text or _label(called) not in advice.text:
                problems.append(f"{runbook.title}: 'see above' without advice naming both levels")
    return problems


def test_a_runbook_and_the_answer_never_name_different_levels_unexplained(demo) -> None:
    symptoms = {(slug, text) for text, slug, _ in PHRASINGS}
    for application in Application.objects.all():
        for runbook in application.runbooks.all():
            symptoms |= {(application.slug, runbook.title), (application.slug, runbook.symptom)}
    applications = {a.slug: a for a in Application.objects.all()}

    checked, advised, problems = 0, 0, []
    for at in _moments():
        for slug, symptom in sorted(symptoms):
            result = answer(at=at, application=applications[slug], symptom=symptom)
            if result.plan is None or not result.runbooks:
                continue
            checked += 1
            advised += result.advice is not None
            problems += [f"{slug} “{symptom}” at {at:%a %H:%M}: {p}" for p in _unexplained(result)]

    assert checked >= 40 and advised >= 3  # the portal's ERP runbooks send to L3, its class to L2
    assert problems == []


def test_orders_not_reaching_the_erp_one_answer_by_day_and_by_night(demo) -> None:
    """The issue's case: the class is L2's, the runbook sends to L3, and L3 works office hours only."""
    portal = Application.objects.get(slug="ordering-portal")
    day, night, _ = _moments()

    by_day = answer(at=day, application=portal, symptom="orders not reaching the ERP")
    at_night = answer(at=night, application=portal, symptom="orders not reaching the ERP")

    assert (by_day.rule.name, by_day.plan.level.position, by_day.plan.person.name) == (
        "Integration misfires", 3, "Raj Patel")
    assert by_day.advice.followed and by_day.advice.runbook.title == "Order stuck between portal and ERP"
    assert by_day.advice.text.startswith("The runbook “Order stuck between portal and ERP”, written for this "
                                         "symptom, sends it to L3 ERP integration: call them, as it says.")
    assert (at_night.plan.level.position, at_night.plan.person.name) == (2, "Ben Walsh")
    assert not at_night.advice.followed
    assert "but nobody there can be reached at 22:00" in at_night.advice.text
    assert "call L2 Portal engineering instead" in at_night.advice.text
    assert [p.level.position for p in at_night.escalation] == [3, 4]

    client = Client()
    client.force_login(User.objects.get(username="analyst"))
    html = client.get("/call/", {"application": portal.name, "symptom": "orders not reaching the ERP",
                                 "at": f"{night:%Y-%m-%dT%H:%M}"}).content.decode()
    answer_html = html.split('id="answer-heading"', 1)[1].split("Top matches", 1)[0]
    assert "call L2 Portal engineering instead" in answer_html
    assert re.findall(r"<h4 class=\"h6\">Call [^<]*</h4>", answer_html) == [
        f"<h4 class=\"h6\">Call at 22:00 {night:%a} {night.day} {night:%b}</h4>"]
    assert "<strong>Ben Walsh</strong>" in answer_html
    assert "L3 ERP integration: nobody reachable at 22:00" in answer_html
    assert not re.search(r"\bnow\b", answer_html)


def test_the_api_gives_the_one_answer_and_says_which_to_follow(analyst) -> None:
    from zoneinfo import ZoneInfo

    from readiness.models import Coverage
    from readiness.services.api import api_token_create
    from tests import factories

    app = factories.ApplicationFactory(slug="portal")
    engineering = factories.EscalationLevelFactory(application=app, position=2, name="Portal engineering",
                                                   coverage=Coverage.AFTER_HOURS,
                                                   after_hours_cover=factories.PersonFactory(name="Ben Walsh"))
    erp = factories.EscalationLevelFactory(application=app, position=3, name="ERP integration",
                                           coverage=Coverage.BUSINESS_HOURS, after_hours_cover=None)
    factories.OwnershipRuleFactory(application=app, name="Integration misfires",
                                   example_symptoms="invoice not syncing", level=engineering)
    factories.RunbookFactory(application=app, title="Invoices not syncing to the ERP",
                             symptom="Invoices are missing in the ERP.", escalation_level=erp)
    _, key = api_token_create(user=analyst, name="Teams bot")
    melbourne = ZoneInfo("Australia/Melbourne")

    def ask(at: datetime) -> dict:
        return Client().get("/api/lookup/", {"application": "portal", "symptom": "invoices not showing up in ERP",
                                             "at": f"{at:%Y-%m-%dT%H:%M}"},
                            HTTP_AUTHORIZATION=f"Bearer {key}").json()

    day = ask(datetime(2025, 6, 3, 10, 0, tzinfo=melbourne))
    night = ask(datetime(2025, 6, 3, 3, 0, tzinfo=melbourne))

    assert day["answer"]["call"]["level"]["position"] == 3
    assert day["answer"]["runbook_advice"]["followed"] is True
    assert day["matches"][0]["call"] == day["answer"]["call"]  # the table's row is the same answer
    assert [(r["title"], r["note"]) for r in day["answer"]["runbooks"]] == [
        ("Invoices not syncing to the ERP", "escalates to L3 ERP integration, whom this answer calls")]
    assert (night["answer"]["call"]["level"]["position"], night["answer"]["call"]["call"]["name"]) == (2, "Ben Walsh")
    assert night["answer"]["runbook_advice"]["followed"] is False
    assert "nobody there can be reached at 03:00 Tue 3 Jun" in night["answer"]["runbook_advice"]["text"]
    assert [p["level"]["position"] for p in night["answer"]["escalation"]] == [3]
    assert night["answer"]["runbooks"][0]["note"] == "escalates to L3 ERP integration: see above for whom to call " \
                                                     "at 03:00 Tue 3 Jun"

