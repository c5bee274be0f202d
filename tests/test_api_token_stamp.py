"""The API token's last-used stamp asks a worker at most once a minute, even before (or without)
a worker applying the last stamp: a chat bot asking every second does not flood the broker."""

from __future__ import annotations

import time_machine
from django.utils import timezone

from readiness import queue
from readiness.models import ApiToken
from readiness.services.api import api_token_authenticate, api_token_create


def test_without_a_worker_the_stamp_is_asked_for_once_a_minute(analyst, django_capture_on_commit_callbacks,
                                                               monkeypatch) -> None:
    token, key = api_token_create(user=analyst, name="bot")
    published: list[tuple] = []
    # The broker takes the task; no worker applies it: the row keeps its old stamp.
    monkeypatch.setattr(queue, "_publish", lambda task, args: published.append(args))

    def use() -> None:
        with django_capture_on_commit_callbacks(execute=True):
            assert api_token_authenticate(key) is not None

    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(5):
            use()
            traveller.shift(10)
        assert len(published) == 1 and published[0][0] == token.pk
        traveller.shift(20)  # a minute after the first use
        use()
    assert len(published) == 2
    assert ApiToken.objects.get(pk=token.pk).last_used_at is None  # nothing was written by the reads
