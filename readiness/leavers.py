"""What names a person, and which people who left must still be replaced: the leaver sweep's reads.

`person_references(person)`: everything naming one person, kind by kind, listed before they are
marked as left and after (what is still to replace); one query a kind, however much they hold.
`leavers_to_replace(application)`: the application roles and the hypercare sign-off of one
application held by someone who left, for its checklist (the gates name the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from django.db import models
from django.urls import reverse
from django.utils import timezone

from readiness.gates.helpers import leaver_text
from readiness.models import (
    AlertCheck,
    ApiToken,
    Application,
    DrillAction,
    EscalationLevel,
    HypercareStatus,
    KnownIssue,
    KnownIssueStatus,
    OwnershipRule,
    Person,
    Runbook,
)
from readiness.models.artefacts import ActionStatus
from readiness.models.standins import StandIn


class Kind(models.TextChoices):
    """The kinds of item that name a person, in the order the leaver page lists them."""

    LEVEL = "level", "Escalation levels"
    STANDIN = "standin", "Stand-ins they are down for"
    RUNBOOK = "runbook", "Runbooks calling those levels"
    RULE = "rule", "Ownership rules taken by those levels"
    ALERT = "alert", "Alerts they own"
    KNOWN_ISSUE = "known_issue", "Known issues they own"
    DRILL_ACTION = "drill_action", "Open drill follow-ups they own"
    APPLICATION_ROLE = "application_role", "Application roles"
    SIGN_OFF = "sign_off", "Hypercare sign-offs waiting for them"


@dataclass(frozen=True)
class Reference:
    """One item naming `person`: `role` says as what, `url` is where to replace them."""

    kind: Kind
    application: Application
    person: Person
    role: str
    url: str
    # How the item is flagged once the person is marked as left (see person_mark_left).
    flag: str = ""
    # The escalation level itself, for a level item (the leaver sweep marks it stale).
    level: EscalationLevel | None = None

    @property
    def replace_text(self) -> str:
        """ "Ben Walsh left on 3 Dec 2026: replace them as L2 primary (Engineering)"."""
        if self.person.left_on is None:
            return f"{self.person.name}, as {self.role}"
        return leaver_text(self.person, self.role, timezone.localdate())


@dataclass
class References:
    """Everything that names a person (or, on a checklist, anyone who left), in Kind order."""

    items: list[Reference] = field(default_factory=list)
    # Their sign-in and lookup-API tokens: listed before confirming, ended once they have left.
    user_active: bool = False
    tokens: list[ApiToken] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.items)

    def of(self, kind: Kind) -> list[Reference]:
        return [item for item in self.items if item.kind == kind]

    @property
    def levels(self) -> list[EscalationLevel]:
        return list(dict.fromkeys(item.level for item in self.of(Kind.LEVEL) if item.level is not None))

    @property
    def application_ids(self) -> set[int]:
        return {item.application.pk for item in self.items}

    def grouped(self) -> Iterator[tuple[Kind, list[tuple[Application, list[Reference]]]]]:
        """Kind by kind, then application by application (items are collected in that order)."""
        for kind in Kind:
            items = self.of(kind)
            if items:
                yield kind, [(app, list(rows)) for app, rows in groupby(items, key=lambda r: r.application)]


# Who counts as named: one person, or anyone who left or is leaving. `path` is the person field's
# query path; the predicate answers for a loaded person.
@dataclass(frozen=True)
class Who:
    q: Callable[[str], models.Q]
    named: Callable[[Person | None], bool]


def _one(person: Person) -> Who:
    return Who(lambda path: models.Q(**{path: person}), lambda p: p is not None and p.pk == person.pk)


LEAVERS = Who(
    lambda path: models.Q(**{f"{path}__left_on__isnull": False}), lambda p: p is not None and p.left_on is not None
)

_LEVEL_ROLES = (("primary", "primary"), ("backup", "backup"), ("after_hours_cover", "after-hours cover"))
_APP_ROLES = (
    ("delivery_lead", "delivery lead"),
    ("business_owner", "business owner"),
    ("support_lead", "support lead"),
)


def _make(
    kind: Kind, application: Application, person: Person | None, role: str, url: str, flag: str = ""
) -> Reference:
    assert person is not None  # the query asked for rows naming them
    return Reference(kind, application, person, role, url, flag)


def _levels(who: Who) -> list[Reference]:
    rows = (
        EscalationLevel.objects.filter(who.q("primary") | who.q("backup") | who.q("after_hours_cover"))
        .select_related("application", "primary", "backup", "after_hours_cover")
        .order_by("application__name", "position")
    )
    found = []
    for level in rows:
        for attr, label in _LEVEL_ROLES:
            person = getattr(level, attr)
            if who.named(person):
                url = reverse("readiness:level_edit", args=[level.application.slug, level.pk])
                assert person is not None  # who.named() is true of a person only
                role = f"L{level.position} {label} ({level.name})"
                found.append(Reference(Kind.LEVEL, level.application, person, role, url,
                                       "stale until someone replaces them", level=level))
    return found


def _through_levels(person: Person, levels: list[EscalationLevel]) -> list[Reference]:
    """Runbooks and rules sending to these levels (naming `person`), each once.

    They name a level, not the person: they are listed so nothing is missed, and fixed by
    replacing the person on the level."""
    by_pk = {level.pk: level for level in levels}
    sources: list[tuple[Kind, models.QuerySet[Any], str, str, Callable[[Any], str], Callable[[Any], str]]] = [
        (Kind.RUNBOOK, Runbook.objects.filter(escalation_level_id__in=list(by_pk)), "escalation_level_id", "title",
         lambda row: f"the level runbook “{row.title}” calls", lambda row: row.get_absolute_url()),
        (Kind.RULE, OwnershipRule.objects.filter(level_id__in=list(by_pk)), "level_id", "name",
         lambda row: f"the level taking “{row.name}”",
         lambda row: reverse("readiness:rule_list", args=[row.application.slug])),
    ]  # fmt: skip
    found = []
    for kind, rows, level_id, order, what, url in sources:
        for row in rows.select_related("application").order_by("application__name", order):
            level = by_pk[getattr(row, level_id)]
            role = f"{what(row)} (L{level.position} {level.name})"
            found.append(_make(kind, row.application, person, role, url(row), "its level is stale"))
    return found


def _standin_role(standin: StandIn) -> str:
    level, zone = standin.level, standin.person.zone
    period = f"{standin.starts_at.astimezone(zone):%-d %b}–{standin.ends_at.astimezone(zone):%-d %b %Y}"
    return f"stand-in for L{level.position} {standin.get_role_display().lower()} ({level.name}), {period}"


def _owned(who: Who) -> list[Reference]:
    """Stand-ins not over they are down for; alerts, open known issues and open drill follow-ups they own."""
    open_actions = DrillAction.objects.filter(status=ActionStatus.OPEN).select_related("drill__application")
    standins = StandIn.objects.not_over(timezone.now()).select_related("level__application")
    sources: list[tuple[Kind, models.QuerySet[Any], str, tuple[str, ...], Callable[[Any], Application],
                        Callable[[Any], str], Callable[[Any, Application], str]]] = [
        (Kind.STANDIN, standins, "person", ("level__application__name", "starts_at"),
         lambda row: row.level.application, _standin_role,
         lambda row, app: reverse("readiness:path_detail", args=[app.slug]) + f"#level-{row.level_id}"),
        (Kind.ALERT, AlertCheck.objects.select_related("application"), "owner", ("application__name", "signal"),
         lambda row: row.application, lambda row: f"owner of the alert “{row.signal}”",
         lambda row, app: reverse("readiness:alert_edit", args=[app.slug, row.pk])),
        (Kind.KNOWN_ISSUE, KnownIssue.objects.filter(status=KnownIssueStatus.OPEN).select_related("application"),
         "owner", ("application__name", "title"), lambda row: row.application,
         lambda row: f"owner of the known issue “{row.title}”",
         lambda row, app: reverse("readiness:knownissue_edit", args=[app.slug, row.pk])),
        (Kind.DRILL_ACTION, open_actions, "owner", ("drill__application__name", "drill__held_on", "pk"),
         lambda row: row.drill.application,
         lambda row: f"owner of the follow-up “{row.description}” (drill “{row.drill.title}”)",
         lambda row, app: reverse("readiness:drill_detail", args=[app.slug, row.drill_id])),
    ]  # fmt: skip
    found = []
    for kind, rows, field_name, order, app_of, what, url_of in sources:
        for row in rows.filter(who.q(field_name)).select_related(field_name).order_by(*order):
            app = app_of(row)
            flag = "the stand-in has left" if kind == Kind.STANDIN else "its owner has left"
            found.append(_make(kind, app, getattr(row, field_name), what(row), url_of(row, app), flag))
    return sorted(found, key=lambda item: list(Kind).index(item.kind))


def _person_behind(application: Application, attr: str) -> Person | None:
    """The person behind a role's sign-in (read from an application loaded `with_role_holders`)."""
    user = getattr(application, attr)
    return getattr(user, "person", None) if user is not None else None


def _roles(who: Who, applications: Iterable[Application],
           person_of: Callable[[Application, str], Person | None] = _person_behind) -> list[Reference]:
    """Application roles held by the person's sign-in, and hypercare sign-offs waiting for them.
    `person_of` gives the person behind a role; the hypercare is read only when its signer is named."""
    found = []
    for app in applications:
        for attr, label in _APP_ROLES:
            person = person_of(app, attr)
            if who.named(person):
                edit = reverse("readiness:application_edit", args=[app.slug])
                found.append(_make(Kind.APPLICATION_ROLE, app, person, label, edit, "held by someone who left"))
        signer = person_of(app, "business_owner")
        if signer is None or not who.named(signer):
            continue
        hypercare = getattr(app, "hypercare", None)
        if hypercare is not None and hypercare.status != HypercareStatus.EXITED:
            found.append(
                _make(
                    Kind.SIGN_OFF,
                    app,
                    signer,
                    "the business owner who signs off hypercare",
                    reverse("readiness:hypercare_detail", args=[app.slug]),
                    "nobody can sign hypercare off until they are replaced",
                )
            )
    return sorted(found, key=lambda item: list(Kind).index(item.kind))


def _holding_a_role(who: Who) -> models.Q:
    match = models.Q()
    for attr, _ in _APP_ROLES:
        match |= who.q(f"{attr}__person")
    return match


def _collect(who: Who, person: Person) -> list[Reference]:
    levels = _levels(who)
    through = _through_levels(person, list(dict.fromkeys(item.level for item in levels if item.level is not None)))
    holding = Application.objects.with_role_holders().filter(_holding_a_role(who)).order_by("name")
    return [*levels, *through, *_owned(who), *_roles(who, holding)]


def person_references(person: Person) -> References:
    """Everything naming `person`, their sign-in and active tokens (ten queries, whatever they hold)."""
    user = person.user if person.user_id else None
    tokens = list(ApiToken.objects.active().filter(user=user)) if user is not None else []
    return References(items=_collect(_one(person), person), user_active=bool(user and user.is_active), tokens=tokens)


def leavers_to_replace(application: Application) -> list[Reference]:
    """The application roles and the hypercare sign-off of `application` held by someone who left
    or is leaving: one small query (the people who left behind its role holders' sign-ins), and
    its hypercare only when the business owner is one of them. Its gates name the others
    (levels, alerts, follow-ups, known issues) among their blockers, stored with the verdict:
    the checklist lists each once."""
    holders = {user_id for attr, _ in _APP_ROLES if (user_id := getattr(application, f"{attr}_id")) is not None}
    # What the checklist says of them: their name and leaving date.
    who_left = Person.objects.filter(user_id__in=holders, left_on__isnull=False).only("name", "left_on", "user_id")
    left = {person.user_id: person for person in who_left}
    return _roles(LEAVERS, [application], lambda app, attr: left.get(getattr(app, f"{attr}_id")))
