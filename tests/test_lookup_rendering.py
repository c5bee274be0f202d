"""How "Who do I call?" is drawn: each kind of answer, escaped, with the confirmation badge of
every other page, and the form's errors beside their fields."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from readiness.templatetags.confirmation import confirmation_badge
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_class_list_escapes_names_and_keeps_the_pick(analyst) -> None:
    application = factories.ApplicationFactory(name="Orders")
    factories.OwnershipRuleFactory(application=application, name='Sync "fails" <b>')
    client = Client()
    client.force_login(analyst)

    page = client.get("/call/", {"application": "Orders", "problem_class": 'Sync "fails" <b>'}).content.decode()

    select = page.split('<select name="problem_class"', 1)[1].split("</select>", 1)[0]
    escaped = "Sync &quot;fails&quot; &lt;b&gt;"
    assert f'<option value="{escaped}" selected>{escaped}</option>' in select
    assert "<b>" not in select


def test_the_forms_errors_show_beside_their_fields(analyst) -> None:
    client = Client()
    client.force_login(analyst)

    html = client.get("/call/", {"application": "no such application", "symptom": "x", "at": "not a time"})
    page = html.content.decode()

    def field_block(name: str) -> str:
        return page.split(f'id="div_id_{name}"', 1)[1].split('<div id="div_id_', 1)[0]

    application, at = field_block("application"), field_block("at")
    assert "No application is called “no such application”" in application and "is-invalid" in application
    assert "Enter a valid date/time." in at and "is-invalid" in at
    assert "No application is called" not in at
    assert "is-invalid" not in field_block("symptom")


def test_the_answer_escapes_what_people_typed(analyst) -> None:
    level = factories.EscalationLevelFactory(position=1, name="<i>Desk</i>")
    factories.OwnershipRuleFactory(application=level.application, name="Login <b>fails</b>",
                                   example_symptoms="password reset", level=level)
    client = Client()
    client.force_login(analyst)

    page = client.get("/call/", {"application": level.application.slug, "symptom": "password reset <script>"})

    html = page.content.decode()
    assert page.status_code == 200
    assert "Login &lt;b&gt;fails&lt;/b&gt;" in html and "<b>fails</b>" not in html
    assert "&lt;i&gt;Desk&lt;/i&gt;" in html and "<i>Desk</i>" not in html
    assert "<script>" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_the_confirmation_badge_says_stale_confirmed_or_never() -> None:
    stale = factories.PersonFactory(stale_since=timezone.now() - timedelta(days=3))
    fresh = factories.PersonFactory(last_confirmed_at=timezone.now() - timedelta(days=2), stale_since=None)
    never = factories.PersonFactory(last_confirmed_at=None, stale_since=None)

    assert "stale: unconfirmed since" in confirmation_badge(stale) and "text-bg-danger" in confirmation_badge(stale)
    assert "confirmed 2\xa0days ago" in confirmation_badge(fresh)
    assert "never confirmed" in confirmation_badge(never)


# --- every kind of answer, drawn -------------------------------------------------------------


@pytest.fixture
def portal() -> dict[str, object]:
    """Monday 2 June 2025 in Melbourne. L1 works 9–17 with no after-hours cover; L2 is 24×7."""
    from readiness.models import Coverage, KnownIssueStatus

    desk = factories.EscalationLevelFactory(
        position=1, name="Service desk", application__name="Portal", application__slug="portal",
        primary__name="Ada Primary", backup__name="Ben Backup", after_hours_cover=None,
    )
    application = desk.application
    factories.EscalationLevelFactory(application=application, position=2, name="Platform", coverage=Coverage.ALWAYS,
                                     primary__name="Cy Platform", after_hours_cover=None)
    factories.OwnershipRuleFactory(application=application, name="Login problems", example_symptoms="cannot log in",
                                   level=desk)
    factories.OwnershipRuleFactory(application=application, name="Reports", example_symptoms="report export broken")
    factories.RunbookFactory(application=application, title="Reset a locked account", symptom="cannot log in",
                             escalation_level=desk)
    factories.KnownIssueFactory(application=application, title="Login page slow after deploy",
                                symptom="cannot log in", status=KnownIssueStatus.OPEN,
                                workaround="Clear the browser cache and sign in again.")
    other = factories.OwnershipRuleFactory(name="Login problems", example_symptoms="cannot log in")
    factories.EscalationLevelFactory(application=other.application, position=1)
    return {"application": application}


def _answer_page(client: Client, **query: str) -> str:
    response = client.get("/call/", query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def signed_in(analyst) -> Client:
    client = Client()
    client.force_login(analyst)
    return client


def test_an_answer_with_someone_to_call_shows_them_the_fallback_the_escalation_and_the_references(
    portal, signed_in
) -> None:
    html = _answer_page(signed_in, application="portal", symptom="cannot log in", at="2025-06-02T10:00")

    assert "Answer for 10:00 Mon 2 Jun 2025 (Australia/Melbourne)" in html
    assert "<strong>Ada Primary</strong>" in html and "never confirmed" in html
    assert 'href="tel:+61390000000">Call +61 3 9000 0000</a>' in html
    assert "Why them: primary, in working hours" in html
    assert "If they do not answer" in html and "Ben Backup (backup) — reachable at 10:00 Mon 2 Jun" in html
    shown = html.split('id="answer-heading"', 1)[1].split('role="search"', 1)[0]  # the answer, not the form
    assert "Call at 10:00 Mon 2 Jun</h4>" in shown and not re.search(r"\bnow\b", shown)
    assert "L2 Platform: <strong>Cy Platform</strong>" in html
    from readiness.models import Runbook

    runbook = Runbook.objects.get(title="Reset a locked account")
    assert f'<a href="{runbook.get_absolute_url()}">Reset a locked account</a>' in html
    assert 'taken by <a href="/apps/portal/path/">L1 Service desk</a>' in html
    assert "Login page slow after deploy</a> — workaround: Clear the browser cache" in html
    assert "&amp;at=2025-06-02T10:00" in html  # the matches keep the moment asked about


def test_an_answer_with_nobody_reachable_says_when_someone_is_again(portal, signed_in) -> None:
    html = _answer_page(signed_in, application="portal", symptom="cannot log in", at="2025-06-02T03:00")

    assert "Nobody on L1 Service desk can be reached at 03:00 Mon 2 Jun</strong>" in html
    # A business-hours level at night is outside its promise, not short of cover: the answer says
    # so and names the level that does promise cover then.
    assert "no after-hours cover" not in html
    assert ("this level promises cover Monday to Friday 09:00–17:00 (Australia/Melbourne) only (no gap); "
            "L2 Platform promises cover then") in html
    assert "Someone is reachable again from 09:00 Mon 2 Jun (Australia/Melbourne time)" in html


def test_a_class_that_ties_across_applications_asks_which(portal, signed_in) -> None:
    html = _answer_page(signed_in, symptom="cannot log in", at="2025-06-02T10:00")

    assert "matches equally in several applications" in html
    assert "(Portal)" in html  # each match names its application


def test_no_match_and_no_level_say_what_to_do(portal, signed_in) -> None:
    assert "No ownership rule matches “zebra crossing”" in _answer_page(
        signed_in, application="portal", symptom="zebra crossing")
    html = _answer_page(signed_in, application="portal", symptom="report export broken")
    assert "This class of problem has no level on the path yet" in html
    assert 'href="/apps/portal/rules/"' in html


def test_the_answer_page_reads_the_applications_classes_once(analyst) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    application = factories.ApplicationFactory(name="Orders")
    for name in ("Integration misfires", "Access and login"):
        factories.OwnershipRuleFactory(application=application, name=name)
    client = Client()
    client.force_login(analyst)

    with CaptureQueriesContext(connection) as ctx:
        page = client.get("/call/", {"application": "Orders", "symptom": "login fails"}).content.decode()

    select = page.split('<select name="problem_class"', 1)[1].split("</select>", 1)[0]
    assert [n for n in ("Access and login", "Integration misfires") if f">{n}</option>" in select] == [
        "Access and login", "Integration misfires"]
    # The ranking's candidates are the list's options: one read of the application's rules.
    assert len([q for q in ctx.captured_queries if 'FROM "readiness_ownershiprule"' in q["sql"]]) == 1
