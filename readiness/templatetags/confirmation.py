"""`{{ person|confirmation_badge }}`: how fresh a contact's confirmed details are, as a badge.

Shown wherever a contact is: the people and path pages, and the answer of "Who do I call?".
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import date
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timesince import timesince
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]  # missing from django-stubs

from readiness.models import Person

register = template.Library()


@register.filter
def confirmation_badge(person: Person) -> SafeString:
    if person.stale_since:
        when = date(template_localtime(person.stale_since), "j M Y")
        return format_html('<span class="badge text-bg-danger">stale: unconfirmed since {}</span>', when)
    if person.last_confirmed_at:
        ago = timesince(person.last_confirmed_at)
        return format_html('<span class="badge text-bg-light border">confirmed {} ago</span>', ago)
    return format_html('<span class="badge text-bg-light border">{}</span>', "never confirmed")
