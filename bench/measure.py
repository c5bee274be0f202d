"""The measurements of `make bench`; each appends rows (figure, value, target, verdict)."""

from __future__ import annotations

import random
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

from bench import dataset
from bench.load import LoadResult, fetch_once, run_load
from bench.server import Gunicorn, production_env

Row = tuple[str, str, str, str]
SYMPTOM = "invoice not syncing"


def _ok(condition: bool) -> str:
    return "ok" if condition else "MISS"


def _lead() -> Any:
    from django.contrib.auth.models import User

    return User.objects.get(username="bench-lead")


def _api_token() -> str:
    """A lookup-API token for the bench lead, made the way a user makes one."""
    from readiness.services import api as api_services

    _token, key = api_services.api_token_create(user=_lead(), name="bench")
    return key


def page_paths(slug: str, *, dashboard_page: int = 1) -> dict[str, str]:
    from urllib.parse import urlencode

    from django.urls import reverse

    query = urlencode({"application": slug, "symptom": SYMPTOM})
    return {
        "checklist page": reverse("readiness:application_detail", args=[slug]),
        "dashboard": f"{reverse('readiness:home')}?page={dashboard_page}",
        "lookup page": f"{reverse('readiness:lookup')}?{query}",
        "lookup API": f"{reverse('readiness:lookup_api')}?{query}",
    }


def _beat_snapshots() -> float:
    """What beat does every hour: today's readiness snapshot of every application (the dashboard
    reads them; a bulk-built dataset has none). Returns the seconds it took."""
    from readiness.services.gates import readiness_snapshots_refresh_all

    started = time.monotonic()
    judged = readiness_snapshots_refresh_all()
    seconds = time.monotonic() - started
    dataset.analyze()
    print(f"bench: beat's readiness snapshots of {judged} applications ({seconds:.1f} s)", flush=True)
    return seconds


def _count_queries(client: Any, path: str, headers: dict[str, str] | None = None) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path, headers=headers or {})
    assert response.status_code == 200, (path, response.status_code)
    return len(ctx.captured_queries)


def query_counts(rows: list[Row], results: dict[str, Any]) -> None:
    """SQL queries of each page at 10 and at 1,000 applications, cold (right after a write to the
    application's evidence) and warm (viewed again)."""
    from django.test import Client

    counts: dict[str, dict[int, tuple[int, int]]] = {}
    for size, people in ((10, 200), (1000, 20000)):
        started = time.monotonic()
        dataset.build(size, people)
        print(f"bench: dataset of {size} applications and {people} people ready "
              f"({time.monotonic() - started:.0f} s)", flush=True)
        results[f"snapshots_{size}"] = _beat_snapshots()
        client, api_client = Client(), Client()  # the API's: a token, no session
        client.force_login(_lead())
        if "token" not in results:
            results["token"] = _api_token()
        headers = {"Authorization": f"Bearer {results['token']}"}
        application = _application("bench-3")
        # A first call does one-off work (the API stamps a token's first use): not counted.
        for name, path in page_paths("bench-3").items():
            (api_client if "API" in name else client).get(path, headers=headers if "API" in name else {})
        for name, path in page_paths("bench-3", dashboard_page=dashboard_page(application.pk)).items():
            evidence_written(application.pk)
            asking = api_client if "API" in name else client
            cold = _count_queries(asking, path, headers if "API" in name else None)
            warm = _count_queries(asking, path, headers if "API" in name else None)
            counts.setdefault(name, {})[size] = (cold, warm)
    for name, by_size in counts.items():
        rows.append((f"SQL queries, {name}, cold / warm, 10 → 1,000 apps",
                     "{} / {} → {} / {}".format(*by_size[10], *by_size[1000]), "equal",
                     _ok(by_size[10] == by_size[1000])))
    rows.append(("beat: readiness snapshots of every application, 10 → 1,000 apps",
                 f"{results['snapshots_10']:.1f} s → {results['snapshots_1000']:.1f} s", "report", ""))
    results["query_counts"] = counts


def _application(slug: str) -> Any:
    from readiness.models import Application

    return Application.objects.get(slug=slug)


def dashboard_page(application_pk: int) -> int:
    """The dashboard page (default order: go-live, then name) that lists this application."""
    from django.db.models import F
    from django.db.models.functions import Lower

    from readiness.models import Application
    from readiness.views.gates import PAGE_SIZE

    order = list(Application.objects.order_by(F("go_live_date").asc(nulls_last=True), Lower("name"), "pk")
                 .values_list("pk", flat=True))
    return order.index(application_pk) // PAGE_SIZE + 1


def verdicts_stored(application_pks: list[int]) -> None:
    """What the refresh task (or beat) does after those writes: today's verdicts judged and stored."""
    from readiness.services.gates import readiness_snapshot_refresh

    readiness_snapshot_refresh(application_ids=application_pks)


def evidence_written(application_pk: int) -> float:
    """A write to this application's evidence, ended as every evidence-writing service ends it
    (services.gates.application_evidence_changed): once it commits, the application is judged
    and its verdict stored, in the writer's request. Returns the seconds the write took, that
    judging included (the POST's share of the work)."""
    from django.db import transaction

    from readiness.services.gates import application_evidence_changed

    started = time.perf_counter()
    with transaction.atomic():
        application_evidence_changed(application_ids=[application_pk])
    return time.perf_counter() - started


def verdict_forgotten(application_pk: int) -> None:
    """No current verdict stored, as after a write naming people on many paths until the worker
    has run its refresh task: the page judges the application live."""
    from django.utils import timezone

    from readiness.models import ReadinessSnapshot

    ReadinessSnapshot.objects.filter(application_id=application_pk, day=timezone.localdate()).delete()


def _session_cookie() -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    SessionStore = import_module(settings.SESSION_ENGINE).SessionStore  # noqa: N806  # Django's name for it

    user = _lead()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def _first_views(server: Gunicorn, name: str, applications: list[tuple[int, str]], cookie: str,
                 api_headers: dict[str, str], *, mode: str) -> tuple[LoadResult, LoadResult, list[float]]:
    """One view of `name` per application, each on a connection of its own, each followed by the
    bare view the same way (so both meet the same moment of a shared machine). `mode`: "cold",
    each view right after a write to that application's evidence; "live", with no stored verdict
    (judged by the page); "warm", viewed again. Also returns the writes' seconds (cold)."""
    from django.urls import reverse

    page, bare, writes = LoadResult(), LoadResult(), []
    for pk, slug in applications:
        path = page_paths(slug, dashboard_page=dashboard_page(pk) if name == "dashboard" else 1)[name]
        if mode == "cold":
            writes.append(evidence_written(pk))
        elif mode == "live":
            verdict_forgotten(pk)
        # The API is called as a chat tool calls it: its token, no browser session.
        page.samples.append(fetch_once(server.url, path, cookie="" if "API" in name else cookie,
                                       headers=api_headers if "API" in name else None))
        bare.samples.append(fetch_once(server.url, reverse("ping"), cookie=cookie))
        if mode == "live":
            verdicts_stored([pk])  # untimed: the next application's view is its own
    return page, bare, writes


def _latency_row(name: str, kind: str, page: LoadResult, bare: LoadResult, target: float | None) -> Row:
    p50, p95, b50 = page.percentile(50), page.percentile(95), bare.percentile(50)
    ratio50, ratio95 = p50 / b50, p95 / bare.percentile(95)
    statuses = sorted({s.status for s in page.samples})
    ok = not page.errors and not bare.errors and (target is None or ratio50 <= target)
    return (f"{name}, {kind}, p50 / p95 as × bare ({len(page.samples)} applications, HTTP {statuses})",
            f"{ratio50:.1f}× / {ratio95:.1f}×  ({p50 * 1000:.1f} / {p95 * 1000:.1f} ms; bare {b50 * 1000:.1f} ms)",
            f"p50 ≤ {target:.0f}×" if target else "report", _ok(ok))


# The targets are on the cold figures: what a lead meets when coming back from adding evidence.
TARGETS = {"checklist page": 5.0, "dashboard": 5.0, "lookup page": 3.0, "lookup API": 3.0}


def latencies(rows: list[Row], results: dict[str, Any], database_url: str, redis_url: str, var_dir: Path, *,
              apps: int, people: int, distinct: int, load_seconds: int, faults: bool) -> None:
    from readiness.models import Application

    dataset.build(apps, people)
    _beat_snapshots()
    server = Gunicorn(production_env(database_url, redis_url, var_dir))
    server.start(var_dir / "gunicorn.log")
    try:
        cookie = _session_cookie()
        api_headers = {"Authorization": f"Bearer {results['token']}"}
        slugs = [f"bench-{n}" for n in random.Random(3).sample(range(apps), min(distinct, apps))]
        chosen = sorted(Application.objects.filter(slug__in=slugs).values_list("pk", "slug"),
                        key=lambda row: slugs.index(row[1]))
        writes: list[float] = []
        for name, target in TARGETS.items():
            print(f"bench: {name}: cold, warm, judged live; {len(chosen)} applications", flush=True)
            run_load(server.url, [page_paths(chosen[0][1])[name]], clients=1, seconds=1,
                     cookie="" if "API" in name else cookie,
                     headers=api_headers if "API" in name else None)  # each gunicorn worker warmed up
            page, bare, written = _first_views(server, name, chosen, cookie, api_headers, mode="cold")
            rows.append(_latency_row(name, "cold", page, bare, target))
            writes += written
            page, bare, _ = _first_views(server, name, chosen, cookie, api_headers, mode="warm")
            rows.append(_latency_row(name, "warm", page, bare, None))
            if name in ("checklist page", "dashboard"):
                page, bare, _ = _first_views(server, name, chosen, cookie, api_headers, mode="live")
                rows.append(_latency_row(name, "no stored verdict (judged live)", page, bare, None))
        writes.sort()
        rows.append(("evidence write with its on-commit judging and storing, p50 / p95",
                     f"{writes[len(writes) // 2] * 1000:.1f} / {writes[int(len(writes) * 0.95)] * 1000:.1f} ms",
                     "report", ""))

        main_pages = [p for _, slug in chosen for name, p in page_paths(slug).items() if "API" not in name]
        print(f"bench: {load_seconds} s load, 50 clients", flush=True)
        load = run_load(server.url, main_pages, clients=50, seconds=load_seconds, cookie=cookie)
        rows.append((f"{load_seconds} s load, 50 clients: requests, errors, p95",
                     f"{len(load.samples)}, {len(load.errors)}, {load.percentile(95) * 1000:.0f} ms",
                     "0 errors", _ok(not load.errors)))
        if faults:
            _postgres_restart_drill(rows, server, main_pages, cookie)
            _redis_stop_drill(rows, server, main_pages, cookie, redis_url)
    finally:
        server.stop()


def _postgres_restart_drill(rows: list[Row], server: Gunicorn, paths: list[str], cookie: str) -> None:
    import glob

    version = sorted(glob.glob("/etc/postgresql/*"))[-1].rsplit("/", 1)[-1]
    window: list[float] = []
    began = time.perf_counter()

    def restart() -> None:
        time.sleep(4)
        window.append(time.perf_counter() - began)
        subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True,
                       capture_output=True)
        while subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode != 0:
            time.sleep(0.1)
        # Connections that were open when the server went away fail once each, on next use.
        window.append(time.perf_counter() - began + 1.0)

    print("bench: PostgreSQL restart during load", flush=True)
    restarter = threading.Thread(target=restart)
    restarter.start()
    result = run_load(server.url, paths, clients=10, seconds=16, cookie=cookie)
    restarter.join()
    # This process's own connection died with the server too; the app's recovered by itself.
    from django.db import connections

    connections.close_all()
    outage = (window[0], window[1])
    # run_load's clock starts a hair after ours; allow for it in the window.
    outside = result.errors_outside([(outage[0] - 0.5, outage[1] + 0.5)])
    after = [s for s in result.samples if s.started > outage[1] + 0.5]
    recovered = bool(after) and all(s.status == 200 for s in after)
    rows.append(("PostgreSQL restarted during load: errors in / outside outage, recovered",
                 f"{len(result.errors) - outside} / {outside}, {'yes' if recovered else 'no'} "
                 f"(outage {outage[1] - outage[0]:.1f} s)",
                 "0 outside, recovered", _ok(outside == 0 and recovered)))


def _redis_stop_drill(rows: list[Row], server: Gunicorn, paths: list[str], cookie: str, redis_url: str) -> None:
    if not redis_url:
        rows.append(("Redis stopped: pages still serve", "skipped (no REDIS_URL)", "", ""))
        return
    print("bench: Redis stopped during load", flush=True)
    subprocess.run(["redis-cli", "-u", redis_url, "shutdown", "nosave"], capture_output=True)
    try:
        result = run_load(server.url, paths, clients=10, seconds=8, cookie=cookie)
    finally:
        start_redis()
    rows.append(("Redis stopped: requests served, errors", f"{len(result.samples)}, {len(result.errors)}",
                 "0 errors", _ok(bool(result.samples) and not result.errors)))


def start_redis() -> None:
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379", "--save", "",
         "--appendonly", "no", "--dir", "/var/lib/redis", "--logfile", "/var/log/redis/ci.log"],
        check=True, capture_output=True,
    )
    for _ in range(50):
        if subprocess.run(["redis-cli", "ping"], capture_output=True).returncode == 0:
            return
        time.sleep(0.1)


def sweep(rows: list[Row], results: dict[str, Any], database_url: str, redis_url: str, var_dir: Path, *,
          faults: bool) -> None:
    try:
        from bench import sweep as sweep_bench
    except ImportError:
        rows.append(("reminder sweep", "not built yet", "", "MISS"))
        return
    sweep_bench.run(rows, database_url=database_url, redis_url=redis_url, var_dir=var_dir, faults=faults)
    if faults:
        from bench import drill

        drill.run(rows, redis_url=redis_url, var_dir=var_dir, faults=faults)


def render(rows: list[Row], elapsed: float) -> str:
    header = ("figure", "value", "target", "")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    line = "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    body = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join([line, sep, *body, "", f"make bench took {elapsed / 60:.1f} minutes on this machine."])
