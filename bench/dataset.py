"""Build a large organisation in the database with bulk inserts: applications with full
artefacts, people with calendars, escalation paths and ownership rules.

Rows are made the way the app makes them except that `bulk_create` skips per-row history,
which is what a data import would do too. Deterministic: a seeded RNG.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from readiness import models as m
from readiness.defaults import DEFAULT_RULES
from readiness.roles import Role

TIMEZONES = ["Australia/Melbourne", "Australia/Sydney", "Asia/Manila", "Australia/Brisbane", "Asia/Kolkata"]
BATCH = 5000
# Days of stored readiness history each application starts with (the checklist's chart shows 30).
CHART_PAST_DAYS = 29


def _users() -> dict[str, User]:
    users = {}
    for username, role in (("bench-lead", Role.DELIVERY_LEAD), ("bench-analyst", Role.SUPPORT_ANALYST),
                           ("bench-owner", Role.BUSINESS_OWNER)):
        user, created = User.objects.get_or_create(username=username, defaults={"first_name": username})
        if created:
            user.set_password("bench-password")
            user.save()
            user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def build_people(count: int, rng: random.Random, *, start: int = 0) -> list[m.Person]:
    teams = [m.Team.objects.get_or_create(name=f"Bench team {n}")[0] for n in range(50)]
    people = m.Person.objects.bulk_create(
        [
            m.Person(
                name=f"Bench person {start + n}",
                email=f"bench{start + n}@bench.example",
                phone=f"+61 3 9{start + n:07d}",
                team=teams[n % len(teams)],
                timezone=TIMEZONES[n % len(TIMEZONES)],
                last_confirmed_at=timezone.now() - timedelta(days=rng.randint(0, 60)),
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    m.WorkingHours.objects.bulk_create(
        [m.WorkingHours(person=p, weekday=d, starts_at=time(8, 30), ends_at=time(17, 30))
         for p in people for d in range(5)],
        batch_size=BATCH,
    )
    today = timezone.localdate()
    m.Leave.objects.bulk_create(
        [m.Leave(person=p, starts_on=today + timedelta(days=rng.randint(0, 20)),
                 ends_on=today + timedelta(days=rng.randint(21, 30))) for p in people if rng.random() < 0.05],
        batch_size=BATCH,
    )
    return people


@transaction.atomic
def build_applications(count: int, people: list[m.Person], rng: random.Random, *, start: int = 0) -> None:
    users = _users()
    today = timezone.localdate()
    now = timezone.now()
    stages = [m.Stage.BUILD, m.Stage.HARDENING, m.Stage.HARDENING, m.Stage.HYPERCARE, m.Stage.BAU]
    apps = m.Application.objects.bulk_create(
        [
            m.Application(
                name=f"Bench application {start + n}",
                slug=f"bench-{start + n}",
                description="Generated for make bench.",
                current_release="1.0.0",
                go_live_date=today + timedelta(days=rng.randint(-20, 60)),
                stage=stages[n % len(stages)],
                delivery_lead=users["bench-lead"],
                business_owner=users["bench-owner"],
                support_lead=users["bench-analyst"],
            )
            for n in range(count)
        ]
    )
    Membership = m.Application.members.through
    Membership.objects.bulk_create(
        [Membership(application=a, user=u) for a in apps for u in users.values()], batch_size=BATCH
    )

    def pick() -> m.Person:
        return people[rng.randrange(len(people))]

    levels = m.EscalationLevel.objects.bulk_create(
        [
            m.EscalationLevel(
                application=a, position=pos, name=f"Level {pos}", responsibility="Responds.",
                primary=(p := pick()), backup=next(b for b in iter(pick, None) if b.pk != p.pk),
                after_hours_cover=pick() if pos < 4 else None,
                duties=[m.Duty.FIRST_RESPONSE.value] if pos == 1 else [m.Duty.WORKAROUND.value],
                coverage=m.Coverage.AFTER_HOURS if pos < 4 else m.Coverage.BUSINESS_HOURS,
                how_to_reach="Phone.",
            )
            for a in apps for pos in range(1, 5)
        ],
        batch_size=BATCH,
    )
    by_app: dict[int, list[m.EscalationLevel]] = {}
    for level in levels:
        by_app.setdefault(level.application_id, []).append(level)
    role_position = {"support": 0, "engineering": 1, "business_owner": 3}
    m.OwnershipRule.objects.bulk_create(
        [
            m.OwnershipRule(
                application=a, name=d["name"], description=d["description"],
                example_symptoms="\n".join(d["example_symptoms"]), owner_role=d["owner_role"],
                level=by_app[a.pk][role_position[d["owner_role"]]],
                **{f"{duty}_role": role for duty, role in d["duties"].items()},
            )
            for a in apps for d in DEFAULT_RULES
        ],
        batch_size=BATCH,
    )
    _artefacts(apps, by_app, people, rng, today, now)
    _history(apps, rng, today, now)


def _history(apps: list[m.Application], rng: random.Random, today: date, now: datetime) -> None:
    """The readiness chart's past: what beat would have stored each day of the last month (counts
    only; past days keep no checklist). Built directly, as judging 29,000 application-days would
    take minutes and time nothing the bench measures."""
    from readiness.gates import GATES, rules_version

    rules, total = rules_version(), len(GATES)
    rows = []
    for a in apps:
        met = rng.randint(2, 5)
        for back in range(CHART_PAST_DAYS, 0, -1):
            met = min(total, met + (rng.random() < 0.15))
            rows.append(m.ReadinessSnapshot(application=a, day=today - timedelta(days=back), gates_met=met,
                                            gates_total=total, blockers=2 * (total - met), stale_items=0,
                                            ready=met == total, computed_at=now, rules=rules))
    m.ReadinessSnapshot.objects.bulk_create(rows, batch_size=BATCH)


def _recent(rng: random.Random, today: date, days: int) -> date:
    return today - timedelta(days=rng.randint(0, days))


def _artefacts(apps: list[m.Application], by_app: dict[int, list[m.EscalationLevel]], people: list[m.Person],
               rng: random.Random, today: date, now: datetime) -> None:
    def pick() -> m.Person:
        return people[rng.randrange(len(people))]

    runbooks = m.Runbook.objects.bulk_create(
        [
            m.Runbook(application=a, title=f"Scenario {k}", symptom="Users see an error.",
                      normal_looks_like="Orders flow within a minute.", problem_signs="Queue above 100.",
                      steps="1. Check the queue\n2. Restart the consumer", escalation_level=by_app[a.pk][1],
                      is_critical=k < 4, last_reviewed_on=_recent(rng, today, 120))
            for a in apps for k in range(6)
        ],
        batch_size=BATCH,
    )
    m.RunbookExercise.objects.bulk_create(
        [m.RunbookExercise(runbook=r, exercised_on=_recent(rng, today, 200), exercised_by=pick(),
                           how=m.ExerciseHow.WALK_THROUGH, outcome=m.ExerciseOutcome.WORKED,
                           what_happened="Walked through every step with the service desk.") for r in runbooks],
        batch_size=BATCH,
    )
    alerts = m.AlertCheck.objects.bulk_create(
        [m.AlertCheck(application=a, signal=f"Signal {k}", threshold="> 5 in 10 min", user_impact="Orders stall.",
                      owner=pick(), dashboard_url="https://grafana.example/d/x") for a in apps for k in range(5)],
        batch_size=BATCH,
    )
    m.AlertVerification.objects.bulk_create(
        [m.AlertVerification(alert=al, verified_at=now - timedelta(days=rng.randint(0, 45)), verified_by=pick(),
                             evidence="Fired in staging; paged the on-call.") for al in alerts for _ in range(2)],
        batch_size=BATCH,
    )
    m.AccessCheck.objects.bulk_create(
        [m.AccessCheck(application=a, kind=kind, description=f"{kind} access", verified_by=pick(),
                       verified_on=_recent(rng, today, 100)) for a in apps for kind in m.AccessKind.values],
        batch_size=BATCH,
    )
    m.KnownIssue.objects.bulk_create(
        [m.KnownIssue(application=a, release="1.0.0", title=f"Known issue {k}", symptom="Slow search.",
                      workaround="Refresh." if k % 2 else "", owner=pick()) for a in apps for k in range(5)],
        batch_size=BATCH,
    )
    scenarios = [m.DrillScenario.LOGIN_FAILURE, m.DrillScenario.DATA_MISMATCH, m.DrillScenario.INTEGRATION_OUTAGE]
    drills = m.Drill.objects.bulk_create(
        [m.Drill(application=a, scenario=s, title=f"Drill {s}", held_on=_recent(rng, today, 40), after_hours=k == 0,
                 support_attended=True, engineering_attended=True, business_owner_attended=True,
                 contacts_answered=True, answer_minutes=rng.randint(2, 30), findings="Runbook step 3 was unclear.")
         for a in apps for k, s in enumerate(scenarios)],
        batch_size=BATCH,
    )
    m.DrillAction.objects.bulk_create(
        [m.DrillAction(drill=d, description="Clarify step 3", owner=pick(),
                       **({"status": m.ActionStatus.CLOSED, "closed_on": today} if rng.random() < 0.8 else {}))
         for d in drills for _ in range(2)],
        batch_size=BATCH,
    )
    m.DecisionRecord.objects.bulk_create(
        [m.DecisionRecord(application=a, title=f"Decision {k}", context="Context.", decision="We chose X.",
                          status=m.DecisionStatus.ACCEPTED, is_key=k < 2) for a in apps for k in range(4)],
        batch_size=BATCH,
    )


def analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them after bulk loads in production: without
    them PostgreSQL takes a table of a thousand rows for one and nests its loops."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def build(apps: int, people: int, *, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    existing_people = m.Person.objects.count()
    existing_apps = m.Application.objects.filter(slug__startswith="bench-").count()
    if people > existing_people:
        build_people(people - existing_people, rng, start=existing_people)
    pool = list(m.Person.objects.all())
    if apps > existing_apps:
        build_applications(apps - existing_apps, pool, rng, start=existing_apps)
    analyze()
    return {"applications": m.Application.objects.count(), "people": m.Person.objects.count()}
