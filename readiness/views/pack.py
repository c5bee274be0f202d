"""The handoff pack of one application: a printable page and the same content as JSON."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from readiness.access import get_application_for_user
from readiness.pack import build_pack


@login_required
@require_safe
def handoff_pack(request: HttpRequest, slug: str) -> HttpResponse:
    application = get_application_for_user(request.user, slug)
    return render(request, "readiness/handoffpack_detail.html", {"application": application,
                                                                 "pack": build_pack(application)})


@login_required
@require_safe
def handoff_pack_json(request: HttpRequest, slug: str) -> JsonResponse:
    application = get_application_for_user(request.user, slug)
    response = JsonResponse(build_pack(application), json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'attachment; filename="{application.slug}-handoff-pack.json"'
    return response
