"""Who do I call? The page, the read-only JSON API for chat tools, and the user's API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from readiness.access import AuthenticatedHttpRequest
from readiness.forms.lookup import ApiTokenForm, LookupForm, classes_of, resolve_application
from readiness.lookup import Answer, answer, answer_as_dict
from readiness.models import ApiToken, Application
from readiness.permissions import require
from readiness.services.api import api_token_authenticate, api_token_create, api_token_revoke
from readiness.submissions import once_per_submission

NEW_TOKEN_SESSION_KEY = "readiness_new_api_token"


def _answer(form: LookupForm) -> Answer:
    data = form.cleaned_data
    return answer(
        at=form.moment(),
        application=data.get("application"),
        symptom=data.get("symptom", "").strip(),
        problem_class=data.get("problem_class", ""),
        now=data.get("at") is None,  # asked for now, not another time: "call now", not "call at"
    )


@login_required
@require_GET
def who_to_call(request: HttpRequest) -> HttpResponse:
    asked = any(request.GET.get(name) for name in ("symptom", "problem_class"))
    if asked:
        form = LookupForm(request.GET)
        result = _answer(form) if form.is_valid() else None
        if result is not None and result.application is not None:
            form.known_classes = result.classes
    else:
        # Arriving from an application's pages (?application=<slug>): start with it picked.
        text = request.GET.get("application", "").strip()
        try:
            starting = resolve_application(text, slug_first=True) if text else None
        except ValidationError:
            starting = None
        form, result = LookupForm(application=starting, initial={"application": text}), None
    return render(request, "readiness/lookup.html", {"form": form, "result": result})


@login_required
@require_GET
def application_names(request: HttpRequest) -> JsonResponse:
    """Every application's name and slug, for the suggestions of the lookup's application field."""
    rows = Application.objects.order_by("name").values_list("name", "slug")
    return JsonResponse({"applications": [{"name": name, "slug": slug} for name, slug in rows]})


@login_required
@require_GET
def class_names(request: HttpRequest) -> JsonResponse:
    """The classes of problem of the application named in ?application= (none when it names none)."""
    text = request.GET.get("application", "").strip()
    try:
        application = resolve_application(text) if text else None
    except ValidationError as error:
        return JsonResponse({"application": None, "classes": [], "error": " ".join(error.messages)})
    return JsonResponse({
        "application": application.name if application else None,
        "classes": classes_of(application) if application else [],
    })


@never_cache
@require_GET
def lookup_api(request: HttpRequest) -> JsonResponse:
    """GET /api/lookup/?application=<slug>&symptom=…|class=…&at=<ISO 8601>, with a Bearer token."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    token = api_token_authenticate(key.strip()) if scheme.lower() == "bearer" and key.strip() else None
    if token is None:
        response = JsonResponse({"error": "A valid API token is required: Authorization: Bearer <token>."}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="handoff"'
        return response
    params = {
        "application": request.GET.get("application", ""),
        "symptom": request.GET.get("symptom", ""),
        "problem_class": request.GET.get("class", ""),
        "at": request.GET.get("at", ""),
    }
    form = LookupForm(params, slug_first=True)
    if not form.is_valid():
        errors = {("class" if k == "problem_class" else k): v for k, v in form.errors.items()}
        return JsonResponse({"errors": errors}, status=400)
    return JsonResponse(answer_as_dict(_answer(form)))


# The new token is on this page once: no cache (the browser's, a proxy's) may keep a copy.
@never_cache
@login_required
@once_per_submission
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        token, created_key = api_token_create(user=request.user, name=form.cleaned_data["name"],
                                              read_only=form.cleaned_data["read_only"])
        messages.success(request, f"Created the token {token.name}. Copy it now: it is not shown again.")
        # Shown once, on the page the POST redirects to (a double-click's second POST is sent
        # there too, by once_per_submission); kept server-side, in the session, until then.
        request.session[NEW_TOKEN_SESSION_KEY] = created_key
        return redirect("readiness:token_list")
    new_key = request.session.pop(NEW_TOKEN_SESSION_KEY, None) if request.method == "GET" else None
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "readiness/token_list.html", {"form": form, "tokens": tokens, "new_key": new_key})


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    # Another user's token is simply not found: no hint that it exists.
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    require(request.user, "token.manage", token)
    api_token_revoke(token=token)
    messages.success(request, f"Revoked the token {token.name}.")
    return redirect("readiness:token_list")
