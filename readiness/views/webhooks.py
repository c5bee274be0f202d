"""Alert webhooks: the public address Alertmanager and Grafana post to, and the application's
monitoring page (its webhook and secret, its checks' alert names, the alerts no check matched)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from readiness.access import get_application_for_user
from readiness.alert_payloads import PayloadError, parse_notification
from readiness.forms.artefacts import UnmatchedAlertMapForm
from readiness.forms.mixins import model_choices
from readiness.models import AlertCheck, AlertWebhook, Application, UnmatchedAlert
from readiness.permissions import can, require
from readiness.services import webhooks as services
from readiness.submissions import once_per_submission

logger = logging.getLogger(__name__)

NEW_SECRET_SESSION_KEY = "readiness_new_alert_webhook_secret"


def _refuse(status: int, reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=status)


def _refusal(request: HttpRequest, webhook: AlertWebhook | None) -> JsonResponse | None:
    """Why this delivery is refused before its body is read, or None when it is not."""
    if webhook is None:
        return _refuse(404, "No alert webhook has this address.")
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not webhook.accepts(secret.strip()):
        response = _refuse(401, "Send the webhook's secret: Authorization: Bearer <secret>.")
        response["WWW-Authenticate"] = 'Bearer realm="handoff alert webhook"'
        return response
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "The Content-Length header is not a number.")
    if length > settings.ALERT_WEBHOOK_MAX_BYTES:
        return _refuse(413, f"The body is larger than {settings.ALERT_WEBHOOK_MAX_BYTES} bytes.")
    if request.content_type != "application/json":
        return _refuse(415, "Send the notification as application/json, as Alertmanager and Grafana do.")
    return None


# Public: the webhook's secret is the permission (readiness/permissions.py, PUBLIC_WEBHOOK_URLS).
@csrf_exempt
@never_cache
@require_POST
def alert_webhook(request: HttpRequest, key: UUID) -> JsonResponse:
    """POST /hooks/alerts/<key>/ with Authorization: Bearer <secret> and a notification's JSON."""
    webhook = AlertWebhook.objects.filter(key=key).first()
    if (refusal := _refusal(request, webhook)) is not None:
        return refusal
    assert webhook is not None
    try:
        notification = parse_notification(request.body)
    except PayloadError as error:
        return _refuse(400, str(error))
    for attempt in (1, 2):
        try:
            received = services.alert_webhook_receive(webhook=webhook, notification=notification)
            break
        except IntegrityError:
            # Lost a race with the same delivery sent twice: once more sees the winner's rows.
            if attempt == 2:
                raise
        except ValidationError as error:
            return _refuse(400, " ".join(error.messages))
    logger.info("alert webhook %s: %s notification, %s", webhook.pk, notification.system, received.as_dict())
    return JsonResponse(received.as_dict())


def _map_forms(
    application: Application, rows: list[UnmatchedAlert], checks: list[AlertCheck], bound: UnmatchedAlertMapForm | None
) -> list[tuple[UnmatchedAlert, UnmatchedAlertMapForm]]:
    """Each unmatched alert with its mapping form (the one just sent, with its errors, for its row)."""
    pairs = []
    for row in rows:
        if bound is not None and bound.data.get("unmatched") == str(row.pk):
            form = bound
        else:
            form = UnmatchedAlertMapForm(application=application, initial={"unmatched": row.pk})
        # One query for the page's checks, not one per row's select.
        model_choices(form, "alert").choices = [("", "Pick the check it proves"), *((c.pk, str(c)) for c in checks)]
        pairs.append((row, form))
    return pairs


def _monitoring_page(
    request: HttpRequest,
    application: Application,
    *,
    bound: UnmatchedAlertMapForm | None = None,
    new_secret: str | None = None,
) -> HttpResponse:
    webhook = AlertWebhook.objects.filter(application=application).first()
    checks = list(AlertCheck.objects.filter(application=application).order_by("signal"))
    rows = list(UnmatchedAlert.objects.of(application))
    context: dict[str, Any] = {
        "application": application,
        "webhook": webhook,
        "checks": checks,
        "new_secret": new_secret,
        "webhook_url": request.build_absolute_uri(webhook.get_absolute_url()) if webhook else "",
        "unmatched": _map_forms(application, rows, checks, bound),
        "lost_form": bound if bound is not None and bound.errors and "unmatched" in bound.errors else None,
        "can_edit": can(request.user, "artefact.edit", application),
        "repeat_minutes": settings.ALERT_WEBHOOK_REPEAT_MINUTES,
        # The rotate button's one-time key: a double-click rotates once, and the secret shown works.
        "rotate_key": uuid4(),
    }
    return render(request, "readiness/monitoring.html", context)


# The new secret is on this page once: no cache may keep a copy.
@never_cache
@login_required
@require_safe
def monitoring(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    new_secret = request.session.pop(NEW_SECRET_SESSION_KEY, None)
    return _monitoring_page(request, application, new_secret=new_secret)


@login_required
@require_POST
@once_per_submission
def alert_webhook_rotate(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "artefact.edit", application)
    _, secret = services.alert_webhook_rotate(application=application)
    messages.success(request, "A new secret is in force; the previous one no longer works. Copy it now.")
    # Shown once, on the page this redirects to; kept server-side, in the session, until then.
    request.session[NEW_SECRET_SESSION_KEY] = secret
    return redirect("readiness:monitoring", application.slug)


@login_required
@require_POST
@once_per_submission
def unmatched_alert_map(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    require(request.user, "artefact.edit", application)
    form = UnmatchedAlertMapForm(request.POST, application=application)
    if form.is_valid():
        unmatched, alert = form.cleaned_data["unmatched"], form.cleaned_data["alert"]
        try:
            verification = services.unmatched_alert_map(unmatched=unmatched, alert=alert)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            recorded = "recorded its firing" if verification else "its firing was recorded already"
            messages.success(request, f"“{alert}” now matches the alert {unmatched.alert_name}; {recorded}.")
            return redirect("readiness:monitoring", application.slug)
    return _monitoring_page(request, application, bound=form)
