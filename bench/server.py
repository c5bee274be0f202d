"""Start and stop the app under gunicorn on loopback, configured like production."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Shared with the bench process, which signs the session cookie the load generator sends.
BENCH_SECRET_KEY = "bench-only-secret-key-bench-only-secret-key-bench-only-0123456789"


def production_env(database_url: str, redis_url: str, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        DEBUG="0",
        SECRET_KEY=BENCH_SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        HANDOFF_VAR_DIR=str(var_dir),
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="handoff.settings",
    )
    return env


class Gunicorn:
    def __init__(self, env: dict[str, str], port: int = 8765, workers: int = 3) -> None:
        self.env = env
        self.port = port
        self.workers = workers
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log_path: Path) -> None:
        # Production mode serves hashed static names from a manifest, as a real deploy does.
        subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env,
                       check=True)
        self.log = log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "handoff.wsgi:application", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(self.workers), "--log-level", "warning", "--timeout", "60"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/accounts/login/", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if self.process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited; see {log_path}") from None
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {log_path}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
