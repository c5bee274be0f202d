"""Users, teams, people, applications and escalation paths of the demo world."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from django.contrib.auth.models import Group, User

from readiness.models import (
    Application,
    Coverage,
    Duty,
    EscalationLevel,
    Leave,
    OwnerRole,
    Person,
    Stage,
    Team,
    WorkingHours,
)
from readiness.roles import Role
from readiness.services.applications import ownership_rules_install_defaults

# Every demo account signs in with it (manage.py seed_demo prints it; the browser journeys use it).
DEMO_PASSWORD = "handoff-demo"

# username, first, last, email, role
USERS = [
    ("lead", "Dana", "Whitfield", "dana.whitfield@harbourlane.example", Role.DELIVERY_LEAD),
    ("analyst", "Mia", "Chen", "mia.chen@harbourlane.example", Role.SUPPORT_ANALYST),
    ("owner", "Priya", "Raman", "priya.raman@harbourlane.example", Role.BUSINESS_OWNER),
]

TEAMS = [
    ("Service Desk", "First-line support for all trading systems, Melbourne and Sydney.", False),
    ("Offshore Support", "Follow-the-sun support in Manila (carries the after-hours pager) and Bengaluru.", False),
    ("Portal Engineering", "Builds and runs the ordering portal and the dispatch board.", False),
    ("ERP Integration", "Owns the ERP and the integration bus between it and the portal.", False),
    ("Commercial Operations", "Pricing policy, customer terms and order approvals.", False),
    ("CloudNest Hosting", "Hosting vendor: infrastructure, databases, network.", True),
]

WEEKDAYS = range(0, 5)
ALL_DAYS = range(0, 7)
# Whose public holidays each timezone's people keep: Victoria's, New South Wales', the
# Philippines', Karnataka's. The hosting vendor's NOC keeps none.
REGIONS = {"Australia/Melbourne": "AU-VIC", "Australia/Sydney": "AU-NSW", "Asia/Manila": "PH",
           "Asia/Kolkata": "IN-KA"}

# name, email, phone, chat, team, timezone, (start, end, days) or a list of them (several windows
# a day; an end before the start runs past midnight), username, left_on offset (days before today)
PEOPLE: list[tuple[Any, ...]] = [
    ("Mia Chen", "mia.chen@harbourlane.example", "+61 3 9012 4401", "@mia.chen", "Service Desk",
     "Australia/Melbourne", (time(8, 0), time(18, 0), WEEKDAYS), "analyst", None),
    ("Tom Rees", "tom.rees@harbourlane.example", "+61 2 8011 2290", "@tom.rees", "Service Desk",
     "Australia/Sydney", (time(8, 30), time(17, 30), WEEKDAYS), None, None),
    ("Jomar Santos", "jomar.santos@harbourlane.example", "+63 2 8555 0142", "@jomar", "Offshore Support",
     "Asia/Manila", (time(16, 0), time(23, 59), ALL_DAYS), None, None),
    ("Andrea Reyes", "andrea.reyes@harbourlane.example", "+63 2 8555 0177", "@andrea.reyes", "Offshore Support",
     "Asia/Manila", (time(16, 0), time(23, 59), ALL_DAYS), None, None),
    ("Aisha Karim", "aisha.karim@harbourlane.example", "+61 2 8011 3307", "@aisha", "Portal Engineering",
     "Australia/Sydney", (time(9, 0), time(17, 30), WEEKDAYS), None, None),
    ("Lachlan Ng", "lachlan.ng@harbourlane.example", "+61 3 9012 4478", "@lachlan", "Portal Engineering",
     "Australia/Melbourne", (time(8, 30), time(17, 0), WEEKDAYS), None, None),
    ("Ben Walsh", "ben.walsh@harbourlane.example", "+61 3 9012 4455", "@ben.walsh", "Portal Engineering",
     "Australia/Melbourne", (time(9, 0), time(17, 30), WEEKDAYS), None, None),
    ("Raj Patel", "raj.patel@harbourlane.example", "+61 2 8011 3350", "@raj", "ERP Integration",
     "Australia/Sydney", (time(8, 0), time(16, 30), WEEKDAYS), None, None),
    ("Grace O'Neill", "grace.oneill@harbourlane.example", "+61 2 8011 3362", "@grace", "ERP Integration",
     "Australia/Sydney", (time(9, 0), time(17, 0), WEEKDAYS), None, None),
    ("Priya Raman", "priya.raman@harbourlane.example", "+61 3 9012 4001", "@priya", "Commercial Operations",
     "Australia/Melbourne", (time(8, 30), time(17, 30), WEEKDAYS), "owner", None),
    ("Marcus Webb", "marcus.webb@harbourlane.example", "+61 3 9012 4010", "@marcus", "Commercial Operations",
     "Australia/Melbourne", (time(8, 0), time(17, 0), WEEKDAYS), None, None),
    ("CloudNest NOC", "noc@cloudnest.example", "+61 2 9000 7000", "", "CloudNest Hosting",
     "Australia/Sydney", (time(0, 0), time(23, 59), ALL_DAYS), None, None),
    ("Chloe Martin", "chloe.martin@cloudnest.example", "+61 2 9000 7012", "", "CloudNest Hosting",
     "Australia/Sydney", (time(9, 0), time(17, 0), WEEKDAYS), None, None),
    # Offshore in Bengaluru on a split shift: the Melbourne afternoon, then the Melbourne night.
    ("Arjun Rao", "arjun.rao@harbourlane.example", "+91 80 4000 2211", "@arjun", "Offshore Support",
     "Asia/Kolkata", [(time(7, 30), time(11, 30), WEEKDAYS), (time(18, 30), time(22, 30), WEEKDAYS)], None, None),
    # Sydney's night operator for the hosting vendor: 22:00 to 06:00, Sunday to Thursday nights.
    ("Noor Haddad", "noor.haddad@cloudnest.example", "+61 2 9000 7031", "", "CloudNest Hosting",
     "Australia/Sydney", (time(22, 0), time(6, 0), (6, 0, 1, 2, 3)), None, None),
    # "Just message Sam" — Sam moved on; the pricing service's path still names him.
    ("Sam Fletcher", "sam.fletcher@harbourlane.example", "+61 3 9012 4490", "@sam", "Portal Engineering",
     "Australia/Melbourne", (time(9, 0), time(17, 30), WEEKDAYS), None, 20),
]

APPLICATIONS: list[dict[str, Any]] = [
    {
        "slug": "ordering-portal",
        "name": "Trade Ordering Portal",
        "description": (
            "B2B portal where trade customers place orders at their negotiated prices. Orders, "
            "invoices and stock levels sync with the ERP; customer-specific pricing and fulfilment "
            "codes come from it."
        ),
        "current_release": "2.0.1",
        "go_live_offset": -10,
        "stage": Stage.HYPERCARE,
    },
    {
        "slug": "pricing-service",
        "name": "Customer Pricing Service",
        "description": (
            "Computes each trade customer's price list from ERP contracts and promotions, and "
            "publishes it to the ordering portal every night."
        ),
        "current_release": "1.0.0-rc3",
        "go_live_offset": 21,
        "stage": Stage.HARDENING,
    },
    {
        "slug": "dispatch-board",
        "name": "Warehouse Dispatch Board",
        "description": (
            "Shows the warehouse which orders to pick and ship today, by fulfilment code, and "
            "sends dispatch confirmations back to the ERP."
        ),
        "current_release": "1.2.0",
        "go_live_offset": 9,
        "stage": Stage.HARDENING,
    },
]


def seed_users(today: date) -> None:
    for username, first, last, email, role in USERS:
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "email": email}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name=role))
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@harbourlane.example", DEMO_PASSWORD)


def seed_people(today: date) -> None:
    teams = {}
    for name, description, is_vendor in TEAMS:
        teams[name], _ = Team.objects.get_or_create(
            name=name, defaults={"description": description, "is_vendor": is_vendor}
        )
    for name, email, phone, chat, team, tz, hours, username, left_ago in PEOPLE:
        person, created = Person.objects.get_or_create(
            email=email,
            defaults={
                "name": name,
                "phone": phone,
                "chat_handle": chat,
                "team": teams[team],
                "timezone": tz,
                "region": REGIONS.get(tz, "") if team != "CloudNest Hosting" else "",
                "user": User.objects.filter(username=username).first() if username else None,
                "left_on": today - timedelta(days=left_ago) if left_ago else None,
            },
        )
        if created:
            WorkingHours.objects.bulk_create(
                WorkingHours(person=person, weekday=day, starts_at=start, ends_at=end)
                for start, end, days in (hours if isinstance(hours, list) else [hours]) for day in days
            )
    # Lachlan is away next week: Ben Walsh stands in for him on the dispatch board (demo/standins.py).
    lachlan = Person.objects.get(email="lachlan.ng@harbourlane.example")
    if not lachlan.leaves.exists():
        Leave.objects.create(
            person=lachlan, starts_on=today + timedelta(days=7), ends_on=today + timedelta(days=11), note="Annual leave"
        )


def seed_applications(today: date) -> None:
    users = {u.username: u for u in User.objects.filter(username__in=["lead", "analyst", "owner"])}
    for spec in APPLICATIONS:
        application, created = Application.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "name": spec["name"],
                "description": spec["description"],
                "current_release": spec["current_release"],
                "go_live_date": today + timedelta(days=spec["go_live_offset"]),
                "stage": spec["stage"],
                "delivery_lead": users["lead"],
                "business_owner": users["owner"],
                "support_lead": users["analyst"],
            },
        )
        if created:
            application.members.set(users.values())


def _person(email_prefix: str) -> Person:
    return Person.objects.get(email__startswith=email_prefix + "@")



# slug → levels: (position, name, responsibility, primary, backup, after-hours, duties, other, target, coverage, reach)
PATHS: dict[str, list[tuple[Any, ...]]] = {
    "ordering-portal": [
        (1, "Service desk", "Takes every call first; triages, applies known workarounds, keeps users informed.",
         "mia.chen", "tom.rees", "jomar.santos", [Duty.FIRST_RESPONSE, Duty.ESCALATE, Duty.USER_COMMS], "",
         15, Coverage.AFTER_HOURS, "Service desk line +61 3 9012 4400; after hours the Manila pager +63 2 8555 0100."),
        (2, "Portal engineering", "Diagnoses defects and failed jobs; owns workarounds and rollbacks of the portal.",
         "aisha.karim", "lachlan.ng", "ben.walsh", [Duty.WORKAROUND, Duty.ESCALATE], "Roll back a portal release",
         30, Coverage.AFTER_HOURS, "Teams channel #portal-incidents, then phone; after hours the on-call mobile."),
        (3, "ERP integration", "Owns the integration bus and the ERP side of orders, invoices and pricing.",
         "raj.patel", "grace.oneill", None, [Duty.WORKAROUND], "Replay or purge integration messages",
         60, Coverage.BUSINESS_HOURS, "Phone Raj, then Grace; raise a P1 in the ERP queue."),
        (4, "Business owner", "Decides business impact, customer communication and policy questions.",
         "priya.raman", "marcus.webb", "marcus.webb", [Duty.BUSINESS_IMPACT, Duty.USER_COMMS], "",
         60, Coverage.AFTER_HOURS, "Phone; for customer-wide outages also the commercial duty manager."),
    ],
    "pricing-service": [
        (1, "Service desk", "First response and triage for pricing questions from customers and sales.",
         "mia.chen", "tom.rees", "jomar.santos", [Duty.FIRST_RESPONSE, Duty.ESCALATE, Duty.USER_COMMS], "",
         15, Coverage.AFTER_HOURS, "Service desk line +61 3 9012 4400."),
        (2, "Pricing engineering", "Fixes the nightly price publication and pricing defects.",
         "sam.fletcher", "arjun.rao", None, [Duty.WORKAROUND], "Re-run a price publication",
         30, Coverage.BUSINESS_HOURS, "Message Sam."),
        (3, "Hosting", "Infrastructure, databases and network under the pricing service.",
         "chloe.martin", "noor.haddad", "noc", [Duty.WORKAROUND], "Fail over the database",
         30, Coverage.AFTER_HOURS, "Chloe in Sydney office hours, Noor on the night shift, else the NOC."),
    ],
    "dispatch-board": [
        (1, "Service desk", "First response for warehouse staff; triage and known workarounds.",
         "mia.chen", "tom.rees", "jomar.santos", [Duty.FIRST_RESPONSE, Duty.ESCALATE, Duty.USER_COMMS], "",
         15, Coverage.AFTER_HOURS, "Service desk line +61 3 9012 4400; after hours the Manila pager."),
        (2, "Dispatch engineering", "Defects, failed dispatch jobs, ERP confirmation failures.",
         "lachlan.ng", "aisha.karim", "andrea.reyes", [Duty.WORKAROUND, Duty.ESCALATE], "Pause ERP confirmations",
         30, Coverage.AFTER_HOURS, "Teams #dispatch-incidents, then phone; after hours the Manila pager."),
        (3, "Business owner", "Business impact and warehouse communication.",
         "priya.raman", "marcus.webb", "marcus.webb", [Duty.BUSINESS_IMPACT, Duty.USER_COMMS], "",
         60, Coverage.AFTER_HOURS, "Phone; after hours the commercial duty manager."),
    ],
}


def seed_escalation_paths(today: date) -> None:
    for slug, levels in PATHS.items():
        application = Application.objects.get(slug=slug)
        if application.levels.exists():
            continue
        by_role: dict[str, EscalationLevel] = {}
        for position, name, resp, primary, backup, after, duties, other, target, coverage, reach in levels:
            level = EscalationLevel(
                application=application,
                position=position,
                name=name,
                responsibility=resp,
                primary=_person(primary),
                backup=_person(backup) if backup else None,
                after_hours_cover=_person(after) if after else None,
                duties=[str(d) for d in duties],
                other_decision_rights=other,
                response_target_minutes=target,
                coverage=coverage,
                # Each level promises its hours on its primary's clock (the ERP level: Sydney's).
                coverage_timezone=_person(primary).timezone,
                how_to_reach=reach,
            )
            level.full_clean()
            level.save()
            if position == 1:
                by_role[OwnerRole.SUPPORT] = level
            elif name.startswith("Business owner"):
                by_role[OwnerRole.BUSINESS_OWNER] = level
            elif OwnerRole.ENGINEERING not in by_role:
                by_role[OwnerRole.ENGINEERING] = level
        ownership_rules_install_defaults(application=application, levels_by_role=by_role)
