"""How "Who do I call?" is drawn: the form's fields in Python (quick_field), the answer in Jinja2.

Both exist for speed only, so each must give what the slower way gave: crispy's markup for the
fields, escaped text in the answer, and the same confirmation badge as every other page.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.test import Client
from django.utils import timezone

from readiness.forms.lookup import LookupForm
from readiness.forms.widgets import attributes
from readiness.templatetags.confirmation import confirmation_badge
from readiness.templatetags.quick_fields import quick_field
from tests import factories

pytestmark = pytest.mark.django_db


class _Shape(HTMLParser):
    """Markup as (tag, sorted attributes) and text, whitespace aside: what a browser would build."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[object] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # Class order does not matter to a browser; crispy and quick_field order them differently.
        normal = [(k, " ".join(sorted((v or "").split())) if k == "class" else (v or "")) for k, v in attrs]
        self.items.append((tag, sorted(normal)))

    def handle_endtag(self, tag: str) -> None:
        self.items.append(("/", tag))

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.items.append(" ".join(data.split()))


def _shape(markup: str) -> list[object]:
    parser = _Shape()
    parser.feed(markup)
    return parser.items


@pytest.mark.parametrize("field", ["symptom", "application", "problem_class", "at"])
@pytest.mark.parametrize("data", [None, {"application": "no such application", "at": "not a time"}],
                         ids=["unbound", "with errors"])
def test_quick_field_draws_what_crispy_draws(field: str, data: dict[str, str] | None) -> None:
    form = LookupForm(data)
    if data is not None:
        assert not form.is_valid()

    assert _shape(quick_field(form[field])) == _shape(as_crispy_field(form[field]))


def test_attributes_escape_values_and_follow_djangos_true_false_none() -> None:
    markup = attributes({"value": '"><script>', "required": True, "disabled": False, "title": None, "n": 3})

    assert markup == ' value="&quot;&gt;&lt;script&gt;" required n="3"'


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
    assert "If they do not answer" in html and "Ben Backup (backup) — reachable now" in html
    assert "L2 Platform: <strong>Cy Platform</strong>" in html
    assert "Reset a locked account" in html
    assert "Login page slow after deploy</a> — workaround: Clear the browser cache" in html
    assert "&amp;at=2025-06-02T10:00" in html  # the matches keep the moment asked about


def test_an_answer_with_nobody_reachable_says_when_someone_is_again(portal, signed_in) -> None:
    html = _answer_page(signed_in, application="portal", symptom="cannot log in", at="2025-06-02T03:00")

    assert "Nobody on L1 Service desk can be reached now" in html
    assert "no after-hours cover" in html
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
