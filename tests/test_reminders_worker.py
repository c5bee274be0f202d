"""Reminders through a real Celery worker on Redis and PostgreSQL: killed mid-sweep, and Redis down.

The worker writes its mail with the file backend (EMAIL_FILE_PATH); the test counts the
messages there and the reminder log rows. These tests use a Redis database of their own
(REMINDER_REDIS_DB) because a short visibility timeout makes a worker hand out again every
unacknowledged task in its database, which must not touch other test runs' queues.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg2
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from readiness.models import ContactConfirmation, Person, ReachabilityTest, ReminderLog
from readiness.services.reminders import link_token
from readiness.services.reminders import reminder_sweep as sweep_here
from readiness.tasks import reminder_sweep
from tests import factories
from tests.conftest import WorkerProcess, _database_url_for_subprocess, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REMINDER_REDIS_DB = 13
DEAD_BROKER = "redis://127.0.0.1:1/0"


def _isolated_url() -> str:
    return re.sub(r"/\d*$", "", settings.REDIS_URL.rstrip("/")) + f"/{REMINDER_REDIS_DB}"


def _use_broker(url: str) -> None:
    """Point this process's Celery app at `url` (its connection pools are built lazily)."""
    from handoff.celery import app

    app.conf.broker_url = url
    # Only forget them: kombu keeps one pool per broker address, shared, so closing one breaks a later test.
    app._pool = None
    app.amqp._producer_pool = None


@contextmanager
def isolated_worker(worker: WorkerProcess, *, visibility_timeout: int = 3) -> Iterator[redis.Redis]:
    url = _isolated_url()
    client = redis.Redis.from_url(url)
    client.flushdb()
    worker.stop()
    worker.env.update(REDIS_URL=url, CELERY_VISIBILITY_TIMEOUT=str(visibility_timeout),
                      CELERY_UNACKED_RESTORE_INTERVAL="1", CELERY_UNACKED_RESTORE_THROTTLE="1")
    original = settings.REDIS_URL
    _use_broker(url)
    worker.start()
    try:
        yield client
    finally:
        worker.stop()
        _use_broker(original)
        client.flushdb()


def _mails(worker: WorkerProcess) -> Counter[str]:
    """Recipients of every message the worker's file backend wrote."""
    folder = Path(worker.env["EMAIL_FILE_PATH"])
    text = "".join(f.read_text() for f in sorted(folder.glob("*.log"))) if folder.exists() else ""
    return Counter(re.findall(r"^To: (.+)$", text, flags=re.MULTILINE))


def _due_people(count: int) -> list[Person]:
    people = [factories.PersonFactory() for _ in range(count)]
    start = timezone.now() - timedelta(hours=count)
    for index, person in enumerate(people):  # distinct due times: the sweep's order is the list's
        Person.objects.filter(pk=person.pk).update(next_reminder_at=start + timedelta(minutes=index))
    return people


def _blocked_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                       "AND wait_event_type = 'Lock'")
        return cursor.fetchone()[0] > 0


def _drained(client: redis.Redis, queue: str) -> bool:
    return client.llen(queue) == 0 and client.hlen("unacked") == 0


def test_worker_killed_mid_sweep_and_restarted_sends_exactly_one_email_per_due_contact(
    celery_worker_process: WorkerProcess,
) -> None:
    worker = celery_worker_process
    people = _due_people(5)
    locker = psycopg2.connect(_database_url_for_subprocess())
    try:
        with isolated_worker(worker) as client:
            # 1. The sweep itself is killed: it waits on a table lock when the worker dies.
            with locker.cursor() as cursor:
                cursor.execute("LOCK TABLE readiness_person IN ACCESS EXCLUSIVE MODE")
            reminder_sweep.delay()
            wait_for(_blocked_on_a_lock, message="the sweep blocked on the locked table")
            worker.kill()
            locker.rollback()
            assert not ReminderLog.objects.exists()

            # 2. Killed again in the fan-out: two sent, the third contact's send waiting on its row.
            with locker.cursor() as cursor:
                cursor.execute("SELECT id FROM readiness_person WHERE id = %s FOR UPDATE", [people[2].pk])
            worker.start()  # the unacknowledged sweep comes back after the visibility timeout
            wait_for(lambda: ReminderLog.objects.count() == 2 and _blocked_on_a_lock(), timeout=60,
                     message="two sends done and the third blocked")
            worker.kill()
            locker.rollback()

            # 3. Restarted: everything left is delivered again, and sent once.
            worker.start()
            wait_for(lambda: ReminderLog.objects.count() == 5, timeout=60, message="all five reminders logged")
            wait_for(lambda: _drained(client, worker.queue), timeout=60, message="no task left or unacknowledged")
            reminder_sweep.delay()  # and a later sweep finds nobody due
            wait_for(lambda: _drained(client, worker.queue) and "reminder sweep: 0 people due" in worker.log(),
                     timeout=60, message="a sweep with nobody due")
    finally:
        locker.close()

    mails = _mails(worker)
    assert mails == Counter({person.email: 1 for person in people}), worker.log()[-3000:]
    assert sorted(ReminderLog.objects.values_list("person_id", flat=True)) == sorted(p.pk for p in people)
    assert worker.starts == 4


def test_redis_down_pages_load_forms_save_and_the_next_sweep_sends_what_is_due(
    celery_worker_process: WorkerProcess, client: Any, lead: Any,
) -> None:
    worker = celery_worker_process
    due = _due_people(3)
    contact = factories.EscalationLevelFactory(position=1).primary
    with isolated_worker(worker) as broker:
        _use_broker(DEAD_BROKER)
        client.force_login(lead)
        assert client.get(reverse("readiness:person_reminders", args=[contact.pk])).status_code == 200
        change = reverse("readiness:reminder_change", args=[link_token(contact, 1)])
        assert client.get(change).status_code == 200
        saved = client.post(change, {"name": contact.name, "phone": "+61 3 9999 0000", "chat_handle": "",
                                     "timezone": "Australia/Sydney", "note": "New mobile."})
        assert saved.status_code == 200 and "Your details are saved" in saved.content.decode()
        sent = client.post(reverse("readiness:reachability_test_send", args=[contact.pk]), {"channels": ["email"]})
        assert sent.status_code == 302
        assert sweep_here() == 3  # the fan-out cannot reach the broker: nothing is marked, nothing lost
        contact.refresh_from_db()
        assert contact.phone == "+61 3 9999 0000" and ContactConfirmation.objects.filter(person=contact).exists()
        assert ReachabilityTest.objects.filter(person=contact).count() == 1
        assert not ReminderLog.objects.exists() and broker.llen(worker.queue) == 0

        _use_broker(_isolated_url())  # Redis is back: the next sweep sends what is due
        reminder_sweep.delay()
        wait_for(lambda: ReminderLog.objects.count() == 3, timeout=60, message="the three reminders")
        wait_for(lambda: _drained(broker, worker.queue), timeout=60, message="the queue drained")
    assert _mails(worker) == Counter({person.email: 1 for person in due})
