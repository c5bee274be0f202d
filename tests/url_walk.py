"""Walking the URLconf, for the tests that visit every URL (a new page is in them the day it is added)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver


@dataclass
class Route:
    name: str  # without namespace
    qualified: str  # for reverse()
    params: list[str]


def walk(resolver: URLResolver, namespace: str = "", params: tuple[str, ...] = ()) -> Iterator[Route]:
    """Every named URL, the admin's left out, with the arguments its pattern and its includes take."""
    for entry in resolver.url_patterns:
        converters = list(getattr(entry.pattern, "converters", {}))
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue
            inner = f"{namespace}:{entry.namespace}" if namespace and entry.namespace else (
                entry.namespace or namespace)
            yield from walk(entry, inner, params + tuple(converters))
        elif isinstance(entry, URLPattern) and entry.name:
            qualified = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(entry.name, qualified, list(params) + converters)
