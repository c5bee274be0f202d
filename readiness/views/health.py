from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _check_database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}".strip()[:300]}
    return {"status": "ok", "vendor": connection.vendor}


def _check_redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": "not configured"}
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:
        return {"status": "down", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok"}


def _check_heartbeat(database_ok: bool) -> dict[str, Any]:
    from readiness.models import Heartbeat

    if not database_ok:
        return {"status": "unknown", "error": "the database is down"}
    try:
        beat = Heartbeat.objects.filter(name="beat").first()
    except Exception as exc:  # e.g. migrations not applied yet
        return {"status": "unknown", "error": f"{type(exc).__name__}: {exc}"[:300]}
    if beat is None:
        return {"status": "down", "error": "no scheduled task has run yet"}
    age = (timezone.now() - beat.beat_at).total_seconds()
    status = "ok" if age <= settings.HEARTBEAT_MAX_AGE_SECONDS else "stale"
    return {"status": status, "last_beat_at": beat.beat_at.isoformat(), "age_seconds": round(age)}


def _report(components: dict[str, dict[str, Any]]) -> JsonResponse:
    failing = [name for name, c in components.items() if c["status"] not in ("ok", "not configured")]
    return JsonResponse(
        {
            "status": "ok" if not failing else "failing",
            **{name: c["status"] for name, c in components.items()},
            "failing": failing,
            "components": components,
        },
        status=200 if not failing else 503,
    )


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Whether this process can serve pages: the load balancer's check.

    Only the database is asked. A dead worker or Redis delays reminders but must not take the
    site out of the load balancer (nor keep it out for the minute after every start, before
    the first heartbeat): that is /health/workers/, for monitoring.
    """
    return _report({"database": _check_database()})


@never_cache
@require_GET
def health_workers(request: HttpRequest) -> JsonResponse:
    """Whether background work runs: the Celery worker/beat heartbeat and Redis, for monitoring."""
    database_ok = _check_database()["status"] == "ok"
    return _report({"redis": _check_redis(), "worker_beat": _check_heartbeat(database_ok)})


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """A signed-in request that does nothing: the cost of the middleware alone.

    `make bench` divides every page's latency by this one's, measured in the same run.
    """
    return HttpResponse("pong", content_type="text/plain")
