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
