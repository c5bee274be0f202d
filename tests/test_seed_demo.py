from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from readiness.models import Application

pytestmark = pytest.mark.django_db


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._default_manager.count() for model in apps.get_models()}


def test_seed_demo_is_idempotent() -> None:
    call_command("seed_demo", verbosity=0)
    first = _row_counts()
    call_command("seed_demo", verbosity=0)
    assert _row_counts() == first


def test_demo_users_sign_in_with_the_printed_credentials_and_see_their_name_and_role(capsys) -> None:
    call_command("seed_demo")
    printed = capsys.readouterr().out
    # "  lead     / handoff-demo   Dana Whitfield, Delivery lead"
    credentials = {
        line.split()[0]: (line.split()[2], line.split("   ")[-1].strip())
        for line in printed.splitlines() if " / " in line and not line.strip().startswith("admin")
    }
    assert set(credentials) == {"lead", "analyst", "owner"}

    for username, (password, who) in credentials.items():
        client = Client()
        response = client.post("/accounts/login/", {"username": username, "password": password}, follow=True)
        name, role = who.split(", ")
        assert response.redirect_chain[-1][0] == reverse("readiness:home"), username
        assert f"{name} · {role}" in response.content.decode(), username
    assert {name.split(", ")[0] for _, name in credentials.values()} == {"Dana Whitfield", "Mia Chen", "Priya Raman"}


def test_the_dashboard_lists_the_three_applications_with_their_stages(client) -> None:
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(username="lead"))

    html = client.get(reverse("readiness:home")).content.decode()

    rows = {
        application.name: re.search(rf">{re.escape(application.name)}</a></td>\s*<td>([^<]+)</td>", html)
        for application in Application.objects.all()
    }
    assert {name: match.group(1) if match else None for name, match in rows.items()} == {
        "Trade Ordering Portal": "Hypercare", "Customer Pricing Service": "Hardening",
        "Warehouse Dispatch Board": "Hardening",
    }


def test_the_demo_checklists_show_dispatch_boards_hypercare_plan_met_and_pricing_services_not(client) -> None:
    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(username="lead"))

    def gate9(slug: str) -> tuple[str, ...]:
        html = client.get(reverse("readiness:application_detail", args=[slug])).content.decode()
        article = html.split('id="gate-hypercare_plan"', 1)[1].split("</article>", 1)[0]
        found = re.search(r'data-status="(\w+)">([^<]+)<', article)
        assert found, slug
        return found.groups()

    assert gate9("dispatch-board") == ("met", "Met")
    assert gate9("pricing-service") == ("not_met", "Not met")


def test_seed_demo_prints_the_address_the_site_is_served_at(capsys, settings) -> None:
    settings.SITE_URL = "http://127.0.0.1:8123"
    call_command("seed_demo")
    printed = capsys.readouterr().out
    assert "Sign in at http://127.0.0.1:8123/ as:" in printed
    assert ":8000" not in printed


def test_make_port_sets_site_url_unless_given() -> None:
    import os
    import subprocess
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k not in {"SITE_URL", "HOST", "PORT", "MAKEFLAGS", "MAKELEVEL"}}

    def site_url(*args: str) -> str:
        # The real `seed` target (which `make run` starts with), with PY replaced by an echo of
        # the environment it gets; -o keeps make from (re)installing anything.
        result = subprocess.run(
            ["make", "-s", "--no-print-directory", "-o", ".venv/.installed", "-o", "var", "seed",
             "PY=echo SITE_URL=$$SITE_URL", *args],
            cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, text=True, check=True,
        )
        return result.stdout.splitlines()[-1].split()[0]

    assert site_url() == "SITE_URL=http://127.0.0.1:8000"
    assert site_url("PORT=8123") == "SITE_URL=http://127.0.0.1:8123"
    assert site_url("PORT=8123", "SITE_URL=https://handoff.example") == "SITE_URL=https://handoff.example"


def test_the_demo_paths_show_promised_coverage_split_and_night_shifts_and_regions(client) -> None:
    from readiness.models import Person

    call_command("seed_demo", verbosity=0)
    client.force_login(User.objects.get(username="lead"))

    portal = client.get("/apps/ordering-portal/path/").content.decode()
    pricing = client.get("/apps/pricing-service/path/")
    arjun = Person.objects.get(name="Arjun Rao")
    noor = Person.objects.get(name="Noor Haddad")

    # The ERP level promises Sydney business hours only: its nights and weekends are no gap.
    erp = portal.split("L3 ERP integration", 1)[1].split("</section>", 1)[0]
    assert "Promises Monday to Friday 09:00–17:00 (Australia/Sydney)" in erp
    assert "Times in the next" not in erp  # no gap table
    # The pricing service's engineering level: Sam has left, Arjun's split shift covers part of the day.
    engineering = next(row for row in pricing.context["rows"] if row.level.position == 2)
    assert engineering.gaps and all(
        gap.reason == "primary Sam Fletcher has left; backup Arjun Rao outside working hours"
        for gap in engineering.gaps)
    hosting = next(row for row in pricing.context["rows"] if row.level.position == 3)
    assert hosting.gaps == []
    assert any("Noor Haddad (backup) 22:00–24:00" in " ".join(f"{s.who} {s.label}" for s in day.cover)
               for day in hosting.timeline)
    person_page = client.get(arjun.get_absolute_url()).content.decode()
    assert "Monday 07:30–11:30; Monday 18:30–22:30" in person_page
    assert "Karnataka (IN-KA)" in person_page
    assert "Sunday 22:00–06:00 (next day)" in client.get(noor.get_absolute_url()).content.decode()
    people = client.get("/people/").content.decode()
    assert "holidays AU-VIC" in people and "holidays AU-NSW" in people and "holidays PH" in people
