"""`{{ person|confirmation_badge }}`: how fresh a contact's confirmed details are, as a badge;
`{{ person|confirmation_text }}`: the same in words, for the printed ownership sheet.

Shown wherever a contact is: the people and path pages, the answer of "Who do I call?" and the
sheet. The rule is readiness.confirmation's, which the lookup API answers with too.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # missing from django-stubs

from readiness.confirmation import ConfirmationState, confirmation_of
from readiness.models import Person

register = template.Library()

_BADGES = {
    ConfirmationState.STALE: "text-bg-danger",
    ConfirmationState.NEVER: "text-bg-warning",
    ConfirmationState.CONFIRMED: "text-bg-light border",
}


@register.filter
def confirmation_text(person: Person) -> str:
    """ "stale: unconfirmed since 3 Sep 2026", "stale: last confirmed 4 months ago", "never
    confirmed" or "confirmed 2 days ago"."""
    confirmation = confirmation_of(person, timezone.now())
    if confirmation.stale_since is not None:
        return f"stale: unconfirmed since {date(template_localtime(confirmation.stale_since), 'j M Y')}"
    if confirmation.confirmed_at is None:
        return "never confirmed"
    ago = timesince(confirmation.confirmed_at)
    return f"stale: last confirmed {ago} ago" if confirmation.is_stale else f"confirmed {ago} ago"


@register.filter
def confirmation_badge(person: Person) -> SafeString:
    state = confirmation_of(person, timezone.now()).state
    return format_html('<span class="badge {}">{}</span>', _BADGES[state], confirmation_text(person))


@register.filter
def confirmation_warning(person: Person) -> str:
    """The sheet's mark beside a contact whose details cannot be trusted; empty when confirmed."""
    if confirmation_of(person, timezone.now()).state == ConfirmationState.CONFIRMED:
        return ""
    return f"({confirmation_text(person)})"
