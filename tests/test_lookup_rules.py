from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from readiness.demo import seed
from readiness.lookup import answer
from readiness.matching import rank_rules, words
from readiness.models import Application, OwnershipRule
from readiness.services.api import api_token_create
from readiness.services.escalation import ownership_rule_save

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
AT = datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE)  # a Tuesday morning


@pytest.fixture
def portal() -> Application:
    # The demo world as given on that day: waivers, like every dated row, are judged then.
    with time_machine.travel(datetime(2025, 6, 1, 9, 0, tzinfo=MELBOURNE), tick=False):
        seed(date(2025, 6, 1))
    return Application.objects.get(slug="ordering-portal")


@pytest.mark.parametrize(
    ("symptom", "rule", "owner", "person"),
    [
        ("invoice not syncing", "Integration misfires", "engineering", "Aisha Karim"),
        ("password reset", "Access, login and permissions", "support", "Mia Chen"),
        ("change the approval policy", "Policy, process or priority decision", "business_owner", "Priya Raman"),
    ],
)
def test_symptom_ranks_the_owning_rule_first(portal, symptom, rule, owner, person) -> None:
    result = answer(at=AT, application=portal, symptom=symptom)

    assert result.matches[0].rule.name == rule
    assert result.matches[0].score > (result.matches[1].score if len(result.matches) > 1 else 0)
    assert result.rule.owner_role == owner
    assert result.plan.person.name == person


def test_ranking_shows_scores_not_a_single_certainty(portal) -> None:
    matches = rank_rules(portal.ownership_rules.all(), "order fails to sync with the ERP")

    assert len(matches) >= 2
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert all(0 < m.score <= 100 for m in matches)
    assert matches[0].rule.name == "Integration misfires"


def test_editing_a_rule_changes_what_the_symptom_finds(portal) -> None:
    policy = OwnershipRule.objects.get(application=portal, name="Policy, process or priority decision")
    assert answer(at=AT, application=portal, symptom="rebate missing").rule != policy
    policy.example_symptoms += "\nrebate missing on the statement"
    ownership_rule_save(rule=policy)  # the rule form's service, which moves the evidence version on

    # Read again, as each request does: the write moved its evidence version on.
    portal = Application.objects.get(pk=portal.pk)
    assert answer(at=AT, application=portal, symptom="rebate missing").rule == policy


def test_words_are_stemmed_so_forms_of_a_word_meet() -> None:
    assert words("Invoices not syncing") == words("invoice sync")
    assert words("approval policies") == words("approve policy")


def test_searching_all_applications_asks_which_when_the_class_ties(portal) -> None:
    result = answer(at=AT, symptom="invoice not syncing")

    assert result.ambiguous
    assert result.rule is None
    assert {m.rule.application.slug for m in result.matches} >= {"ordering-portal", "dispatch-board"}


def test_the_application_name_settles_a_search_across_applications(portal) -> None:
    result = answer(at=AT, symptom="ordering portal invoice not syncing")

    assert not result.ambiguous
    assert (result.rule.application.slug, result.rule.name) == ("ordering-portal", "Integration misfires")


def test_picking_a_class_answers_without_a_symptom(portal) -> None:
    result = answer(at=AT, application=portal, problem_class="Wrong or missing data")

    assert result.rule.name == "Wrong or missing data"
    assert result.plan.level.name == "Portal engineering"
    assert [p.level.position for p in result.escalation] == [3, 4]


@pytest.mark.parametrize(
    "symptom", ["invoice not syncing", "password reset", "change the approval policy"]
)
def test_page_and_api_give_the_same_answer(portal, analyst, symptom) -> None:
    _, key = api_token_create(user=analyst, name="Teams bot")
    client = Client()
    client.force_login(analyst)
    query = {"application": "ordering-portal", "symptom": symptom, "at": "2025-06-03T10:00"}

    page = client.get("/call/", query).context["result"]
    api = Client().get(
        "/api/lookup/", query, HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()

    assert api["answer"]["class"] == page.rule.name
    assert api["answer"]["owner"] == page.rule.get_owner_role_display()
    assert api["answer"]["call"]["call"]["name"] == page.plan.person.name
    assert api["answer"]["call"]["reason"] == page.plan.reason
    assert [m["class"] for m in api["matches"]] == [m.rule.name for m in page.matches]
    assert [m["score"] for m in api["matches"]] == [m.score for m in page.matches]
