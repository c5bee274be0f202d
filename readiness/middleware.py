"""Requests whose parameters cannot be read as text are refused before any view sees them."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


def unreadable(encoded: bytes, *, nul_allowed: bool = False) -> bool:
    """True when URL-encoded `encoded` holds bytes that are not UTF-8 once decoded, or a NUL."""
    raw = unquote_to_bytes(encoded.replace(b"+", b" "))
    if b"\x00" in raw and not nul_allowed:
        return True
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def _bad_request(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class RefuseUnreadableInputMiddleware:
    """400 for a NUL or invalid UTF-8 in the query string, or invalid UTF-8 in a form's body.

    Django reads such a query string anyway (broken bytes become U+FFFD, NUL stays), and pages
    pass their parameters (the dashboard's sort and filter, /call/?q=, the history's ?at=) to
    queries: PostgreSQL then refuses the NUL and the page answered 500. No browser sends either,
    so the whole request is refused. A NUL in a submitted form is left to the form: the field
    says "Null characters are not allowed." beside it, as for any other wrong value.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if unreadable(request.META.get("QUERY_STRING", "").encode("latin-1", "replace")):
            return _bad_request("The address holds characters that cannot be read.")
        is_form = request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
        if is_form and unreadable(request.body, nul_allowed=True):
            return _bad_request("The form holds characters that cannot be read.")
        return self.get_response(request)
