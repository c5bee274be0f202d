"""Readiness evidence of the demo world: the dispatch board has every artefact its gates ask
for, the pricing service is blocked on several gates, the ordering portal went live ten days
ago with a waiver in force.

Rows are dated back (`created_at`) to when they would have been written, so the
readiness-over-time chart shows the climb, not a jump on the day the demo was seeded.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone

from readiness.models import (
    AccessCheck,
    AccessKind,
    ActionStatus,
    AlertCheck,
    AlertVerification,
    Application,
    DecisionRecord,
    DecisionStatus,
    Drill,
    DrillAction,
    DrillCall,
    DrillScenario,
    EscalationLevel,
    ExerciseHow,
    ExerciseOutcome,
    GateCode,
    GateWaiver,
    KnownIssue,
    Person,
    Runbook,
    RunbookExercise,
)


def _person(prefix: str) -> Person:
    return Person.objects.get(email__startswith=prefix + "@")


def _level(application: Application, position: int) -> EscalationLevel:
    return application.levels.get(position=position)


def _at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _make(model: type[models.Model], lookup: dict[str, Any], defaults: dict[str, Any], created: date) -> Any:
    """get_or_create, validated, dated back to `created` when new (a second run changes nothing)."""
    row = model.objects.filter(**lookup).first()  # type: ignore[attr-defined]
    if row is not None:
        return row
    row = model(**lookup, **defaults)
    row.full_clean()
    row.save()
    if hasattr(row, "created_at"):
        model.objects.filter(pk=row.pk).update(created_at=_at(created, 9))  # type: ignore[attr-defined]
    return row


def _days(today: date, n: int | None) -> date | None:
    return None if n is None else today - timedelta(days=n)


# slug → (title, symptom, normal, problem, steps, level position or None, reviewed ago, exercised ago, written ago)
RUNBOOKS: dict[str, list[tuple[Any, ...]]] = {
    "dispatch-board": [
        ("Dispatch confirmations not reaching the ERP",
         "Orders show as shipped on the board but stay 'awaiting dispatch' in the ERP.",
         "Each confirmation reaches the ERP within 2 minutes; the outbox holds fewer than 20 messages.",
         "Outbox above 100 messages, or the ERP order still 'awaiting dispatch' 15 minutes after shipping.",
         "1. Open the outbox dashboard and note the oldest message.\n2. Check the ERP integration status page.\n"
         "3. If the ERP is down, pause confirmations (Admin → Integrations) and tell the warehouse.\n"
         "4. When it is back, resume; the outbox drains by itself.\n5. Still stuck: call Dispatch engineering.",
         2, 12, 8, 40),
        ("Pick list empty at shift start",
         "Warehouse staff open the board at 06:00 and see no orders to pick.",
         "The 05:30 pick list job finishes by 05:45 with several hundred lines.",
         "The job shows 'failed' or the list has zero lines on a weekday.",
         "1. Check the 'Pick list generation' job in the admin.\n2. Re-run it for today's date.\n"
         "3. If it fails again, call Dispatch engineering and print yesterday's carry-over list.",
         2, 12, 8, 40),
        ("Wrong fulfilment code on an order",
         "A pallet is routed to the wrong dock because the order carries another customer's fulfilment code.",
         "The code on the board matches the customer's delivery terms in the ERP.",
         "The board and the ERP disagree on the code for the same order.",
         "1. Compare the order in the board and in the ERP (read-only report 'Order fulfilment').\n"
         "2. Hold the order on the board.\n3. Call Dispatch engineering; the ERP record wins.",
         2, 20, 11, 40),
    ],
    "pricing-service": [
        ("Nightly price publication failed",
         "Customers see yesterday's prices; the 02:00 publication shows 'failed'.",
         "Publication finishes by 02:40 and the portal shows today's price list version.",
         "The job failed, or the portal's price list version is older than today.",
         "1. Check the publication job log.\n2. Re-run the publication.\n3. Still failing: message Sam.",
         2, 140, 150, 160),
        ("Customer sees a price that differs from their contract",
         "A trade customer reports a price that does not match their negotiated contract.",
         "Portal price equals the ERP contract price for the customer's pricing group.",
         "The portal and the ERP contract report disagree for the same item and customer.",
         "1. Run the 'Contract price check' report for the customer.\n2. Compare with the portal.\n"
         "3. Escalate with both screenshots.",
         None, 10, None, 30),
    ],
    "ordering-portal": [
        ("Customers cannot log in",
         "Trade customers get 'invalid credentials' or a blank page after signing in.",
         "Sign-in succeeds within 3 seconds; fewer than 2% failed sign-ins per hour.",
         "More than 10% failed sign-ins in 15 minutes, or several customers call about it.",
         "1. Check the sign-in dashboard.\n2. Check the identity provider's status.\n"
         "3. For one customer, reset their password; for many, call Portal engineering.",
         1, 25, 14, 70),
        ("Order stuck between portal and ERP",
         "An order placed on the portal has no ERP order number after 10 minutes.",
         "Orders receive an ERP number within 2 minutes.",
         "The order stays 'submitted' for more than 10 minutes.",
         "1. Find the order in the integration monitor.\n2. Replay it once.\n3. Still stuck: call ERP integration.",
         3, 25, 14, 70),
        ("Invoices not syncing to the ERP",
         "Invoices raised on the portal are missing in the ERP; customers see 'invoice pending' for hours.",
         "Each invoice reaches the ERP within 5 minutes of dispatch.",
         "The invoice queue holds messages older than 15 minutes, or finance reports missing invoices.",
         "1. Open the integration monitor, Invoices queue.\n2. Replay the oldest failed message once.\n"
         "3. Still failing: call ERP integration with the message id.",
         3, 25, 14, 70),
    ],
}

# slug → (signal, threshold, user impact, owner, dashboard, verified ago (list), written ago)
ALERTS: dict[str, list[tuple[Any, ...]]] = {
    "dispatch-board": [
        ("ERP dispatch confirmation failures", "More than 5 failures in 10 minutes",
         "Customers are not invoiced and do not get their dispatch notice.", "lachlan.ng",
         "https://grafana.harbourlane.example/d/dispatch-erp", [25, 4], 35),
        ("Pick list generation late", "No pick list by 05:50 on a working day",
         "The morning shift cannot start picking; same-day orders miss the trucks.", "aisha.karim",
         "https://grafana.harbourlane.example/d/dispatch-picklist", [9], 35),
    ],
    "pricing-service": [
        ("Price publication job failed", "Any failed run of the nightly publication",
         "Customers order at yesterday's prices, which may be below cost after a price rise.", "aisha.karim",
         "https://grafana.harbourlane.example/d/pricing-publication", [6], 60),
        ("Portal price differs from ERP contract", "More than 0.5% of sampled prices differ",
         "Customers are charged prices they did not agree to; credit notes follow.", "raj.patel",
         "https://grafana.harbourlane.example/d/pricing-drift", [], 20),
    ],
    "ordering-portal": [
        ("Failed sign-ins", "More than 10% of sign-ins fail over 15 minutes",
         "Customers cannot place orders and call the service desk.", "aisha.karim",
         "https://grafana.harbourlane.example/d/portal-signin", [5], 80),
        ("Orders without an ERP number", "Any order older than 10 minutes without an ERP number",
         "Orders are not picked; customers chase deliveries.", "raj.patel",
         "https://grafana.harbourlane.example/d/portal-orders", [3], 80),
    ],
}

# slug → (kind, description, verified by, verified ago)
ACCESS: dict[str, list[tuple[Any, ...]]] = {
    "dispatch-board": [
        (AccessKind.LOGS, "Kibana index dispatch-* (read)", "mia.chen", 20),
        (AccessKind.ADMIN, "Board admin: re-run jobs, pause ERP confirmations", "tom.rees", 20),
        (AccessKind.HOSTING_CONSOLE, "CloudNest console, read-only role for the dispatch cluster", "jomar.santos", 18),
        (AccessKind.REPORTING, "ERP report 'Order fulfilment' (read-only)", "mia.chen", 18),
    ],
    "pricing-service": [
        (AccessKind.LOGS, "Kibana index pricing-* (read)", "mia.chen", 15),
        (AccessKind.ADMIN, "Pricing admin: re-run a publication", "tom.rees", None),
        (AccessKind.REPORTING, "ERP report 'Contract price check'", "mia.chen", 15),
    ],
    "ordering-portal": [
        (AccessKind.LOGS, "Kibana index portal-* (read)", "mia.chen", 30),
        (AccessKind.ADMIN, "Portal admin: customer accounts and password resets", "tom.rees", 30),
        (AccessKind.HOSTING_CONSOLE, "CloudNest console, read-only role for the portal cluster", "jomar.santos", 28),
        (AccessKind.REPORTING, "Read-only reporting replica of the portal database", None, None),
    ],
}

# slug → (title, release or None for current, symptom, workaround, script, owner)
KNOWN_ISSUES: dict[str, list[tuple[Any, ...]]] = {
    "dispatch-board": [
        ("Reprinted labels repeat the barcode", None,
         "Reprinting a dispatch label gives a second label with the same barcode.",
         "Void the first label in the carrier portal before reprinting.",
         "Tell the warehouse to void the old label first; the fix ships in 1.2.1.", "lachlan.ng"),
    ],
    "pricing-service": [
        ("Promotions ending at midnight show for one more day", "1.0.0-rc2",
         "A promotion that ended yesterday still shows on the portal until the next publication.",
         "", "", None),
    ],
    "ordering-portal": [
        ("Invoice PDF shows the fulfilment code instead of the PO number", None,
         "Some customers see their fulfilment code where the purchase order number should be.",
         "Resend the invoice from the ERP; the ERP's PDF is correct.",
         "Apologise and resend from the ERP; a fix is planned for 2.0.2.", "aisha.karim"),
    ],
}

# slug → (scenario, title, held ago, after hours, support, engineering, business, answered, minutes, findings, actions)
DRILLS: dict[str, list[tuple[Any, ...]]] = {
    "dispatch-board": [
        (DrillScenario.LOGIN_FAILURE, "Warehouse tablets cannot sign in", 15, False, True, True, True, True, 4,
         "Service desk found the expired certificate in 12 minutes.", [("Add certificate expiry to monitoring", True)]),
        (DrillScenario.DATA_MISMATCH, "Fulfilment code differs from the ERP", 11, False, True, True, True, True, 9,
         "The ERP record wins; support needed the read-only fulfilment report.",
         [("Give the service desk the 'Order fulfilment' report", True)]),
        (DrillScenario.INTEGRATION_OUTAGE, "ERP down at 21:00 during the evening shift", 8, True, True, True, True,
         True, 7, "The Manila pager answered in 7 minutes; pausing confirmations worked.", []),
    ],
    "pricing-service": [
        (DrillScenario.DATA_MISMATCH, "Contract price differs on the portal", 12, False, True, True, False, False,
         None, "Nobody answered at level 2: the path still names Sam, who has left.",
         [("Name a new pricing engineer and a backup on level 2", False)]),
    ],
    "ordering-portal": [
        (DrillScenario.LOGIN_FAILURE, "Identity provider rejects every sign-in", 30, False, True, True, True, True, 5,
         "Status page of the identity provider was the fastest signal.",
         [("Link the IdP status page in the runbook", True)]),
        (DrillScenario.DATA_MISMATCH, "Customer-specific price wrong on an order", 24, False, True, True, True, True,
         11, "Support could not see the ERP contract; access added.",
         [("Read-only ERP contract report for support", True)]),
        (DrillScenario.INTEGRATION_OUTAGE, "ERP integration bus down overnight", 20, True, True, True, True, True, 9,
         "The after-hours cover replayed the queue once the bus was back.", []),
    ],
}

# drill title → the levels it called: (position, minutes to answer, or None: nobody answered). The
# drill's own minutes are its slowest contact's. Measured on the path page with the escalation log.
DRILL_CALLS: dict[str, list[tuple[int, int | None]]] = {
    "Warehouse tablets cannot sign in": [(1, 2), (2, 4)],
    "Fulfilment code differs from the ERP": [(1, 3), (2, 9)],
    "ERP down at 21:00 during the evening shift": [(1, 7), (2, 6)],
    "Contract price differs on the portal": [(1, 5), (2, None)],
    "Identity provider rejects every sign-in": [(1, 3), (2, 5)],
    "Customer-specific price wrong on an order": [(1, 4), (3, 11), (4, 10)],
    "ERP integration bus down overnight": [(1, 6), (2, 9)],
}

# slug → (title, is_key, status, context, decision, alternatives, constraints, edge cases, what failed)
DECISIONS: dict[str, list[tuple[Any, ...]]] = {
    "dispatch-board": [
        ("Dispatch confirmations go through an outbox", True, DecisionStatus.ACCEPTED,
         "The ERP is unavailable for maintenance most Sunday nights.",
         "The board writes each confirmation to an outbox; a job sends them when the ERP answers.",
         "Send synchronously when the order ships; block shipping when the ERP is down.",
         "The warehouse must keep shipping during ERP maintenance.",
         "A confirmation for a cancelled order is rejected by the ERP and stays in the outbox for review.",
         "Synchronous sending blocked the warehouse for 40 minutes in the first pilot."),
    ],
    "pricing-service": [
        ("Publish the full price list nightly rather than changes", True, DecisionStatus.PROPOSED,
         "Customer-specific prices change through contracts, promotions and list price updates.",
         "Publish every customer's full list each night.",
         "Publish only changes as they happen.",
         "The portal caches price lists per customer.",
         "Mid-day contract changes show the next morning.",
         ""),
    ],
    "ordering-portal": [
        ("Customer-specific prices come from the ERP, not the portal", True, DecisionStatus.ACCEPTED,
         "Sales agree contract prices in the ERP.",
         "The portal never computes prices; it shows what the pricing service publishes.",
         "Compute prices in the portal from ERP contracts.",
         "Contract logic already lives in the ERP and must stay auditable there.",
         "A customer without a contract sees list prices.",
         "A portal-side price engine drifted from the ERP within a week of testing."),
    ],
}


def seed_exercises(application: Application, today: date) -> None:
    """Each runbook's exercise: in the drill held that day when there was one, else a walk-through
    led by the application's first level."""
    slug, support = application.slug, _level(application, 1).primary
    for title, *_, exercised, _ in RUNBOOKS[slug]:
        if exercised is None:
            continue
        day = today - timedelta(days=exercised)
        drill = Drill.objects.filter(application=application, held_on=day).first()
        led = support if support and not support.has_left(day) and drill is None else None
        _make(RunbookExercise, {"runbook": Runbook.objects.get(application=application, title=title),
                                "exercised_on": day}, {
            "how": ExerciseHow.DRILL if drill else ExerciseHow.WALK_THROUGH, "drill": drill, "exercised_by": led,
            "recorded_by_drill": drill is not None,  # as the drill's form records it: editing the drill moves it
            "participants": drill.participants if drill else "" if led else "The service desk",
            "outcome": ExerciseOutcome.WORKED,
            "what_happened": drill.findings if drill else "Walked through every step against production with the "
                                                          "service desk; each step matched what the screens show.",
        }, day)


def seed_artefacts(today: date) -> None:
    for slug in ("dispatch-board", "pricing-service", "ordering-portal"):
        application = Application.objects.get(slug=slug)
        for title, symptom, normal, problem, steps, position, reviewed, _exercised, written in RUNBOOKS[slug]:
            _make(Runbook, {"application": application, "title": title}, {
                "symptom": symptom, "normal_looks_like": normal, "problem_signs": problem, "steps": steps,
                "escalation_level": _level(application, position) if position else None,
                "last_reviewed_on": _days(today, reviewed),
            }, _days(today, written) or today)
        for signal, threshold, impact, owner, url, verified, written in ALERTS[slug]:
            alert = _make(AlertCheck, {"application": application, "signal": signal}, {
                "threshold": threshold, "user_impact": impact, "owner": _person(owner), "dashboard_url": url,
            }, _days(today, written) or today)
            for ago in verified:
                seen = today - timedelta(days=ago)
                _make(AlertVerification, {"alert": alert, "verified_at": _at(seen, 14)}, {
                    "verified_by": _person("andrea.reyes" if ago % 2 else "mia.chen"),
                    "evidence": "Threshold lowered in staging-like production canary; the page reached the on-call "
                                "phone and the service desk queue within 2 minutes.",
                }, seen)
        for kind, description, by, ago in ACCESS[slug]:
            _make(AccessCheck, {"application": application, "kind": kind, "description": description}, {
                "verified_by": _person(by) if by and ago is not None else None, "verified_on": _days(today, ago),
            }, today - timedelta(days=45))
        for title, release, symptom, workaround, script, owner in KNOWN_ISSUES[slug]:
            _make(KnownIssue, {"application": application, "title": title}, {
                "release": release or application.current_release, "symptom": symptom, "workaround": workaround,
                "support_script": script, "owner": _person(owner) if owner else None,
            }, today - timedelta(days=30))
        go_live = application.go_live_date or today
        for scenario, title, ago, after, sup, eng, bus, answered, minutes, findings, actions in DRILLS[slug]:
            held = today - timedelta(days=ago)
            drill = _make(Drill, {"application": application, "title": title}, {
                "scenario": scenario, "held_on": held, "after_hours": after, "support_attended": sup,
                "engineering_attended": eng, "business_owner_attended": bus, "contacts_answered": answered,
                "answer_minutes": minutes, "findings": findings,
            }, held)
            for description, closed in actions:
                closed_on = min(held + timedelta(days=3), today, max(go_live, held)) if closed else None
                _make(DrillAction, {"drill": drill, "description": description}, {
                    "status": ActionStatus.CLOSED if closed else ActionStatus.OPEN, "closed_on": closed_on,
                }, held)
            for position, answer in DRILL_CALLS.get(title, []):
                _make(DrillCall, {"drill": drill, "level": _level(application, position)},
                      {"answered": answer is not None, "answer_minutes": answer}, held)
        seed_exercises(application, today)
        for title, key, status, context, decision, alternatives, constraints, edge, failed in DECISIONS[slug]:
            _make(DecisionRecord, {"application": application, "title": title}, {
                "is_key": key, "status": status, "context": context, "decision": decision,
                "alternatives": alternatives, "constraints": constraints, "edge_cases": edge, "what_failed": failed,
                "decided_on": today - timedelta(days=50) if status == DecisionStatus.ACCEPTED else None,
            }, today - timedelta(days=50))
    # The portal went live without a reporting replica: the lead asked to accept that for two
    # weeks and the business owner approved it the same morning.
    portal = Application.objects.get(slug="ordering-portal")
    lead, owner = User.objects.get(username="lead"), User.objects.get(username="owner")
    _make(GateWaiver, {"application": portal, "gate": GateCode.ACCESS}, {
        "reason": "CloudNest is still provisioning the read-only reporting replica; until then the service desk "
                  "uses the ERP's own order reports, which cover the same questions.",
        "expires_on": today + timedelta(days=14), "waived_by": lead, "approved_by": owner,
        "approved_at": _at(today - timedelta(days=12), 11),
    }, today - timedelta(days=12))
