"""Addresses reversed once: `reverse()` for the same name and arguments always gives the same
answer under one URL configuration and script prefix, and some callers ask it many times
(judging 30 days of gates; the navigation on every page)."""

from __future__ import annotations

import functools
from typing import Any

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse


@functools.lru_cache(maxsize=8192)
def _reverse(name: str, args: tuple[Any, ...], urlconf: str, prefix: str) -> str | None:
    # The key holds all that reverse() depends on.
    try:
        return reverse(name, args=args, urlconf=urlconf)
    except NoReverseMatch:
        return None


def address(name: str, *args: Any) -> str | None:
    """reverse(name, args=args), remembered; None when there is no such route."""
    return _reverse(name, args, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


def url(name: str, *args: Any) -> str:
    """Like reverse(name, args=args), remembered: raises NoReverseMatch when there is no such route."""
    found = address(name, *args)
    if found is None:
        raise NoReverseMatch(f"{name} with {args!r}")
    return found
