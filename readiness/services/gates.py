"""Writes of the gate board: waivers, and the stored daily readiness snapshots."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from readiness import gates
from readiness.directory import directory_data, directory_row
from readiness.gates.chart import PACE_DAYS, project
from readiness.models import (
    AccessCheck,
    AlertCheck,
    Application,
    EscalationLevel,
    GateRegression,
    GateWaiver,
    KnownIssue,
    LookupDirectory,
    ReadinessSnapshot,
    StandIn,
)
from readiness.permissions import require
from readiness.queue import enqueue_on_commit

logger = logging.getLogger(__name__)

# Applications judged per round trip: a chunk's evidence is loaded in one query per kind, and
# its upsert is one short transaction, so the hourly refresh never holds many rows locked.
SNAPSHOT_CHUNK = 100
# Writes touching this many applications or fewer judge them in the writer's request, on commit
# (judged together, one query per kind of evidence: about the cost of one); more go to the refresh
# task (a leaver named on many paths).
SNAPSHOT_INLINE = 5
SNAPSHOT_FIELDS = ["gates_met", "gates_total", "blockers", "stale_items", "ready", "computed_at", "rules", "verdict",
                   "misses_go_live", "gates_passing"]


@transaction.atomic
def waiver_request(
    *, application: Application, gate: str, reason: str, expires_on: date, requested_by: User
) -> GateWaiver:
    """Ask to go live without a gate. Not in force until a second person approves it, so the
    verdict does not change yet."""
    # A waiver is a signature: whoever calls, the one asking must be allowed to waive here.
    require(requested_by, "waiver.create", application)
    waiver = GateWaiver(application=application, gate=gate, reason=reason, expires_on=expires_on,
                        waived_by=requested_by)
    waiver.full_clean()
    waiver.save()
    return waiver


def _open_waiver(waiver: GateWaiver) -> GateWaiver:
    """The waiver locked for a decision; refused when it is past deciding (revoked or lapsed)."""
    locked = GateWaiver.objects.select_for_update().get(pk=waiver.pk)
    if locked.revoked_at is not None:
        raise ValidationError("This waiver was revoked.")
    if timezone.localdate() >= locked.expires_on:
        raise ValidationError(f"This waiver lapsed on {locked.expires_on:%d %b %Y}.")
    return locked


@transaction.atomic
def waiver_approve(*, waiver: GateWaiver, approved_by: User) -> GateWaiver:
    """A second person holding the right approves: from now on the gate counts as waived."""
    require(approved_by, "waiver.approve", waiver)
    locked = _open_waiver(waiver)
    if locked.approved_at is None:  # approved twice (a double-click): the first approval stands
        locked.approved_by, locked.approved_at = approved_by, timezone.now()
        locked.full_clean()
        locked.save(update_fields=["approved_by", "approved_at"])
        application_evidence_changed(application_ids=[locked.application_id])
    return locked


@transaction.atomic
def waiver_revoke(*, waiver: GateWaiver, revoked_by: User, reason: str) -> GateWaiver:
    """Withdraw a waiver, approved or not: it stops counting at once."""
    require(revoked_by, "waiver.revoke", waiver)
    locked = _open_waiver(waiver)
    locked.revoked_by, locked.revoked_at, locked.revoke_reason = revoked_by, timezone.now(), reason.strip()
    locked.full_clean()
    locked.save(update_fields=["revoked_by", "revoked_at", "revoke_reason"])
    application_evidence_changed(application_ids=[locked.application_id])
    return locked


def _snapshot(ev: gates.Evidence, day: date, *, now: datetime, rules: str, keep_checklist: bool) -> ReadinessSnapshot:
    verdict = gates.evaluate(ev, day)
    snapshot = ReadinessSnapshot(
        application=ev.application, day=day, gates_met=verdict.met_count, gates_total=verdict.total,
        blockers=len(verdict.blockers), stale_items=verdict.stale_count, ready=verdict.ready,
        computed_at=now, rules=rules,
        verdict={"results": verdict.as_data(), "counts": ev.counts()} if keep_checklist else None,
        gates_passing=[result.gate.code.value for result in verdict.results if result.passes],
    )
    # Derived, not typed by anyone, but checked like any row; the application is the one just
    # loaded (checking it would cost a query per row), uniqueness is the upsert's business.
    snapshot.full_clean(exclude=["application"], validate_unique=False, validate_constraints=False)
    return snapshot


def _chunks(ids: Iterable[int], size: int) -> Iterable[list[int]]:
    ids = list(dict.fromkeys(ids))
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


Judged = dict[int, tuple[gates.Evidence, ReadinessSnapshot]]


def _judged(chunk: list[int], day: date, *, now: datetime, rules: str) -> Judged:
    bundles = gates.load_evidence(Application.objects.filter(pk__in=chunk))
    keep_checklist = day == timezone.localdate(now)
    # In application order, as every writer here: concurrent upserts lock rows in the same order.
    return {pk: (ev, _snapshot(ev, day, now=now, rules=rules, keep_checklist=keep_checklist))
            for pk, ev in sorted(bundles.items())}


def _against_history(judged: Judged, today: date, now: datetime) -> list[GateRegression]:
    """What today's snapshots learn from the stored days before them (one query for the chunk):
    whether the recent pace leads past go-live (`misses_go_live`), and which gates passing on
    the last stored verdict (today's earlier one, else the latest day) pass no more."""
    recorded: dict[int, dict[date, int]] = {pk: {} for pk in judged}
    last_passing: dict[int, tuple[date, list[str]]] = {}
    for pk, day, met, passing in ReadinessSnapshot.objects.filter(
        application_id__in=list(judged), day__gte=today - timedelta(days=PACE_DAYS - 1), day__lte=today,
    ).order_by("day").values_list("application_id", "day", "gates_met", "gates_passing"):
        if day < today:
            recorded[pk][day] = met
        last_passing[pk] = (day, passing)
    regressions = []
    for pk, (ev, snapshot) in judged.items():
        projection = project(recorded[pk] | {today: snapshot.gates_met}, today=today, total=snapshot.gates_total,
                             go_live=ev.application.go_live_date)
        snapshot.misses_go_live = projection.misses if projection is not None else None
        _, passing = last_passing.get(pk, (today, []))
        assert snapshot.verdict is not None  # today's snapshot keeps its checklist
        for result in snapshot.verdict["results"]:
            if result["gate"] in passing and result["gate"] not in snapshot.gates_passing:
                reason = "; ".join(text for text, *_ in result["missing"]) or "Not met any more."
                regressions.append(GateRegression(application_id=pk, gate=result["gate"], day=today, reason=reason,
                                                  noticed_at=now))
    return regressions


def readiness_snapshots_judge(
    *, application_ids: Iterable[int], day: date | None = None, chunk_size: int = SNAPSHOT_CHUNK
) -> dict[int, ReadinessSnapshot]:
    """Judge the gates of these applications now as of `day` (today by default): unsaved
    snapshots, read only. A page with no current stored verdict shows these; the refresh stores them.
    A chunk's evidence is loaded in one query per kind, so the queries grow with chunks, not rows.
    """
    now = timezone.now()
    day, rules = day or timezone.localdate(now), gates.rules_version()
    judged: dict[int, ReadinessSnapshot] = {}
    for chunk in _chunks(application_ids, chunk_size):
        judged.update((pk, snapshot) for pk, (_, snapshot) in _judged(chunk, day, now=now, rules=rules).items())
    return judged


def readiness_snapshot_refresh(
    *, application_ids: Iterable[int], day: date | None = None, chunk_size: int = SNAPSHOT_CHUNK
) -> dict[int, ReadinessSnapshot]:
    """Judge the gates of these applications now and store the verdicts as `day`'s snapshots
    (today by default), replacing what the day held. Today's snapshot keeps the whole checklist,
    and today's refresh stores each application's lookup directory from the same rows
    (readiness.directory: what "Who do I call?" reads).

    One transaction per chunk, around the upsert only: the judging reads outside it, so no row
    stays locked while Python works. A verdict whose application's evidence moved on while it was
    judged (a write committed meanwhile) is not stored: that write's own refresh stores the newer.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    day, rules = day or today, gates.rules_version()
    stored: dict[int, ReadinessSnapshot] = {}
    for chunk in _chunks(application_ids, chunk_size):
        judged = _judged(chunk, day, now=now, rules=rules)
        regressions = _against_history(judged, today, now) if day == today else []
        directories = {pk: directory_row(ev.application, directory_data(
            rules=ev.ownership_rules, levels=ev.levels, runbooks=ev.runbooks, known_issues=ev.known_issues,
        ), now=now) for pk, (ev, _) in judged.items()} if day == today else {}
        with transaction.atomic():
            # Locked in id order, as every writer here; a writer's evidence_version update waits.
            versions = dict(Application.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
                            .values_list("pk", "evidence_version"))
            current = [pk for pk, (ev, _) in judged.items() if versions.get(pk) == ev.application.evidence_version]
            rows = {pk: judged[pk][1] for pk in current}
            # A directory depends on the evidence only, not the clock: beat's hourly run rewrites
            # none that are already stored for the same version and code.
            unchanged = set(LookupDirectory.objects.filter(application_id__in=current).values_list(
                "application_id", "evidence_version", "rules"))
            LookupDirectory.objects.bulk_create(
                [row for pk in current if (row := directories.get(pk)) is not None
                 and (pk, row.evidence_version, row.rules) not in unchanged],
                update_conflicts=True, unique_fields=["application"],
                update_fields=["evidence_version", "rules", "built_at", "data"],
            )
            ReadinessSnapshot.objects.bulk_create(
                list(rows.values()), update_conflicts=True, unique_fields=["application", "day"],
                update_fields=SNAPSHOT_FIELDS,
            )
            # Told once: a gate regressing again the same day is the same regression.
            GateRegression.objects.bulk_create([r for r in regressions if r.application_id in rows],
                                               ignore_conflicts=True)
            if day == today:
                # Only the current day's checklist is ever shown: earlier days keep their counts.
                ReadinessSnapshot.objects.filter(application_id__in=chunk, day__lt=today,
                                                 verdict__isnull=False).update(verdict=None)
        stored.update(rows)
    return stored


def readiness_snapshot_backfill(
    *, application_ids: Iterable[int], days: Iterable[date], chunk_size: int = SNAPSHOT_CHUNK
) -> list[ReadinessSnapshot]:
    """Store a snapshot for each past day that has none, judged by the rules as of that day
    (evidence dated after it does not count). Days already stored are real history and stay.
    Returns the snapshot of every application and day asked, stored before or now.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    days = sorted({day for day in days if day < today})
    rules = gates.rules_version()
    snapshots: list[ReadinessSnapshot] = []
    if not days:
        return snapshots
    for chunk in _chunks(application_ids, chunk_size):
        have = list(ReadinessSnapshot.objects.filter(application_id__in=chunk, day__in=days).defer("verdict"))
        snapshots += have
        if len(have) == len(chunk) * len(days):
            continue
        stored = {(s.application_id, s.day) for s in have}
        bundles = gates.load_evidence(Application.objects.filter(pk__in=chunk))
        rows = [
            _snapshot(ev, day, now=now, rules=rules, keep_checklist=False)
            for _, ev in sorted(bundles.items()) for day in days if (ev.application.pk, day) not in stored
        ]
        with transaction.atomic():
            # Another writer may have stored some meanwhile: theirs stay, judged the same.
            ReadinessSnapshot.objects.bulk_create(rows, ignore_conflicts=True)
        snapshots += rows
    return snapshots


def application_evidence_changed(
    *, application_ids: Iterable[int] | models.QuerySet[Any] = (), person_ids: Iterable[int] = ()
) -> list[int]:
    """Some evidence of these applications changed: every service that writes evidence calls
    this, in its own transaction (no signal does it behind the writer's back).

    It forgets today's stored verdicts, so no reader trusts them once the write commits, and
    moves their evidence_version on (a verdict judged before it is not stored). Once the write
    commits, it judges and stores them again: here, in the writer's request, when they are a few
    (SNAPSHOT_INLINE or fewer: the page the writer is sent to next reads a stored verdict, which a
    task could not promise), else through the refresh task. Until then pages judge them live,
    storing nothing. Past days are history and stay.

    `person_ids`: the applications whose paths, alerts, known issues or access checks name these
    people (their leaving, leave, hours, timezone and confirmation count in gate 4 and in whom
    to call). Returns the applications' ids.
    """
    which = models.Q()
    # A queryset (of application ids) goes in as a subquery, unevaluated.
    if isinstance(application_ids, models.QuerySet) or (application_ids := list(application_ids)):
        which = models.Q(pk__in=application_ids)
    people = list(person_ids)
    if people:
        on_path = models.Q(primary_id__in=people) | models.Q(backup_id__in=people) | models.Q(
            after_hours_cover_id__in=people)
        which |= (
            models.Q(pk__in=EscalationLevel.objects.filter(on_path).values("application_id"))
            | models.Q(pk__in=AlertCheck.objects.filter(owner_id__in=people).values("application_id"))
            | models.Q(pk__in=KnownIssue.objects.filter(owner_id__in=people).values("application_id"))
            | models.Q(pk__in=AccessCheck.objects.filter(verified_by_id__in=people).values("application_id"))
            # Standing in on a path: their leave and hours count there too.
            | models.Q(pk__in=StandIn.objects.filter(person_id__in=people).values("level__application_id"))
        )
    if not which:
        return []
    # The ids, for the task: a plain list of them is used as given, anything else costs one SELECT.
    if people or isinstance(application_ids, models.QuerySet):
        ids = list(Application.objects.filter(which).order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(application_ids))
    if not ids:
        return []
    ReadinessSnapshot.objects.filter(application_id__in=ids, day__gte=timezone.localdate()).delete()
    # update() on purpose: no history row, no updated_at: nobody edited the application.
    Application.objects.filter(pk__in=ids).update(evidence_version=models.F("evidence_version") + 1)
    if len(ids) <= SNAPSHOT_INLINE:
        transaction.on_commit(lambda: _refresh_or_enqueue(ids))
    else:
        enqueue_on_commit("readiness_snapshots_refresh_for", ids)
    return ids


def _refresh_or_enqueue(ids: list[int]) -> None:
    # After the commit the write stands whatever happens here: a failure must not turn the
    # writer's response into an error, so the task gets the work instead.
    try:
        readiness_snapshot_refresh(application_ids=ids)
    except Exception:
        logger.warning("could not judge applications %r after a write; enqueued instead", ids, exc_info=True)
        enqueue_on_commit("readiness_snapshots_refresh_for", ids)


def readiness_snapshots_refresh_all(*, chunk_size: int = SNAPSHOT_CHUNK) -> int:
    """Beat, hourly: judge every application into today's snapshot, a chunk at a time."""
    ids = list(Application.objects.order_by("pk").values_list("pk", flat=True))
    return len(readiness_snapshot_refresh(application_ids=ids, chunk_size=chunk_size))
