"""Shared fixtures: users by role, the demo world, a real Celery worker, real Chromium + axe."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from tests import factories

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# beside one unless told this is deliberate. Tests only.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE_JS = ROOT / "tests" / "browser" / "vendor" / "axe.min.js"


def pytest_configure(config: pytest.Config) -> None:
    # Every factory user hashes a password: PBKDF2's deliberate slowness (~0.3 s each) is for
    # production, not for tests. Set before any user is made, so the hasher cache never sees PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_terminal_summary(terminalreporter: Any) -> None:
    # Said at the end of the run (with -q too), so a log shows which clock its results were found under.
    clock = os.environ.get("HANDOFF_TEST_CLOCK")
    if clock:
        terminalreporter.write_line(
            f"HANDOFF_TEST_CLOCK={clock}: every test started at {clock} today in {settings.TIME_ZONE}, clock ticking"
        )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.keywords and not CHROMIUM.exists():
            item.add_marker(pytest.mark.skip(reason="Chromium is not installed at /usr/bin/chromium"))
        if "worker" in item.keywords and not settings.REDIS_URL:
            item.add_marker(pytest.mark.skip(reason="REDIS_URL is not set: real-worker tests need Redis"))
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="DATABASE_URL is not PostgreSQL"))


@pytest.fixture(autouse=True)
def _test_clock() -> Iterator[None]:
    """HANDOFF_TEST_CLOCK=23:45 runs every test at that local time today (settings.TIME_ZONE), the
    clock ticking on from there: bugs that only show near midnight show on any day. A test that
    travels itself travels from inside this one (time-machine nests)."""
    clock = os.environ.get("HANDOFF_TEST_CLOCK")
    if not clock:
        yield
        return
    import time_machine
    from django.utils import timezone

    hour, minute = (int(part) for part in clock.split(":"))
    moment = timezone.localtime().replace(hour=hour, minute=minute, second=0, microsecond=0)
    with time_machine.travel(moment, tick=True):
        yield


@pytest.fixture(autouse=True)
def _mail_in_memory(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def tasks_on_commit(django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tasks enqueued with enqueue_on_commit run, in this process, when the test's writes
    "commit" (the end of the with block), as a worker would run them just after."""
    from readiness import queue

    monkeypatch.setattr(queue, "_publish", lambda task, args: task.apply(args=args, throw=True))
    with django_capture_on_commit_callbacks(execute=True):
        yield


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    # Each test's database starts again from the same ids: what one test cached (the lookup's
    # directories, rendered verdicts) must not answer the next.
    from django.core.cache import caches

    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def lead(db: None) -> Any:
    return factories.delivery_lead(username="dana", first_name="Dana", last_name="Whitfield")


@pytest.fixture
def analyst(db: None) -> Any:
    return factories.support_analyst(username="mia", first_name="Mia", last_name="Chen")


@pytest.fixture
def owner(db: None) -> Any:
    return factories.business_owner(username="priya", first_name="Priya", last_name="Raman")


@pytest.fixture
def demo(db: None) -> None:
    """The seeded demo world, as `make run` shows it."""
    from django.utils import timezone

    from readiness.demo import seed

    seed(timezone.localdate())


# --- real Celery worker --------------------------------------------------------------------------


def _database_url_for_subprocess() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    name = str(db["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        pytest.skip("the test database is in memory: a worker process cannot share it (use PostgreSQL)")
    return f"sqlite:///{name}"


@dataclass
class WorkerProcess:
    """A real `celery worker` process consuming a queue of its own on the real broker."""

    queue: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = field(default=0)

    def start(self, timeout: float = 60) -> None:
        self.starts += 1
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "handoff", "worker", "-Q", self.queue, "--concurrency", "1",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
             "--hostname", f"{self.queue}-{self.starts}@%h"],
            cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        marker = f"{self.queue}-{self.starts}@"
        while time.monotonic() < deadline:
            text = self.log_path.read_text(errors="replace")
            if marker in text and " ready." in text.split(marker, 1)[-1]:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"celery worker did not start:\n{self.log_path.read_text(errors='replace')[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no warm shutdown, unacknowledged tasks stay unacknowledged."""
        if self.process and self.process.poll() is None:
            subprocess.run(["pkill", "-KILL", "-P", str(self.process.pid)], check=False)
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def celery_worker_process(transactional_db: None, tmp_path: Path) -> Iterator[WorkerProcess]:
    """A started worker on a fresh queue, sharing the test database; the test process publishes to it."""
    from handoff.celery import app

    queue = f"test-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url_for_subprocess(),
        "CELERY_QUEUE": queue,
        "HANDOFF_VAR_DIR": str(tmp_path / "var"),
        "EMAIL_FILE_PATH": str(tmp_path / "mail"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_SETTINGS_MODULE": "handoff.settings",
    }
    env.pop("DATABASE_TEST_NAME", None)
    worker = WorkerProcess(queue=queue, env=env, log_path=tmp_path / "worker.log")
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = queue
    worker.start()
    try:
        yield worker
    finally:
        worker.stop()
        app.conf.task_default_queue = previous


def wait_for(predicate: Any, timeout: float = 30, interval: float = 0.2, message: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


def at_once(call: Callable[[], Any], times: int = 2) -> list[Any]:
    """Run `call` in `times` threads released together (each its own database connection, closed
    after): what two workers or two sweeps do at the same moment. Returns their results."""
    start = threading.Barrier(times)
    results: list[Any] = []

    def run() -> None:
        try:
            start.wait()
            results.append(call())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# --- real Chromium + axe-core --------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "headless": True,
        # No network here: keep Chromium from phoning home on start.
        "args": ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    }


class CheckedPage:
    """Wraps a Playwright page: records CSP violations and console errors, runs axe on demand."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.console: list[str] = []
        page.on("console", lambda msg: self.console.append(f"{msg.type}: {msg.text}"))
        page.on("pageerror", lambda exc: self.console.append(f"pageerror: {exc}"))
        # Runs through the DevTools protocol, so the page's CSP does not apply to it.
        page.add_init_script(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', "
            "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
        )

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base_url + path)
        self.check()
        return response

    def sign_in(self, username: str, password: str = "correct-horse-battery") -> None:
        self.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        self.check()

    def csp_violations(self) -> list[str]:
        recorded = self.page.evaluate("window.__csp || []")
        from_console = [line for line in self.console if "Content Security Policy" in line]
        return list(recorded) + from_console

    def axe_violations(self) -> list[str]:
        self.page.evaluate(AXE_JS.read_text())
        result = self.page.evaluate(
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    def check(self) -> None:
        """The page passes axe (no serious/critical violation) and broke no CSP rule."""
        self.page.wait_for_load_state()
        assert self.axe_violations() == [], f"axe violations on {self.page.url}"
        assert self.csp_violations() == [], f"CSP violations on {self.page.url}"


@pytest.fixture
def checked_page(page: Any, live_server: Any) -> CheckedPage:
    return CheckedPage(page, live_server.url)
