"""Celery tasks: thin, take primary keys, call one service, idempotent through the database.

Services enqueue them by name with readiness.queue.enqueue_on_commit, on commit; tasks import
services (inside each task), never the other way round.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task
def heartbeat() -> None:
    """Scheduled by beat every minute; its row's age is what /health/workers/ reports."""
    from readiness.services.system import heartbeat_record

    heartbeat_record(name="beat")


# A one-time form key guards against a double-click or a refresh, minutes apart; two days is
# plenty, and a form sent later than that is a new one.
FORM_SUBMISSION_KEEP = timedelta(days=2)


@shared_task
def form_submissions_prune() -> int:
    """Daily (beat): forget the one-time keys of forms sent more than two days ago."""
    from readiness.services.system import form_submissions_prune as prune

    pruned = prune(older_than=FORM_SUBMISSION_KEEP)
    logger.info("form_submissions_prune: %s keys older than %s deleted", pruned, FORM_SUBMISSION_KEEP)
    return pruned


@shared_task
def sessions_prune() -> int:
    """Daily (beat): delete expired sessions, so the table holds live sign-ins only."""
    from readiness.services.system import sessions_prune as prune

    pruned = prune()
    logger.info("sessions_prune: %s expired sessions deleted", pruned)
    return pruned


# Mail servers fail transiently; retry with backoff, a bounded number of times. The reminder log
# rolls back with a failed send, so a retry (or the next sweep) sends it again. A message that can
# never go (a refused header or mailbox) is not raised: reminder_send records it on the person.
_MAIL_RETRY: dict[str, Any] = {
    "autoretry_for": (OSError,), "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 5,
}


@shared_task
def reminder_sweep() -> int:
    """Every 15 minutes (beat): one reminder_send per person due."""
    from readiness.services.reminders import reminder_sweep as sweep

    return sweep()


@shared_task(**_MAIL_RETRY)
def reminder_send(person_pk: int, cycle: int, step: str) -> str:
    from readiness.services.reminders import reminder_send as send

    decision = send(person_pk=person_pk, cycle=cycle, step=step)
    level = logging.WARNING if "failed" in decision else logging.INFO
    logger.log(level, "reminder_send person=%s cycle=%s step=%s: %s", person_pk, cycle, step, decision)
    return decision


@shared_task(**_MAIL_RETRY)
def contact_changes_notify(confirmation_pk: int) -> None:
    from readiness.services.reminders import contact_changes_notify as notify

    notify(confirmation_pk=confirmation_pk)


@shared_task(**_MAIL_RETRY)
def reachability_test_email(test_pk: int) -> None:
    from readiness.services.reachability import reachability_test_email as send

    send(test_pk=test_pk)


@shared_task
def readiness_snapshots_refresh() -> int:
    """Hourly (beat), and at 00:05 to start the day: every application's gates into today's snapshot."""
    from readiness.services.gates import readiness_snapshots_refresh_all

    refreshed = readiness_snapshots_refresh_all()
    logger.info("readiness_snapshots_refresh: %s applications judged", refreshed)
    return refreshed


@shared_task
def readiness_snapshots_refresh_for(application_ids: list[int]) -> int:
    """Enqueued on commit by services.gates.application_evidence_changed: these applications'
    evidence changed, judge them into today's snapshot (until then pages judge them live)."""
    from readiness.services.gates import readiness_snapshot_refresh

    return len(readiness_snapshot_refresh(application_ids=application_ids))


@shared_task
def regression_digests_sweep() -> int:
    """Daily (beat): one regression_digest_send per delivery lead with regressions not yet told."""
    from readiness.services.regressions import regression_digests_sweep as sweep

    return sweep()


@shared_task(**_MAIL_RETRY)
def regression_digest_send(user_pk: int) -> int:
    from readiness.services.regressions import regression_digest_send as send

    return send(user_pk=user_pk)


@shared_task
def countdown_digests_sweep() -> int:
    """Daily (beat): one countdown_digest_send per delivery lead with an application going live soon
    and no countdown this week."""
    from readiness.services.countdown import countdown_digests_sweep as sweep

    return sweep()


@shared_task(**_MAIL_RETRY)
def countdown_digest_send(user_pk: int) -> int:
    from readiness.services.countdown import countdown_digest_send as send

    return send(user_pk=user_pk)


@shared_task
def api_token_touch(token_pk: int, at: str) -> None:
    """Stamp a lookup API token as used: the GET that used it writes nothing itself."""
    from readiness.services.api import api_token_mark_used

    api_token_mark_used(token_pk=token_pk, at=datetime.fromisoformat(at))


@shared_task
def leavers_access_sweep() -> int:
    """Daily (beat): end the sign-in and API tokens of people whose leaving day has come."""
    from readiness.services.people import leavers_access_sweep as sweep

    ended = sweep()
    logger.info("leavers_access_sweep: sign-in ended for %s people", ended)
    return ended
