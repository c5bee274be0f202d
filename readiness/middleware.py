"""Requests whose parameters cannot be read as text are refused before any view sees them; the
API's refusals are JSON, whoever gives them; pages are drawn in the viewer's own timezone."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import timezone

# The REST API answers every refusal in JSON, shaped as its schema says (readiness.api).
API_PREFIX = "/api/v1/"


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


def _bad_request(request: HttpRequest, message: str) -> HttpResponse:
    if request.path_info.startswith(API_PREFIX):
        return JsonResponse({"detail": message, "errors": {}}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


class RefuseUnreadableInputMiddleware:
    """400 for a NUL in the path, a NUL or invalid UTF-8 in the query string, or invalid UTF-8 in a
    form's body.

    Django reads such a query string anyway (broken bytes become U+FFFD, NUL stays), and pages
    pass their parameters (the dashboard's sort and filter, /call/?q=, the history's ?at=) to
    queries: PostgreSQL then refuses the NUL and the page answered 500. No browser sends either,
    so the whole request is refused. A NUL in a submitted form is left to the form: the field
    says "Null characters are not allowed." beside it, as for any other wrong value.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "").encode("latin-1", "replace")
        # The path too: the API's routes take any text as a slug, and PostgreSQL refuses a NUL looked up.
        if "\x00" in request.path_info or unreadable(query):
            return _bad_request(request, "The address holds characters that cannot be read.")
        is_form = request.method == "POST" and request.content_type == "application/x-www-form-urlencoded"
        if is_form and unreadable(request.body, nul_allowed=True):
            return _bad_request(request, "The form holds characters that cannot be read.")
        return self.get_response(request)


class ApiRefusalsInJsonMiddleware:
    """Every refusal of the REST API answers JSON shaped as its `ErrorOut`, also those the
    framework gives before the API's exception handlers (readiness.api) see the request:
    django-ninja's 405 for a method an address does not take, require_safe's 405 on the schema
    pages, and the resolver's 404 for an address under /api/v1/ that no route matches. A script
    reads `detail` whatever went wrong; the status and the headers (Allow above all) are kept."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)  # every page, the bare ping above all: nothing more
        response = self.get_response(request)
        if not 400 <= response.status_code < 500 or _is_json(response):
            return response
        answer = JsonResponse({"detail": _refusal(request, response), "errors": {}}, status=response.status_code)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                answer[header] = value
        answer.cookies = response.cookies
        return answer


def _is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").startswith("application/json")


def _refusal(request: HttpRequest, response: HttpResponse) -> str:
    if response.status_code == 405:
        return f"{request.method} is not allowed here: this address answers {response.get('Allow', 'no method')}."
    if response.status_code == 404:
        return f"Not found: no such address in the API (its addresses are listed at {API_PREFIX}docs)."
    return f"{response.reason_phrase}."


class ViewerTimezoneMiddleware:
    """Activate the viewer's timezone for the request: every `|date` of a moment, every form's
    moment field and `timezone.localtime` then speak it. The name is put in the session when they
    sign in or change it (readiness.views.preferences), so a page reads no extra row for it; with
    none, the site's TIME_ZONE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from readiness.services.preferences import SESSION_TIMEZONE

        name = request.session.get(SESSION_TIMEZONE) if hasattr(request, "session") else None
        try:
            timezone.activate(ZoneInfo(name)) if name else timezone.deactivate()
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
