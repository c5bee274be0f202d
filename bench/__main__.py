"""`make bench` (python -m bench): speed, scale, load and faults of Handoff, in one table.

Every latency is a ratio to the signed-in no-op view (`/health/ping/`) measured in the same
run through the same middleware and server, because these machines are shared and noisy;
everything else is a count. It needs PostgreSQL (and Redis for the worker drill): it works in
its own database, `handoff_bench`, dropped and rebuilt each run, and restarts the local
PostgreSQL and Redis servers during the fault drills. The worker drill (bench/drill.py) SIGKILLs
a real Celery worker mid-sweep in a database and Redis database of its own, and counts lost and
duplicate reminders.

Each page is timed over BENCH_DISTINCT distinct applications, one view each on a connection of
its own: cold (the first view right after a write to that application's evidence, as a lead comes
back from adding it), warm (viewed again) and, for the checklist and dashboard, with no stored
verdict (judged live, as after a write naming people on many paths until the worker ran). Each
view is followed by one of the bare view; the ratio is of their medians. The targets are on the
cold figures; the write's own time (its on-commit judging included) is reported beside them. The
lookup API is called as a chat tool calls it, with its token and no browser session.

Options (environment): BENCH_APPS (1000), BENCH_PEOPLE (20000), BENCH_DISTINCT (200),
BENCH_LOAD_SECONDS (60), BENCH_SKIP_FAULTS (unset), BENCH_DATABASE (handoff_bench).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# BENCH_DATABASE lets two people bench side by side on one server.
BENCH_DB = os.environ.get("BENCH_DATABASE", "handoff_bench")


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def _bench_database_url() -> str:
    base = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(base)
    if not parts.scheme.startswith("postgres"):
        base = "postgres://postgres@127.0.0.1:5432/postgres"
        parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def _recreate_database(url: str) -> None:
    import psycopg2

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    conn = psycopg2.connect(admin)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {BENCH_DB}")
    conn.close()


def main() -> int:
    started = time.monotonic()
    database_url = _bench_database_url()
    redis_url = os.environ.get("REDIS_URL", "")
    from bench.server import BENCH_SECRET_KEY

    os.environ.update(
        SECRET_KEY=BENCH_SECRET_KEY,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="handoff.settings",
        ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
    )
    print(f"bench: database {database_url}, redis {redis_url or 'none'}", flush=True)
    _recreate_database(database_url)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, check=True)

    import django

    django.setup()
    from bench import measure

    var_dir = Path(tempfile.mkdtemp(prefix="handoff-bench-"))
    rows: list[tuple[str, str, str, str]] = []
    results: dict[str, Any] = {}
    measure.query_counts(rows, results)
    measure.latencies(rows, results, database_url, redis_url, var_dir,
                      apps=_env_int("BENCH_APPS", 1000), people=_env_int("BENCH_PEOPLE", 20000),
                      distinct=_env_int("BENCH_DISTINCT", 200), load_seconds=_env_int("BENCH_LOAD_SECONDS", 60),
                      faults=not os.environ.get("BENCH_SKIP_FAULTS"))
    measure.sweep(rows, results, database_url, redis_url, var_dir, faults=not os.environ.get("BENCH_SKIP_FAULTS"))

    elapsed = time.monotonic() - started
    table = measure.render(rows, elapsed)
    print("\n" + table)
    out = ROOT / "var" / "bench-latest.md"
    out.parent.mkdir(exist_ok=True)
    out.write_text(table + "\n")
    print(f"\n(also written to {out.relative_to(ROOT)})")
    failed = [r for r in rows if r[3] == "MISS"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
