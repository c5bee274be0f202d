"""The reminder sweep at scale: queries and time over 100,000 people, none due and 10,000 due.

`measure()` returns the figures; `run()` appends them as rows of `make bench`; `python -m
bench.sweep` (or `make bench-sweep`) measures on its own PostgreSQL database and prints the
table. The time is compared with one raw SQL scan of the same rows in the same index order,
the least any sweep must do; the sweep's fan-out is left out (a no-op dispatch) so the figure
is the database side. Everything runs in one transaction that is rolled back: the database
is left as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SWEEP_DB = "handoff_bench_sweep"
Row = tuple[str, str, str, str]


class _Rollback(Exception):
    pass


def _best(fn: Any, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - started)
    return best


def measure(people: int = 100_000, due: int = 10_000) -> dict[str, Any]:
    from django.db import connection, reset_queries, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from readiness.models import Person
    from readiness.services.reminders import SWEEP_CHUNK, reminder_sweep

    if connection.vendor != "postgresql":
        raise RuntimeError("the sweep benchmark needs PostgreSQL")
    now = timezone.now()
    figures: dict[str, Any] = {"people": people, "due": due, "chunk": SWEEP_CHUNK}
    raw_sql = (
        "SELECT id, reminder_cycle, reminder_step, next_reminder_at FROM readiness_person "
        "WHERE next_reminder_at <= %s ORDER BY next_reminder_at, id"
    )

    def sweep() -> int:
        return reminder_sweep(now=now, dispatch=lambda pk, cycle, step: None)

    def raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute(raw_sql, [now])
            return len(cursor.fetchall())

    def run_case(prefix: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE readiness_person")
        # After a long bench run Django's debug query log is full (it keeps the last 9,000), and a
        # capture counts what it grew by: empty it first.
        reset_queries()
        with CaptureQueriesContext(connection) as queries:
            found = sweep()
        figures[f"{prefix}_found"] = found
        figures[f"{prefix}_queries"] = len(queries)
        figures[f"{prefix}_sweep_s"] = _best(sweep)
        figures[f"{prefix}_raw_s"] = _best(raw)
        figures[f"{prefix}_raw_found"] = raw()
        sql, params = Person.objects.due_for_reminder(now).values_list("pk")[:SWEEP_CHUNK].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql, params)
            figures[f"{prefix}_plan"] = " / ".join(row[0].strip() for row in cursor.fetchall()[:3])

    try:
        with transaction.atomic():
            # Only this benchmark's rows count: whoever else is in the table is taken out of the schedule.
            Person.objects.update(next_reminder_at=None)
            started = time.perf_counter()
            batch: list[Person] = []
            for i in range(people):
                batch.append(Person(
                    name=f"Sweep bench {i}", email=f"sweep-bench-{i}@example.invalid", timezone="Australia/Sydney",
                    next_reminder_at=now + timedelta(days=1 + i % 90, minutes=i % 1440),
                ))
                if len(batch) == 5000:
                    Person.objects.bulk_create(batch)
                    batch = []
            Person.objects.bulk_create(batch)
            figures["build_s"] = time.perf_counter() - started
            run_case("none")
            ids = list(Person.objects.filter(email__startswith="sweep-bench-").order_by("id")
                       .values_list("id", flat=True)[:due])
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE readiness_person SET next_reminder_at = %s - (id %% 1440) * interval '1 minute' "
                    "WHERE id = ANY(%s)", [now, ids],
                )
            run_case("due")
            raise _Rollback
    except _Rollback:
        pass
    figures["due_queries_per_1000"] = figures["due_queries"] / (due / 1000)
    figures["due_ratio"] = figures["due_sweep_s"] / figures["due_raw_s"]
    figures["none_ratio"] = figures["none_sweep_s"] / figures["none_raw_s"]
    return figures


def rows_for(f: dict[str, Any]) -> list[Row]:
    ok = "ok"
    expected_chunks = -(-f["due"] // f["chunk"]) + (1 if f["due"] % f["chunk"] == 0 else 0)
    return [
        (f"reminder sweep, {f['people']:,} people, none due: queries", str(f["none_queries"]), "≤ 3",
         ok if f["none_queries"] <= 3 and f["none_found"] == 0 else "MISS"),
        (f"reminder sweep, {f['due']:,} due: queries (chunks of {f['chunk']:,})", str(f["due_queries"]),
         f"= {expected_chunks} (a chunk each, and the short last)",
         ok if f["due_queries"] == expected_chunks and f["due_found"] == f["due"] else "MISS"),
        ("reminder sweep: queries per 1,000 due", f"{f['due_queries_per_1000']:.2f}", "≤ 1.1 (constant)",
         ok if f["due_queries_per_1000"] <= 1.1 else "MISS"),
        ("reminder sweep, none due: time vs raw SQL scan",
         f"{f['none_sweep_s'] * 1000:.2f} ms vs {f['none_raw_s'] * 1000:.2f} ms", "index scan, ≤ 5 ms",
         ok if f["none_sweep_s"] <= 0.005 else "MISS"),
        ("reminder sweep, 10,000 due: time vs raw SQL scan",
         f"{f['due_sweep_s'] * 1000:.1f} ms vs {f['due_raw_s'] * 1000:.1f} ms (×{f['due_ratio']:.2f})", "≤ ×5",
         ok if f["due_ratio"] <= 5 else "MISS"),
    ]


def run(rows: list[Row], **_: Any) -> dict[str, Any]:
    """The hook `make bench` calls (bench/measure.py): measure and append the rows."""
    figures = measure()
    rows.extend(rows_for(figures))
    return figures


def database_url(name: str = SWEEP_DB) -> str:
    """The database `name` on the server DATABASE_URL points at (the local one if it is not PostgreSQL)."""
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    if not urlsplit(base).scheme.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
    return urlunsplit(urlsplit(base)._replace(path=f"/{name}"))


def recreate_database(url: str) -> None:
    """Drop the database `url` names, whoever is connected, create it again and migrate it."""
    import psycopg2

    name = urlsplit(url).path.lstrip("/")
    admin = psycopg2.connect(urlunsplit(urlsplit(url)._replace(path="/postgres")))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
    admin.close()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "handoff.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)


def main() -> int:
    url = database_url()
    os.environ.update(DATABASE_URL=url, DJANGO_SETTINGS_MODULE="handoff.settings", LOG_LEVEL="WARNING")
    recreate_database(url)

    import django

    django.setup()
    figures = measure()
    from bench.measure import render

    print(render(rows_for(figures), 0).rsplit("\n\n", 1)[0])
    print(f"\nbuilt {figures['people']:,} people in {figures['build_s']:.1f} s; "
          f"plan: {figures['due_plan']}")
    return 0 if all(r[3] == "ok" for r in rows_for(figures)) else 1


if __name__ == "__main__":
    sys.exit(main())
