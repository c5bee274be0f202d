from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from readiness.roles import ROLE_PERMISSIONS, Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_roles_exist_with_their_permissions() -> None:
    for role, codenames in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        assert sorted(group.permissions.values_list("codename", flat=True)) == sorted(codenames)


def test_support_analyst_cannot_waive_or_sign_off() -> None:
    analyst = factories.support_analyst()
    assert analyst.has_perm("readiness.log_escalation")
    assert not analyst.has_perm("readiness.waive_gate")
    assert not analyst.has_perm("readiness.sign_off_hypercare")


def test_signed_out_user_is_sent_to_sign_in(client) -> None:
    response = client.get(reverse("readiness:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_sign_in_then_sign_out(client) -> None:
    factories.delivery_lead(username="dana", first_name="Dana", last_name="Whitfield")
    response = client.post(reverse("login"), {"username": "dana", "password": "correct-horse-battery"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("readiness:home")
    assert "Dana Whitfield · Delivery lead" in page and "Go-live readiness" in page
    client.post(reverse("logout"))
    after = client.get(reverse("readiness:home"))
    assert after.status_code == 302 and after["Location"].startswith(reverse("login"))


def test_wrong_password_shows_message_beside_form(client) -> None:
    factories.delivery_lead(username="dana")
    response = client.post(reverse("login"), {"username": "dana", "password": "nope"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_sixth_attempt_after_five_failures_is_refused_even_with_right_password(client) -> None:
    factories.delivery_lead(username="dana")
    for _ in range(4):
        response = client.post(reverse("login"), {"username": "dana", "password": "wrong"})
        assert response.status_code == 200
    # The fifth failure locks the account and says so.
    assert client.post(reverse("login"), {"username": "dana", "password": "wrong"}).status_code == 429
    response = client.post(reverse("login"), {"username": "dana", "password": "correct-horse-battery"})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Too many failed sign-in attempts" in body
    assert "even with the right password" in body
    assert "_auth_user_id" not in client.session


def test_lockout_lifts_after_cool_off(client, settings) -> None:
    import time_machine
    from django.utils import timezone

    dana = factories.delivery_lead(username="dana")
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            client.post(reverse("login"), {"username": "dana", "password": "wrong"})
        traveller.shift(settings.AXES_COOLOFF_TIME.total_seconds() + 1)
        response = client.post(reverse("login"), {"username": "dana", "password": "correct-horse-battery"},
                               follow=True)
    assert response.redirect_chain[-1][0] == reverse("readiness:home")
    assert f"{dana.get_full_name() or dana.username} · Delivery lead" in response.content.decode()


def test_password_change(client) -> None:
    user = factories.support_analyst(username="mia")
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "correct-horse-battery", "new_password1": "a-much-longer-pass-2026",
         "new_password2": "a-much-longer-pass-2026"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-longer-pass-2026")


def test_each_of_the_three_roles_of_the_brief_shows_beside_the_name(client) -> None:
    assert set(Role.values) == {"Delivery lead", "Support analyst", "Business owner"}
    for make, role in ((factories.delivery_lead, "Delivery lead"), (factories.support_analyst, "Support analyst"),
                       (factories.business_owner, "Business owner")):
        user = make(first_name="Sam", last_name=role.split()[0])
        client.force_login(user)
        assert f"Sam {role.split()[0]} · {role}" in client.get(reverse("readiness:home")).content.decode()


def test_a_change_of_role_shows_on_the_next_page_label_and_permissions_alike(client) -> None:
    lead = factories.delivery_lead(username="dana")
    application = factories.ApplicationFactory(delivery_lead=lead)
    client.force_login(lead)
    waive = reverse("readiness:waiver_create", args=[application.slug])
    assert "· Delivery lead" in client.get(reverse("readiness:home")).content.decode()
    assert client.get(waive).status_code == 200

    lead.groups.clear()

    assert client.get(waive).status_code == 403
    assert "· Delivery lead" not in client.get(reverse("readiness:home")).content.decode()


PROXY = "10.0.0.2"  # the TLS proxy: every request reaches the app from here
ATTACKER = "203.0.113.5"
COLLEAGUE = "198.51.100.7"


def _sign_in(client, username: str, password: str, forwarded_for: str):
    return client.post(
        reverse("login"), {"username": username, "password": password},
        REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_behind_the_proxy_a_lockout_hits_the_attackers_address_only(client, settings) -> None:
    from django.test import Client

    settings.TRUSTED_PROXY_COUNT = 1
    factories.delivery_lead(username="alice")
    factories.support_analyst(username="bob")
    for _ in range(5):
        response = _sign_in(client, "alice", "wrong", ATTACKER)
    assert response.status_code == 429
    refused = _sign_in(client, "alice", "correct-horse-battery", ATTACKER)
    assert "Too many failed sign-in attempts" in refused.content.decode()

    # Alice, from her own address through the same proxy, still signs in.
    alice = Client()
    assert _sign_in(alice, "alice", "correct-horse-battery", COLLEAGUE).status_code == 302
    assert alice.get(reverse("readiness:home")).status_code == 200
    # So does another user behind the same proxy.
    bob = Client()
    assert _sign_in(bob, "bob", "correct-horse-battery", COLLEAGUE).status_code == 302
    assert "_auth_user_id" in bob.session


def test_behind_the_proxy_the_client_cannot_choose_its_address(client, settings) -> None:
    from django.test import Client

    settings.TRUSTED_PROXY_COUNT = 1
    factories.delivery_lead(username="alice")
    # The attacker sends an X-Forwarded-For of their own; the proxy appends the real address.
    for _ in range(5):
        _sign_in(client, "alice", "wrong", f"{COLLEAGUE}, {ATTACKER}")
    assert _sign_in(Client(), "alice", "correct-horse-battery", ATTACKER).status_code == 429
    assert _sign_in(Client(), "alice", "correct-horse-battery", COLLEAGUE).status_code == 302


def test_without_trusted_proxies_a_spoofed_forwarded_for_is_ignored(client, settings) -> None:
    from django.test import Client

    settings.TRUSTED_PROXY_COUNT = 0
    factories.delivery_lead(username="alice")
    # Five failures, each claiming a new address: all count against the one real address.
    for n in range(5):
        response = _sign_in(client, "alice", "wrong", f"192.0.2.{n + 1}")
    assert response.status_code == 429
    response = _sign_in(Client(), "alice", "correct-horse-battery", COLLEAGUE)
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
