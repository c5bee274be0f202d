"""Symptom matching a person would expect: synonym groups per application (edited on the
application's form, kept in its history), typos, stems, and the words typed shown as matched."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from readiness.lookup import answer, answer_as_dict
from readiness.matching import rank_rules, words
from readiness.models import Application, OwnerRole
from readiness.services.applications import ownership_rules_install_defaults
from readiness.synonyms import DEFAULT_SYNONYMS, parse_synonyms, synonym_groups
from tests import factories

MELBOURNE = ZoneInfo("Australia/Melbourne")
TUESDAY_10 = datetime(2025, 6, 3, 10, 0, tzinfo=MELBOURNE)


# --- the list a team writes -----------------------------------------------------------------------


def test_groups_are_lines_of_phrases_by_commas_or_equals() -> None:
    text = "# ours\nnot showing up = not syncing, MISSING\n\n  PO = purchase order  "

    assert parse_synonyms(text) == (("not showing up", "not syncing", "missing"), ("po", "purchase order"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("missing", "Line 1 (“missing”): give at least two different phrases"),
        ("a = b\nstuck =", "Line 2 (“stuck =”): an empty phrase"),
        ("stuck = stuck", "Line 1 (“stuck = stuck”): give at least two different phrases"),
        ("x = " + "y" * 61, "Line 1: keep each phrase under 60 characters."),
    ],
)
def test_a_line_that_is_no_group_is_refused_saying_which(text: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_synonyms(text)

    assert any(m.startswith(message) for m in refused.value.messages), refused.value.messages


@given(st.text(max_size=300))
def test_any_text_is_groups_or_a_refusal_never_a_crash(text: str) -> None:
    try:
        groups = parse_synonyms(text)
    except ValidationError as refused:
        assert refused.messages and all(m for m in refused.messages)
    else:
        assert all(len(group) >= 2 and all(group) for group in groups)
        assert synonym_groups(text) == (groups or synonym_groups(""))


def test_an_empty_list_means_the_defaults() -> None:
    assert synonym_groups("") == parse_synonyms(DEFAULT_SYNONYMS)
    assert ("not showing up" in synonym_groups("")[0]) and ("missing" in synonym_groups("")[0])


@pytest.mark.django_db
def test_the_edit_form_refuses_a_bad_line_beside_the_field_then_saves_and_shows_it_again(client) -> None:
    app = factories.ApplicationFactory()
    client.force_login(app.delivery_lead)
    url = reverse("readiness:application_edit", args=[app.slug])
    data = {"name": app.name, "slug": app.slug, "stage": app.stage, "delivery_lead": app.delivery_lead_id,
            "business_owner": app.business_owner_id or "", "support_lead": app.support_lead_id or "",
            "contact_verification_days": 90, "first_level_verification_days": 30}

    refused = client.post(url, {**data, "synonyms": "missing\nzorp = not syncing"}).content.decode()
    field = refused.split('id="div_id_synonyms"', 1)[1].split('id="div_id_', 1)[0]
    assert "Line 1 (“missing”): give at least two different phrases" in field and "is-invalid" in field
    assert Application.objects.get(pk=app.pk).synonyms == ""

    assert client.post(url, {**data, "synonyms": "zorp = not syncing"}).status_code == 302
    assert Application.objects.get(pk=app.pk).synonyms == "zorp = not syncing"
    assert "zorp = not syncing</textarea>" in client.get(url).content.decode()
    history = client.get(reverse("readiness:history", args=[app.slug])).content.decode()
    assert "zorp = not syncing" in history


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [("a = b\x00", "Null characters are not allowed."),
     ("a = b\n" * 200_000, "Ensure this value has at most 10000 characters (it has 1199999).")],
    ids=["nul", "megabyte"],
)
def test_a_nul_byte_or_a_megabyte_is_refused_beside_the_field(client, typed: str, message: str) -> None:
    app = factories.ApplicationFactory()
    client.force_login(app.delivery_lead)

    page = client.post(reverse("readiness:application_edit", args=[app.slug]), {
        "name": app.name, "slug": app.slug, "stage": app.stage, "delivery_lead": app.delivery_lead_id,
        "synonyms": typed}).content.decode()

    field = page.split('id="div_id_synonyms"', 1)[1].split('id="div_id_', 1)[0]
    feedback = re.findall(r'class="invalid-feedback"[^>]*>(.*?)</', field, re.S)
    assert any(message in f for f in feedback), feedback
    assert Application.objects.get(pk=app.pk).synonyms == ""


@pytest.mark.django_db
def test_a_new_application_is_offered_the_synonyms_field_empty(client, lead) -> None:
    # Left empty, the default list is used (readiness.synonyms).
    client.force_login(lead)

    page = client.get(reverse("readiness:application_create")).content.decode()

    textarea = page.split('name="synonyms"', 1)[1].split("</textarea>", 1)[0]
    assert textarea.rstrip().endswith(">")  # nothing typed in it yet


# --- matching with them ---------------------------------------------------------------------------


@pytest.fixture
def portal() -> Application:
    application = factories.ApplicationFactory(name="Trade Ordering Portal", slug="ordering-portal")
    desk, engineers, business = (
        factories.EscalationLevelFactory(application=application, position=n, primary__name=name)
        for n, name in [(1, "Mia Chen"), (2, "Aisha Karim"), (3, "Priya Raman")]
    )
    ownership_rules_install_defaults(application=application, levels_by_role={
        OwnerRole.SUPPORT: desk, OwnerRole.ENGINEERING: engineers, OwnerRole.BUSINESS_OWNER: business})
    return Application.objects.get(pk=application.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("symptom", "matched"),
    [
        ("invoices not showing up in the ERP", ("invoices", "not showing up", "ERP")),
        ("Invoices NOT syncing", ("Invoices", "NOT syncing")),
        ("invocies are not reaching the ERP", ("invocies", "not reaching", "ERP")),
        ("the ERP, invoices: missing", ("ERP", "invoices", "missing")),
    ],
)
def test_paraphrases_typos_and_word_order_find_the_class_and_show_the_words_typed(portal, symptom, matched) -> None:
    best = rank_rules(portal.ownership_rules.select_related("application"), symptom)[0]

    assert best.rule.name == "Integration misfires"
    assert best.matched == matched  # as typed: no stems ("invoic"), no filler ("up", "the")


@pytest.mark.django_db
def test_the_applications_own_synonyms_are_read_and_change_the_answer(portal) -> None:
    assert answer(at=TUESDAY_10, application=portal, symptom="the flux capacitor is zorped").matches == []

    portal.synonyms = "zorped = not syncing\nflux capacitor = integration queue"
    portal.save()
    portal = Application.objects.get(pk=portal.pk)
    result = answer(at=TUESDAY_10, application=portal, symptom="the flux capacitor is zorped")

    assert result.rule.name == "Integration misfires"
    assert result.matches[0].matched == ("flux capacitor", "zorped")
    assert result.plan.person.name == "Aisha Karim"
    body = answer_as_dict(result)
    assert body["matches"][0]["matched_words"] == ["flux capacitor", "zorped"]


@pytest.mark.django_db
def test_searching_every_application_reads_each_ones_synonyms(portal) -> None:
    other = factories.ApplicationFactory(name="Dispatch Board", synonyms="zorped = not syncing")
    factories.OwnershipRuleFactory(application=other, name="Integration misfires",
                                   example_symptoms="invoice not syncing")

    result = answer(at=TUESDAY_10, symptom="invoice zorped")

    assert [(m.rule.application.name, m.matched) for m in result.matches[:1]] == [
        ("Dispatch Board", ("invoice", "zorped"))]


def test_words_read_stems_and_synonyms_not_a_hand_written_suffix_list() -> None:
    assert words("the customers' pricing") == words("customer price")
    assert words("locked out") == words("account locked")
    assert words("nothing happens") == words("does nothing") == words("it hangs")


@pytest.mark.django_db
def test_an_answer_at_another_time_says_at_not_now(portal) -> None:
    night = datetime(2025, 6, 3, 3, 0, tzinfo=MELBOURNE)
    body = answer_as_dict(answer(at=night, application=portal, symptom="invoice not syncing"))

    assert body["now"] is False
    reason = body["answer"]["call"]["reason"]
    assert reason.startswith("nobody on this level can be reached at 03:00 Tue 3 Jun: ")
    assert "now" not in reason


def test_a_new_application_can_start_with_its_own_synonyms(client, lead) -> None:
    from django.urls import reverse

    from readiness.models import Application

    client.force_login(lead)
    response = client.post(reverse("readiness:application_create"), {
        "name": "Freight Tracker", "slug": "freight-tracker", "stage": "build",
        "contact_verification_days": 90, "first_level_verification_days": 30,
        "synonyms": "not showing up = not syncing = missing",
    })
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    created = Application.objects.get(slug="freight-tracker")
    assert created.synonyms == "not showing up = not syncing = missing"
    assert "not showing up = not syncing = missing" in client.get(
        reverse("readiness:application_edit", args=[created.slug])).content.decode()
