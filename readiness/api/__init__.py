"""Handoff's REST API, version 1 (/api/v1/), built with django-ninja.

Reads what the pages show and writes evidence through the same forms and services, as the
user whose token (the tokens page) is in `Authorization: Bearer <key>`; the permission table
(readiness.permissions) decides each write as for the pages. The OpenAPI 3 schema is served at
/api/v1/openapi.json and drawn at /api/v1/docs. Every refusal is JSON shaped as `ErrorOut`.
One router per concept; API_POST_ACTIONS in readiness.permissions names the action of each write.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as ModelValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as InputError

from readiness.api import applications, artefacts, hypercare, issues, people
from readiness.api.auth import TokenAuth
from readiness.api.common import FormInvalid


def _documentation(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The schema and its page are documentation: readable by anyone, and only read. Exempt from
    CSRF as the API's own views are (it protects no write here), so a POST meets the same JSON 405
    as on any other address of the API, not the CSRF failure page."""
    return csrf_exempt(require_safe(view))


api = NinjaAPI(
    title="Handoff API",
    version="1",
    description=(
        "Read applications, verdicts and gates, escalation paths, people, runbooks, known issues, hypercare and "
        "the escalation log; record evidence. Authenticate with a token from your tokens page: "
        "`Authorization: Bearer <key>`. A read-only token may only read. Lists take `limit` and `offset` and "
        'answer `count`. Errors answer `{"detail": …, "errors": {field: [messages]}}`.'
    ),
    urls_namespace="api-v1",
    auth=TokenAuth(),
    docs_decorator=_documentation,
)
for module in (applications, people, artefacts, issues, hypercare):
    api.add_router("", module.router)


def _error(request: HttpRequest, status: int, detail: str, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or {}}, status=status)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc, AuthenticationError):
        response = _error(request, 401, "A valid API token is required: Authorization: Bearer <token>.")
        response["WWW-Authenticate"] = 'Bearer realm="handoff"'
        return response
    return _error(request, exc.status_code, str(exc), exc.errors if isinstance(exc, FormInvalid) else None)


def _field(location: Any) -> str:
    """The field a pydantic error is about: the last name in its location (body, query or path)."""
    names = [str(part) for part in location if isinstance(part, str) and part not in ("body", "query", "path")]
    return names[-1] if names else "body"


@api.exception_handler(InputError)
def input_error(request: HttpRequest, exc: InputError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        errors.setdefault(_field(error.get("loc", ())), []).append(str(error.get("msg", "Invalid value.")))
    return _error(request, 422, "The input was not accepted: see errors.", errors)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "Not found.")


@api.exception_handler(PermissionDenied)
def refused(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or "Not allowed.")


@api.exception_handler(ModelValidationError)
def model_invalid(request: HttpRequest, exc: ModelValidationError) -> HttpResponse:
    # A model rule a service checked on save (full_clean): the same messages the page shows.
    errors = {
        ("non_field_errors" if name == "__all__" else name): messages
        for name, messages in getattr(exc, "message_dict", {"__all__": exc.messages}).items()
    }
    return _error(request, 422, "The input was not accepted: see errors.", errors)


@api.exception_handler(RequestDataTooBig)
def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    # Django's own bound on a request body (DATA_UPLOAD_MAX_MEMORY_SIZE); a field's bound is smaller.
    megabytes = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0) / 2**20
    return _error(request, 400, f"The request body is larger than {megabytes:g} MB: send less.")


@api.exception_handler(IntegrityError)
def conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two identical requests at once: the second meets the first's row (a unique constraint).
    return _error(request, 409, "This conflicts with a row written at the same moment; read it again.")
