"""Fault drill: a Celery worker SIGKILLed mid-sweep, then restarted, loses no reminder and sends none twice.

A real `celery worker` (the one the worker tests start, tests/conftest.py) on Redis and
PostgreSQL sweeps 2,000 people due; the drill kills it and its pool with SIGKILL once some
but not all reminders are logged, starts it again, waits for the queue to drain, and counts
the reminder log rows and the mails the file backend wrote, per person.

It works in a PostgreSQL database of its own, `handoff_bench_drill` (dropped and rebuilt each
run, left behind for a look afterwards), and Redis database 12 (flushed before and after): a
short visibility timeout makes a worker hand out again every unacknowledged task of its Redis
database, which must not reach anyone else's queue.

`run()` is the hook `make bench` calls (bench/measure.py). Its process has Django bound to the
bench's own database, so it runs the drill as `python -m bench.drill --json` and reads the
figures back; `python -m bench.drill` on its own prints the row.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DRILL_DB = "handoff_bench_drill"
DRILL_REDIS_DB = 12
QUEUE = "bench-drill"
DUE = 2000
# Kill once a fifth are logged: the fan-out is well under way and most sends still queued.
KILL_SHARE = 5
# Every wait is bounded, together under two minutes; a run on this machine takes about 50 s.
STARTUP_TIMEOUT = 20
KILL_TIMEOUT = 20
DRAIN_TIMEOUT = 60
SETTLED_SECONDS = 2.0
# The whole drill, as run() waits for it, migrations included.
RUN_TIMEOUT = 240
Row = tuple[str, str, str, str]


def _redis_url(base: str) -> str:
    return re.sub(r"/\d*$", "", base.rstrip("/")) + f"/{DRILL_REDIS_DB}"


def _due_people(count: int) -> list[str]:
    """`count` people whose first reminder is due, oldest first; returns their emails."""
    from django.utils import timezone

    from readiness.models import Person

    start = timezone.now() - timedelta(hours=1)
    people = [
        Person(
            name=f"Drill contact {i}",
            email=f"drill-{i}@example.invalid",
            timezone="Australia/Melbourne",
            next_reminder_at=start + timedelta(milliseconds=i),
        )
        for i in range(count)
    ]
    Person.objects.bulk_create(people, batch_size=1000)
    return [p.email for p in people]


def _mails(folder: Path) -> Counter[str]:
    """Recipients of every message the worker's file backend wrote."""
    text = "".join(f.read_text(errors="replace") for f in sorted(folder.glob("*.log"))) if folder.exists() else ""
    return Counter(re.findall(r"^To: (.+)$", text, flags=re.MULTILINE))


def _logged() -> int:
    from readiness.models import ReminderLog

    return ReminderLog.objects.count()


def measure(redis_url: str, var_dir: Path, due: int = DUE) -> dict[str, Any]:
    """Run the drill on its own database and Redis database; Django must not be set up yet."""
    import redis

    from bench.sweep import database_url, recreate_database

    started = time.monotonic()
    drill_url = database_url(DRILL_DB)
    broker_url = _redis_url(redis_url)
    mail_dir = var_dir / "drill-mail"
    recreate_database(drill_url)
    # This process publishes the sweep: its Celery app must see the drill's broker and queue.
    os.environ.update(
        DATABASE_URL=drill_url, REDIS_URL=broker_url, CELERY_QUEUE=QUEUE, DJANGO_SETTINGS_MODULE="handoff.settings"
    )
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from readiness.models import Person, ReminderLog
    from readiness.tasks import reminder_sweep
    from tests.conftest import WorkerProcess

    emails = _due_people(due)
    client = redis.Redis.from_url(broker_url)
    client.flushdb()
    worker = WorkerProcess(
        queue=QUEUE,
        log_path=var_dir / "drill-worker.log",
        env={
            **os.environ,
            "HANDOFF_VAR_DIR": str(var_dir / "drill-var"),
            "EMAIL_FILE_PATH": str(mail_dir),
            "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            # The worker log says when the sweep finished its fan-out.
            "LOG_LEVEL": "INFO",
            # A killed worker's unacknowledged tasks come back after 3 s, looked for every second.
            "CELERY_VISIBILITY_TIMEOUT": "3",
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
            "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        },
    )
    figures: dict[str, Any] = {"due": due}

    def drained() -> bool:
        return client.llen(QUEUE) == 0 and client.hlen("unacked") == 0

    try:
        worker.start(timeout=STARTUP_TIMEOUT)
        reminder_sweep.delay()
        deadline = time.monotonic() + KILL_TIMEOUT
        while _logged() < due // KILL_SHARE and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.kill()
        figures["sent_at_kill"] = _logged()
        figures["sweep_done_at_kill"] = "reminder sweep:" in worker.log()
        figures["waiting_at_kill"] = client.llen(QUEUE) + client.hlen("unacked")

        restarted = time.monotonic()
        worker.start(timeout=STARTUP_TIMEOUT)
        # Drained, and no log row added for a while: redelivered tasks can still be in the pool.
        deadline = time.monotonic() + DRAIN_TIMEOUT
        last, settled_since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = _logged()
            if count != last:
                last, settled_since = count, time.monotonic()
            elif drained() and time.monotonic() - settled_since >= SETTLED_SECONDS:
                break
            time.sleep(0.2)
        figures["drained"] = drained()
        figures["recovery_s"] = time.monotonic() - restarted
    finally:
        worker.kill()
        client.flushdb()

    per_person = dict(ReminderLog.objects.values_list("person__email").annotate(n=Count("id")).order_by())
    mails = _mails(mail_dir)
    figures["sent"] = sum(per_person.values())
    figures["mails"] = sum(mails.values())
    # Lost: a due person with no log row or no mail. Duplicate: more than one of either.
    figures["lost"] = sum(1 for e in emails if not per_person.get(e) or not mails.get(e))
    figures["duplicates"] = sum(1 for e in emails if per_person.get(e, 0) > 1 or mails.get(e, 0) > 1)
    figures["strangers"] = len((set(mails) | set(per_person)) - set(emails))
    figures["still_due"] = Person.objects.due_for_reminder(timezone.now()).count()
    figures["worker_starts"] = worker.starts
    figures["seconds"] = time.monotonic() - started
    connection.close()
    return figures


def rows_for(f: dict[str, Any]) -> list[Row]:
    mid_sweep = 0 < f["sent_at_kill"] < f["due"]
    clean = f["lost"] == 0 and f["duplicates"] == 0 and f["strangers"] == 0 and f["still_due"] == 0
    when = (
        f"killed after {f['sent_at_kill']:,} sent, {f['waiting_at_kill']:,} tasks waiting"
        if mid_sweep
        else f"NOT mid-sweep: {f['sent_at_kill']:,} sent at the kill"
    )
    fan_out = "" if f["sweep_done_at_kill"] else ", during the fan-out"
    value = (
        f"{f['sent']:,}, {f['lost']}, {f['duplicates']} ({when}{fan_out}; restarted, "
        f"{'drained' if f['drained'] else 'NOT drained'} in {f['recovery_s']:.0f} s; {f['mails']:,} mails)"
    )
    return [
        (
            f"worker killed mid-sweep (SIGKILL, {f['due']:,} due): sent, lost, duplicates",
            value,
            "0 lost, 0 duplicates",
            "ok" if mid_sweep and clean and f["drained"] else "MISS",
        )
    ]


def run(rows: list[Row], *, redis_url: str, var_dir: Path, faults: bool, **_: Any) -> dict[str, Any]:
    """The hook `make bench` calls (bench/measure.py): the drill in a process of its own, and its row."""
    figure = "worker killed mid-sweep (no lost or duplicate reminders)"
    if not faults:
        return {}
    if not redis_url:
        rows.append((figure, "skipped: no Redis", "", ""))
        return {}
    print("bench: worker killed mid-sweep", flush=True)
    command = [sys.executable, "-m", "bench.drill", "--json", "--var-dir", str(var_dir)]
    # A session of its own: on timeout the drill goes down with the worker and pool it started.
    drill = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url},
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        stdout, stderr = drill.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(drill.pid, signal.SIGKILL)
        stdout, stderr = drill.communicate()
        # Its own cleanup never ran: take its tasks out of Redis here.
        import redis

        redis.Redis.from_url(_redis_url(redis_url)).flushdb()
        stderr += f"\ntimed out after {RUN_TIMEOUT} s"
    lines = stdout.strip().splitlines()
    figures = json.loads(lines[-1]) if drill.returncode == 0 and lines else None
    if figures is None:
        print(f"bench: the drill failed:\n{stderr[-3000:]}", flush=True)
        rows.append((figure, f"failed (worker log under {var_dir})", "0 lost, 0 duplicates", "MISS"))
        return {}
    rows.extend(rows_for(figures))
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (for run())")
    parser.add_argument("--var-dir", type=Path, help="where the worker log and mail go (a new temporary folder)")
    args = parser.parse_args()
    var_dir = args.var_dir or Path(tempfile.mkdtemp(prefix="handoff-drill-"))
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    figures = measure(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0", var_dir)
    if args.json:
        print(json.dumps(figures))
        return 0
    from bench.measure import render

    rows = rows_for(figures)
    print(render(rows, 0).rsplit("\n\n", 1)[0])
    print(f"\ndrill took {figures['seconds']:.0f} s; worker log and mail under {var_dir}")
    return 0 if all(r[3] == "ok" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
