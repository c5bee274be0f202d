"""The "Who do I call?" form: the application typed by name (no list of every application),
its classes of problem, and the JSON the page's suggestions read."""

from __future__ import annotations

import pytest
from django.test import Client

from readiness.forms.applications import ApplicationForm
from readiness.forms.lookup import LookupForm
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def apps() -> dict[str, object]:
    portal = factories.ApplicationFactory(name="Trade Ordering Portal", slug="ordering-portal")
    factories.ApplicationFactory(name="Pricing Service", slug="pricing-service")
    factories.ApplicationFactory(name="Pricing Rules Engine", slug="pricing-rules")
    for name in ("Integration misfires", "Access, login and permissions"):
        factories.OwnershipRuleFactory(application=portal, name=name)
    factories.OwnershipRuleFactory(application=portal.__class__.objects.get(slug="pricing-service"),
                                   name="Price looks wrong")
    return {"portal": portal}


@pytest.fixture
def client(analyst) -> Client:
    client = Client()
    client.force_login(analyst)
    return client


@pytest.mark.parametrize("typed", ["ordering-portal", "Trade Ordering Portal", "trade ordering portal", " ordering "])
def test_the_application_is_found_by_slug_name_in_any_case_or_a_unique_part(apps, typed) -> None:
    form = LookupForm({"application": typed, "symptom": "invoice not syncing"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["application"] == apps["portal"]
    # Shown again under its name, whatever was typed.
    assert form["application"].value() == "Trade Ordering Portal"


def test_a_part_that_fits_several_applications_names_them_beside_the_field(apps, client) -> None:
    response = client.get("/call/", {"application": "pricing", "symptom": "price wrong"})

    assert response.status_code == 200
    assert response.context["result"] is None
    html = response.content.decode()
    assert 'id="id_application_error"' in html
    assert "Several applications match “pricing”: Pricing Rules Engine, Pricing Service." in html
    assert 'aria-invalid="true"' in html


def test_an_unknown_application_is_a_clear_message_not_an_error_page(apps, client) -> None:
    response = client.get("/call/", {"application": "billing", "symptom": "invoice not syncing"})

    assert response.status_code == 200
    assert "No application is called “billing”" in response.content.decode()


def test_classes_of_problem_are_the_picked_applications(apps, client) -> None:
    page = client.get("/call/", {"application": "ordering-portal"})
    select = page.content.decode().split('name="problem_class"', 1)[1].split("</select>", 1)[0]
    assert "Integration misfires" in select and "Access, login and permissions" in select
    assert "Price looks wrong" not in select
    assert page.context["form"]["application"].value() == "Trade Ordering Portal"

    nothing_picked = client.get("/call/").content.decode()
    assert "pick an application to list its classes" in nothing_picked


def test_a_class_of_another_application_is_refused_beside_the_field(apps, client) -> None:
    response = client.get("/call/", {"application": "ordering-portal", "problem_class": "Price looks wrong"})

    assert response.context["result"] is None
    assert response.context["form"].errors["problem_class"] == [
        "Trade Ordering Portal has no class of problem called “Price looks wrong”."
    ]


def test_the_suggestions_list_every_application_by_name(apps, client) -> None:
    data = client.get("/call/applications.json").json()

    assert data["applications"][0] == {"name": "Pricing Rules Engine", "slug": "pricing-rules"}
    assert [a["name"] for a in data["applications"]] == [
        "Pricing Rules Engine", "Pricing Service", "Trade Ordering Portal"
    ]


def test_the_classes_json_follows_what_is_typed(apps, client) -> None:
    assert client.get("/call/classes.json", {"application": "trade ordering portal"}).json() == {
        "application": "Trade Ordering Portal",
        "classes": ["Access, login and permissions", "Integration misfires"],
    }
    several = client.get("/call/classes.json", {"application": "pricing"}).json()
    assert several["classes"] == [] and "Several applications match" in several["error"]
    assert client.get("/call/classes.json").json() == {"application": None, "classes": []}


def test_the_json_needs_a_signed_in_user(apps) -> None:
    for url in ("/call/applications.json", "/call/classes.json"):
        response = Client().get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_application_names_are_unique_ignoring_case_with_the_message_beside_the_field(apps, lead) -> None:
    form = ApplicationForm({"name": "trade ordering portal", "slug": "portal-two", "stage": "build"})

    assert not form.is_valid()
    assert form.errors["name"] == ["There is already an application with this name (in another case)."]
    assert "__all__" not in form.errors


@pytest.fixture
def billing() -> dict[str, object]:
    # Each one's slug is close to the other's name: what is typed is a name, so the name wins.
    return {
        "billing": factories.ApplicationFactory(name="Billing", slug="billing-core"),
        "billing core": factories.ApplicationFactory(name="Billing Core", slug="billing"),
    }


@pytest.mark.parametrize(("typed", "picked"), [
    ("billing", "Billing"), ("BILLING", "Billing"), ("billing-core", "Billing"),
    ("billing core", "Billing Core"), ("core", "Billing Core"),
])
def test_a_typed_name_wins_over_another_applications_slug(billing, typed, picked) -> None:
    form = LookupForm({"application": typed, "symptom": "invoice not syncing"})

    assert form.is_valid(), form.errors
    assert form.cleaned_data["application"].name == picked
    assert form["application"].value() == picked


def test_typing_billing_on_the_page_answers_for_billing(billing, client) -> None:
    factories.OwnershipRuleFactory(application=billing["billing"], name="Invoices not syncing")
    factories.OwnershipRuleFactory(application=billing["billing core"], name="Ledger totals wrong")

    page = client.get("/call/", {"application": "billing", "symptom": "invoice not syncing"})

    assert page.context["result"].application.name == "Billing"
    assert 'value="Billing"' in page.content.decode()


def test_an_entry_fitting_several_applications_lists_them_beside_the_field(billing, client) -> None:
    response = client.get("/call/", {"application": "bill", "symptom": "invoice not syncing"})

    assert response.context["result"] is None
    html = response.content.decode()
    assert "Several applications match “bill”: Billing, Billing Core. Type more of the name." in html
    assert 'id="id_application_error"' in html


def test_links_and_the_api_carry_slugs_so_there_the_slug_wins(billing, client) -> None:
    # The "Who do I call?" tab of Billing Core's pages links with its slug, "billing".
    page = client.get("/call/", {"application": "billing"})
    assert page.context["form"]["application"].value() == "Billing Core"

    form = LookupForm({"application": "billing", "symptom": "x"}, slug_first=True)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["application"].name == "Billing Core"
