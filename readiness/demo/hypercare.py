"""Hypercare of the demo world.

The ordering portal went live ten days ago: its plan was agreed a week before go-live and
its escalation log tells the first weeks' story (customer-specific prices and fulfilment
codes that did not match the ERP, an expired certificate that stopped the integration). Its
criteria are partly met. The dispatch board goes live soon with an agreed plan; the pricing
service has a window but nobody has agreed its criteria.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from readiness.models import Application, EscalationLevel, Hypercare, OwnershipRule, ResolvedBy
from readiness.services.hypercare import escalation_log, hypercare_agree, hypercare_plan_save

DATA = "Wrong or missing data"
INTEGRATION = "Integration misfires"
ACCESS = "Access, login and permissions"
HOW_TO = "How-to and expected-but-confusing behaviour"
DEFECT = "Workflow failure or defect"
POLICY = "Policy, process or priority decision"
S, E, B = ResolvedBy.SUPPORT, ResolvedBy.ENGINEERING, ResolvedBy.BUSINESS

# days ago, local time, severity, class of problem, from level, to level (None: kept), resolved by, minutes,
# minutes until the called level (to level, else the service desk) answered, summary
ORDERING_PORTAL_LOG = [
    (10, time(9, 20), 2, DATA, 1, 3, E, 240, 45,
     "Hartley Plumbing saw list prices instead of their contract prices: the ERP price-list sync skipped "
     "accounts whose code ended in a space."),
    (10, time(11, 45), 3, HOW_TO, 1, None, S, 15, 3,
     "Customer could not find 'reorder from a past invoice'; shown the Order history screen."),
    (9, time(7, 50), 1, INTEGRATION, 1, 2, E, 185, 12,
     "Orders stopped reaching the ERP at 07:40: the integration bus certificate at CloudNest expired. "
     "Orders queued and were replayed after renewal."),
    (9, time(13, 10), 3, DATA, 1, 3, E, 90, 70,
     "Fulfilment code FC-DROP showed as 'Unknown' on 14 orders: the code was added in the ERP after the "
     "portal's nightly code import."),
    (8, time(10, 30), 3, ACCESS, 1, None, S, 10, 2,
     "Account locked after five failed logins; unlocked and the reset link explained."),
    (8, time(15, 40), 2, DEFECT, 1, 2, E, 60, 18,
     "Checkout timed out for orders over 200 lines; engineering raised the timeout, fix due in 2.0.2."),
    (8, time(16, 20), 3, POLICY, 1, 4, B, 120, 35,
     "Customer asked to split one order over two delivery dates; not allowed by policy, the business owner "
     "declined for now."),
    (6, time(9, 5), 2, DATA, 1, None, S, 45, 4,
     "Coastal Builders' negotiated prices disappeared after their two accounts were merged; support re-linked "
     "the price list in the admin screen, as the known-issue workaround says."),
    (5, time(14, 30), 3, INTEGRATION, 1, 3, E, 150, 95,
     "Invoice 88213 did not reach the portal: the ERP message sat in the dead-letter queue; replayed."),
    (4, time(8, 15), 3, ACCESS, 1, None, S, 20, 1,
     "A sales rep could not see the customer's contract prices: missing role, granted."),
    (3, time(11, 0), 3, DATA, 1, 3, E, 200, 85,
     "Fulfilment code WH2-EXPRESS mapped to the Melbourne warehouse for Sydney customers; mapping corrected."),
    (2, time(10, 10), 4, HOW_TO, 1, None, S, 10, 2,
     "How to download a statement as CSV."),
    (1, time(16, 45), 3, DATA, 1, 2, "", None, 22,
     "Order totals in the confirmation email differ from the portal by a few cents for customers with "
     "per-line rounding in their price agreements."),
]


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def _plan(application: Application, today: date, *, weeks: int, agree_days_before: int | None) -> None:
    if Hypercare.objects.filter(application=application).exists() or application.go_live_date is None:
        return
    starts_on = application.go_live_date
    hypercare = hypercare_plan_save(
        application=application,
        starts_on=starts_on,
        planned_end_on=starts_on + timedelta(weeks=weeks),
        rules_in_force=Hypercare._meta.get_field("rules_in_force").get_default(),
    )
    if agree_days_before is not None and application.business_owner is not None:
        agreed_on = min(starts_on - timedelta(days=agree_days_before), today)
        hypercare_agree(hypercare=hypercare, by=application.business_owner, now=_at(agreed_on, time(10, 0)))


def seed_hypercare(today: date) -> None:
    portal = Application.objects.select_related("business_owner").get(slug="ordering-portal")
    _plan(portal, today, weeks=3, agree_days_before=7)
    _plan(Application.objects.select_related("business_owner").get(slug="dispatch-board"), today, weeks=2,
          agree_days_before=2)
    _plan(Application.objects.get(slug="pricing-service"), today, weeks=4, agree_days_before=None)

    if portal.escalations.exists():
        return
    analyst = User.objects.get(username="analyst")
    levels = {level.position: level for level in EscalationLevel.objects.filter(application=portal)}
    rules = {rule.name: rule for rule in OwnershipRule.objects.filter(application=portal)}
    for entry in ORDERING_PORTAL_LOG:
        days_ago, clock, severity, rule, from_level, to_level, resolved_by, minutes, answered, summary = entry
        escalation_log(
            application=portal,
            occurred_at=_at(today - timedelta(days=days_ago), clock),
            severity=severity,
            problem_class_id=rules[rule].pk,
            from_level_id=levels[from_level].pk,
            to_level_id=levels[to_level].pk if to_level else None,
            resolved_by=resolved_by,
            minutes_to_resolve=minutes,
            minutes_to_answer=answered,
            summary=summary,
            logged_by=analyst,
        )
