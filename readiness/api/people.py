"""People with the state of their confirmation, and an application's escalation path."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema

from readiness.access import get_application_for_user
from readiness.api.common import (
    Paging,
    page_of,
    page_schema,
    reads,
)
from readiness.confirmation import confirmation_of
from readiness.coverage import GAP_DAYS, coverage_gaps
from readiness.directory import levels_with_people
from readiness.models import Person

router = Router(tags=["people and paths"])


class PersonOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    chat_handle: str
    team: str | None
    timezone: str
    left_on: date | None
    confirmation: str  # the person page's badge: stale, confirmed or never
    last_confirmed_at: datetime | None
    stale_since: datetime | None


PersonPage = page_schema("PersonPage", PersonOut)


class GapOut(Schema):
    start: datetime
    end: datetime
    reason: str


class LevelOut(Schema):
    position: int
    name: str
    responsibility: str
    promise: str
    response_target_minutes: int
    how_to_reach: str
    primary: PersonOut
    backup: PersonOut | None
    after_hours_cover: PersonOut | None
    stale_since: datetime | None
    stale_reason: str
    gaps: list[GapOut]


class RuleOut(Schema):
    name: str
    owner_role: str
    level: int | None


class PathOut(Schema):
    application: str
    gap_days: int
    levels: list[LevelOut]
    rules: list[RuleOut]


def person_out(person: Person | None) -> dict[str, Any] | None:
    if person is None:
        return None
    # The one rule of the pages, the sheet and the lookup (readiness.confirmation): past the period is stale too.
    confirmation = confirmation_of(person, timezone.now()).state.value
    return {
        "id": person.pk,
        "name": person.name,
        "email": person.email,
        "phone": person.phone,
        "chat_handle": person.chat_handle,
        "team": person.team.name if person.team else None,
        "timezone": person.timezone,
        "left_on": person.left_on,
        "confirmation": confirmation,
        "last_confirmed_at": person.last_confirmed_at,
        "stale_since": person.stale_since,
    }


@reads(router, "/people", PersonPage, "api_people")
def people_list(request: HttpRequest, paging: Query[Paging]) -> dict[str, Any]:
    """Everyone by name, with their team and whether their details are confirmed."""
    return page_of(Person.objects.select_related("team").order_by("name", "pk"), paging, person_out)


@reads(router, "/applications/{slug}/path", PathOut, "api_path")
def path_detail(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The escalation path as its page shows it: levels in order, who is on each, the gaps in
    promised cover over the coming days, and the classes of problem each level owns."""
    application = get_application_for_user(request.user, slug)
    now = timezone.now()
    levels = levels_with_people(
        application.levels.select_related("primary__team", "backup__team", "after_hours_cover__team").order_by(
            "position"
        )
    )
    by_pk = {level.pk: level.position for level in levels}
    return {
        "application": application.slug,
        "gap_days": GAP_DAYS,
        "levels": [
            {
                "position": level.position,
                "name": level.name,
                "responsibility": level.responsibility,
                "promise": level.promise_label,
                "response_target_minutes": level.response_target_minutes,
                "how_to_reach": level.how_to_reach,
                "primary": person_out(level.primary),
                "backup": person_out(level.backup),
                "after_hours_cover": person_out(level.after_hours_cover),
                "stale_since": level.stale_since,
                "stale_reason": level.stale_reason,
                "gaps": [
                    {"start": gap.start, "end": gap.end, "reason": gap.reason}
                    for gap in coverage_gaps(level, now, days=GAP_DAYS)
                ],
            }
            for level in levels
        ],
        "rules": [
            {
                "name": rule.name,
                "owner_role": rule.get_owner_role_display(),
                "level": by_pk[rule.level_id] if rule.level_id in by_pk else None,
            }
            for rule in application.ownership_rules.order_by("name")
        ],
    }
