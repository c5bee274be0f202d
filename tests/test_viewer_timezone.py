"""Times are shown in the viewer's own timezone, human-readable, on every page and in the pack;
CSV and JSON keep ISO 8601 (issue 15). The timezone is the user's choice, else the directory's
entry for them, else the site's; it is put in the session at sign-in and on change."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from readiness.models import SignOff, UserPreference
from readiness.services.preferences import SESSION_TIMEZONE
from tests import factories

pytestmark = pytest.mark.django_db


def _sign_in(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.username, "password": "correct-horse-battery"})
    assert response.status_code == 302


def _as_seen_in(moment, zone: str) -> str:
    return str(date_filter(moment.astimezone(ZoneInfo(zone)), "D j M Y, H:i T"))


def test_signing_in_brings_the_chosen_timezone_and_the_signed_record_speaks_it(client) -> None:
    app = factories.signed_off_application()
    lead = app.delivery_lead
    factories.UserPreferenceFactory(user=lead, timezone="Asia/Manila")
    _sign_in(client, lead)
    assert client.session[SESSION_TIMEZONE] == "Asia/Manila"

    page = client.get(reverse("readiness:hypercare_detail", args=[app.slug])).content.decode()
    signed_at = SignOff.objects.get().signed_at
    manila = _as_seen_in(signed_at, "Asia/Manila")
    assert f"on <strong>{manila}</strong>" in page
    assert "PST" in manila  # Philippine time, said so
    assert _as_seen_in(signed_at, settings.TIME_ZONE) not in page
    assert ">Asia/Manila</a>" in page  # the menu says which timezone, and leads to change it

    pack = client.get(reverse("readiness:handoff_pack", args=[app.slug])).content.decode()
    assert f"on {manila}" in pack
    exported = client.get(reverse("readiness:handoff_pack_json", args=[app.slug])).json()
    assert exported["sign_off"]["signed_at"] == signed_at.astimezone(ZoneInfo("Asia/Manila")).isoformat()


def test_without_a_choice_the_directory_entry_then_the_site(client) -> None:
    perth = factories.delivery_lead()
    factories.PersonFactory(user=perth, timezone="Australia/Perth")
    _sign_in(client, perth)
    assert client.session[SESSION_TIMEZONE] == "Australia/Perth"

    client.logout()
    nobody = factories.delivery_lead()
    _sign_in(client, nobody)
    assert client.session[SESSION_TIMEZONE] == settings.TIME_ZONE


def test_the_timezone_page_saves_shows_again_and_refuses_beside_the_field(client) -> None:
    user = factories.delivery_lead()
    _sign_in(client, user)
    url = reverse("readiness:preferences")
    page = client.get(url).content.decode()
    assert f'id="current-timezone">{settings.TIME_ZONE}<' in page

    refused = client.post(url, {"timezone": "Mars/Olympus_Mons"})
    assert refused.status_code == 200
    assert "Mars/Olympus_Mons is not a known IANA timezone" in refused.content.decode()
    assert refused.context["form"].errors["timezone"]
    assert not UserPreference.objects.exists()

    response = client.post(url, {"timezone": "Asia/Manila"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Times are now shown in Asia/Manila." in page
    assert 'id="current-timezone">Asia/Manila<' in page
    assert client.session[SESSION_TIMEZONE] == "Asia/Manila"
    # Saved twice: still one row.
    assert client.post(url, {"timezone": "Asia/Manila"}).status_code == 302
    assert UserPreference.objects.get().timezone == "Asia/Manila"


def test_the_csv_keeps_iso_8601_in_the_viewers_offset(client) -> None:
    app = factories.hypercare_application()
    level, rule = app.levels.get(position=1), app.ownership_rules.get()
    occurred = timezone.now() - timedelta(hours=3)
    factories.EscalationFactory(application=app, problem_class=rule, from_level=level, occurred_at=occurred)
    factories.UserPreferenceFactory(user=app.delivery_lead, timezone="Asia/Manila")
    _sign_in(client, app.delivery_lead)
    csv_text = client.get(reverse("readiness:escalationlog_export", args=[app.slug])).content.decode()
    assert occurred.astimezone(ZoneInfo("Asia/Manila")).isoformat() in csv_text
    listing = client.get(reverse("readiness:escalationlog_list", args=[app.slug])).content.decode()
    local = occurred.astimezone(ZoneInfo("Asia/Manila"))
    assert f"{local:%H:%M}" in listing


def test_an_unknown_name_left_in_a_session_falls_back_to_the_site(client) -> None:
    user = factories.delivery_lead()
    _sign_in(client, user)
    session = client.session
    session[SESSION_TIMEZONE] = "Nowhere/Never"
    session.save()
    page = client.get(reverse("readiness:preferences"))
    assert page.status_code == 200
    assert f">{settings.TIME_ZONE}</a>" in page.content.decode()


def test_the_pack_shows_an_alerts_last_firing_for_people_in_the_viewers_timezone(client) -> None:
    app = factories.hypercare_application()
    seen = timezone.now() - timedelta(days=2)
    factories.AlertVerificationFactory(alert=factories.AlertCheckFactory(application=app), verified_at=seen)
    factories.UserPreferenceFactory(user=app.delivery_lead, timezone="Asia/Manila")
    _sign_in(client, app.delivery_lead)
    page = client.get(reverse("readiness:handoff_pack", args=[app.slug])).content.decode()
    assert _as_seen_in(seen, "Asia/Manila") in page
    assert seen.astimezone(ZoneInfo("Asia/Manila")).isoformat() not in page
