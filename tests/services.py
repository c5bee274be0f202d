"""Print shell `export` lines for the PostgreSQL and Redis that `make test` should use.

An explicit DATABASE_URL / REDIS_URL wins. Otherwise the local servers are used when they
answer on their standard ports, so `make test` exercises the real components wherever they
exist and still passes on a laptop with neither (SQLite; real-worker tests skipped).
"""

from __future__ import annotations

import os
import shlex
import socket


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _postgres_accepts(url: str) -> bool:
    try:
        import psycopg2

        psycopg2.connect(url, connect_timeout=2).close()
        return True
    except Exception:
        return False


def main() -> None:
    exports: dict[str, str] = {}
    if not os.environ.get("DATABASE_URL") and _reachable("127.0.0.1", 5432):
        if _postgres_accepts("postgresql://postgres@127.0.0.1:5432/postgres"):
            exports["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/postgres"
    if not os.environ.get("REDIS_URL") and _reachable("127.0.0.1", 6379):
        exports["REDIS_URL"] = "redis://127.0.0.1:6379/0"
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
