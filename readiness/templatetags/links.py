"""`{% link 'readiness:home' %}`: `{% url %}` for addresses that never change (the navigation on
every page), reversed once per process instead of on every render (see readiness.links)."""

from __future__ import annotations

from typing import Any

from django import template

from readiness import links

register = template.Library()


@register.simple_tag
def link(name: str, *args: Any) -> str:
    return links.url(name, *args)
