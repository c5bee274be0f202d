"""Import pages: upload a file, read what it would do (nothing written), confirm to import it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from readiness.access import AuthenticatedHttpRequest
from readiness.forms.imports import ImportConfirmForm, ImportUploadForm
from readiness.imports.catalog import catalog_plan
from readiness.imports.csv_rows import csv_response
from readiness.imports.paths_csv import PATH_COLUMNS, path_rows, paths_plan
from readiness.imports.people_csv import PEOPLE_COLUMNS, people_plan, people_rows
from readiness.imports.plan import ImportPlan
from readiness.permissions import require
from readiness.services.imports import ImportRefused, catalog_import, paths_import, people_import
from readiness.submissions import once_per_submission


@dataclass(frozen=True)
class ImportKind:
    title: str
    action: str  # readiness.permissions
    what: str  # the file, in the words of the page
    accept: str
    plan: Callable[..., ImportPlan]
    run: Callable[..., ImportPlan]
    done_url: str


KINDS = {
    "catalog": ImportKind(
        "Import a Backstage catalog",
        "catalog.import",
        "a Backstage catalog-info.yaml, one entity or several separated by ---: Components and Systems become "
        "applications, Groups teams and Users people",
        ".yaml,.yml,text/yaml",
        catalog_plan,
        catalog_import,
        "readiness:home",
    ),
    "people": ImportKind(
        "Import people",
        "people.manage",
        "a people CSV, in the format of Download CSV on the people page (one person a row, found again by email; "
        "teams created by name)",
        ".csv,text/csv",
        people_plan,
        people_import,
        "readiness:people_list",
    ),
    "paths": ImportKind(
        "Import escalation paths",
        "paths.import",
        "an escalation paths CSV, in the format of Download paths CSV on the dashboard (one level a row, found again "
        "by application and position; people by email, so import the people CSV first)",
        ".csv,text/csv",
        paths_plan,
        paths_import,
        "readiness:home",
    ),
}


@login_required
@once_per_submission
def import_page(request: AuthenticatedHttpRequest, kind: str) -> HttpResponse:
    """GET: the upload form. POST a file: its preview, with a confirm button carrying the same
    file. POST the confirmation: the import, as previewed, or nothing and why."""
    spec = KINDS[kind]
    require(request.user, spec.action)
    context: dict[str, Any] = {"spec": spec, "kind": kind, "form": ImportUploadForm()}
    if request.method == "POST" and "fingerprint" in request.POST:
        confirm = ImportConfirmForm(request.POST)
        if confirm.is_valid():
            source = confirm.cleaned_data["content"]
            try:
                plan = spec.run(text=source, fingerprint=confirm.cleaned_data["fingerprint"], by=request.user)
            except (ImportRefused, ValidationError) as refusal:
                # ValidationError: a row's rules failed at the write although the plan passed them.
                reason = str(refusal) if isinstance(refusal, ImportRefused) else " ".join(refusal.messages)
                messages.error(request, reason)
                return _preview(request, context, source)
            counts = plan.counts()
            messages.success(
                request,
                f"Imported: {counts['create']} created, {counts['update']} changed, {counts['unchanged']} left alone.",
            )
            return redirect(reverse(spec.done_url))
        messages.error(request, "The preview sent back is damaged; upload the file again.")
    elif request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES)
        if form.is_valid():
            return _preview(request, context, form.source)
        context["form"] = form
    return render(request, "readiness/import_form.html", context)


def _preview(request: AuthenticatedHttpRequest, context: dict[str, Any], source: str) -> HttpResponse:
    plan = context["spec"].plan(source, by=request.user)
    context.update(
        plan=plan,
        counts=plan.counts(),
        confirm=ImportConfirmForm.for_plan(source, plan.fingerprint) if plan.ok else None,
    )
    return render(request, "readiness/import_form.html", context)


@login_required
@require_safe
def people_export(request: HttpRequest) -> HttpResponse:
    """Everyone, as the people import reads them (reading is everyone's who is signed in)."""
    return csv_response("people.csv", PEOPLE_COLUMNS, people_rows())


@login_required
@require_safe
def paths_export(request: HttpRequest) -> HttpResponse:
    """Every application's escalation levels, as the paths import reads them."""
    return csv_response("escalation-paths.csv", PATH_COLUMNS, path_rows())
