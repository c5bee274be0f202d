from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from readiness.lookup import answer
from readiness.matching import rank_rules, words
from readiness.models import Application, OwnerRole, OwnershipRule
from readiness.services.api import api_token_create
from readiness.services.applications import ownership_rules_install_defaults
from readiness.services.escalation import ownership_rule_save
from tests import factories

pytestmark = pytest.mark.django_db

MELBOURNE = ZoneInfo("Australia/Melbourne")
AT = datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE)  # a Tuesday morning


def _application(name: str, slug: str, support: str, engineering: str, owner: str) -> Application:
    """Four levels (service desk, engineering, ERP, the business), office hours in Melbourne, and
    the default triage rules owned by the levels of their roles."""
    application = factories.ApplicationFactory(name=name, slug=slug)
    desk, engineers, _erp, business = (
        factories.EscalationLevelFactory(application=application, position=position, name=level,
                                         primary=factories.PersonFactory(name=person))
        for position, (level, person) in enumerate([
            ("Service desk", support), ("Portal engineering", engineering), ("ERP integration", "Raj Patel"),
            ("Business", owner)], start=1)
    )
    ownership_rules_install_defaults(application=application, levels_by_role={
        OwnerRole.SUPPORT: desk, OwnerRole.ENGINEERING: engineers, OwnerRole.BUSINESS_OWNER: business})
    return Application.objects.get(pk=application.pk)


@pytest.fixture
def portal() -> Application:
    """The ordering portal, and a dispatch board with the same default rules (searching every
    application then ties)."""
    _application("Dispatch Board", "dispatch-board", "Sam Ortiz", "Lee Park", "Jo Marsh")
    return _application("Trade Ordering Portal", "ordering-portal", "Mia Chen", "Aisha Karim", "Priya Raman")


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
    assert words("Invoices syncing") == words("invoice sync")
    assert words("approval policies") == words("approve policy")


def test_phrases_that_mean_the_same_meet_and_filler_words_do_not_count() -> None:
    assert words("invoices not showing up") == words("invoice not syncing") == words("Invoices missing")
    assert words("orders aren't being sent to the ERP") == words("order not reaching ERP")
    assert words("the of and just please") == []


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
