"""Sessions say whose they are, so ending one user's sign-in is one query however many people are
signed in (readiness.sessions, models.UserSession)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from readiness.models import UserSession
from readiness.services.people import user_sessions_end
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"


def _signed_in(user: User) -> Client:
    browser = Client()
    assert browser.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    return browser


def test_a_sign_in_records_whose_session_it_is_and_a_sign_out_removes_it() -> None:
    user = factories.UserFactory(password=PASSWORD)
    browser = _signed_in(user)
    session = UserSession.objects.get()
    assert session.user_pk == user.pk
    assert session.get_decoded()["_auth_user_id"] == str(user.pk)
    browser.post("/accounts/logout/")
    assert not UserSession.objects.filter(user_pk=user.pk).exists()


def test_an_anonymous_session_names_nobody() -> None:
    browser = Client()
    browser.get("/accounts/login/")  # the CSRF cookie only: no session row yet
    session = browser.session
    session["seen"] = True
    session.save()
    assert UserSession.objects.get(session_key=session.session_key).user_pk is None


@pytest.mark.parametrize("others", [1, 30])
def test_ending_a_users_sessions_is_one_query_and_leaves_the_others(
    others: int, django_assert_num_queries
) -> None:
    leaver = factories.UserFactory(password=PASSWORD)
    stayer = factories.UserFactory(password=PASSWORD)
    leavers_browsers = [_signed_in(leaver), _signed_in(leaver)]
    stayers_browser = _signed_in(stayer)
    factories.UserSessionFactory.create_batch(others, user_pk=stayer.pk)
    with django_assert_num_queries(1):
        ended = user_sessions_end(user_id=leaver.pk)
    assert ended == 2
    assert not UserSession.objects.filter(user_pk=leaver.pk).exists()
    assert UserSession.objects.filter(user_pk=stayer.pk).count() == others + 1
    for browser in leavers_browsers:
        response = browser.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert stayers_browser.get("/").status_code == 200


def test_beat_deletes_expired_sessions_daily_and_keeps_live_ones(settings) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from readiness import tasks

    now = timezone.now()
    expired = factories.UserSessionFactory(expire_date=now - timedelta(minutes=1))
    live = factories.UserSessionFactory(expire_date=now + timedelta(days=1))
    assert tasks.sessions_prune() == 1
    assert list(UserSession.objects.values_list("pk", flat=True)) == [live.pk]
    assert not UserSession.objects.filter(pk=expired.pk).exists()
    schedule = settings.CELERY_BEAT_SCHEDULE["sessions-prune"]
    assert schedule["task"] == "readiness.tasks.sessions_prune"
    assert (schedule["schedule"].hour, schedule["schedule"].minute) == ({3}, {30})
