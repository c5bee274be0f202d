"""What every router shares: the error body, pages of a list, and writing through a form."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django import forms
from django.db import models
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.types import TCallable
from pydantic import create_model
from pydantic.config import JsonDict

from readiness.access import get_application_for_user
from readiness.api.auth import WriteTokenAuth
from readiness.models import Application
from readiness.permissions import require
from readiness.services.artefacts import artefact_save


class ErrorOut(Schema):
    """Every refusal: what went wrong, and for invalid input the fields at fault with why."""

    detail: str
    errors: dict[str, list[str]] = Field(default_factory=dict, description="Field name → messages.")


# Documented on every operation, so a client (and Schemathesis) knows each answer it may meet.
# 400: a NUL or broken UTF-8 in the address (readiness.middleware), or a body that is not JSON.
READ_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut}
WRITE_ERRORS: dict[int, type[Schema]] = {**READ_ERRORS, 403: ErrorOut, 409: ErrorOut}

PAGE_MAX = 100
# The largest id a row can have (PostgreSQL integer): bigger ones are refused as input, not looked up.
MAX_ID = 2**31 - 1
# Moments and days are read by the pages' forms (their bounds, their messages); the schema says the format.
MOMENT: JsonDict = {"format": "date-time", "example": "2026-12-01T09:30:00+11:00"}
DAY: JsonDict = {"format": "date", "example": "2026-11-20"}


class Paging(Schema):
    limit: int = Field(50, ge=1, le=PAGE_MAX, description=f"Rows in this page, 1 to {PAGE_MAX}.")
    offset: int = Field(0, ge=0, le=1_000_000, description="Rows skipped before this page.")


def paged(rows: models.QuerySet[Any] | Sequence[Any], paging: Paging) -> tuple[int, list[Any]]:
    """(total, this page's rows): two queries for a queryset, however long the list."""
    total = rows.count() if isinstance(rows, models.QuerySet) else len(rows)
    return total, list(rows[paging.offset : paging.offset + paging.limit])


def page_body(total: int, paging: Paging, items: list[Any]) -> dict[str, Any]:
    return {"count": total, "limit": paging.limit, "offset": paging.offset, "items": items}


def reads(router: Router, path: str, out: Any, name: str) -> Callable[[TCallable], TCallable]:
    """A read of the API: any active token; the answers a read may give."""
    return router.get(path, response={200: out, **READ_ERRORS}, url_name=name)


def writes(router: Router, path: str, out: Any, name: str, status: int = 201) -> Callable[[TCallable], TCallable]:
    """A write of the API: a token that may write (not read-only); the answers a write may give."""
    return router.post(path, auth=WriteTokenAuth(), response={status: out, **WRITE_ERRORS}, url_name=name)


def page_of(rows: models.QuerySet[Any], paging: Paging, shown: Callable[[Any], Any]) -> dict[str, Any]:
    """One page of the rows, each as `shown` draws it, with the total."""
    total, page = paged(rows, paging)
    return page_body(total, paging, [shown(row) for row in page])


class PageBase(Schema):
    count: int = Field(..., description="Rows in the whole list.")
    limit: int
    offset: int


def page_schema(name: str, item: type[Schema]) -> type[Schema]:
    """The schema of a page of `item`s, named for the OpenAPI document."""
    return create_model(name, __base__=PageBase, items=(list[item], ...))  # type: ignore[valid-type]


class FormInvalid(HttpError):
    """Input a form refused: 422 with each field's messages (the ones a page shows beside it)."""

    def __init__(self, form: forms.BaseForm | None = None, *, errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(422, "The input was not accepted: see errors.")
        self.errors = errors or {
            ("non_field_errors" if name == "__all__" else name): [str(m) for m in messages]
            for name, messages in (form.errors.items() if form is not None else [])
        }


def valid(form: forms.BaseForm) -> dict[str, Any]:
    """The form's cleaned data, or FormInvalid."""
    if not form.is_valid():
        raise FormInvalid(form)
    return form.cleaned_data


UNSTORABLE_MESSAGE = "This text holds a character that cannot be stored (a lone UTF-16 surrogate)."


def form_data(payload: Schema) -> dict[str, Any]:
    """A JSON body as a form's data: absent and null are an empty field, as on the page.

    JSON can carry a lone surrogate ("\\ud800"), which no form body can and no database stores:
    refused here, beside its field, for every write of the API."""
    data = {name: ("" if value is None else value) for name, value in payload.model_dump().items()}
    unstorable = {name: [UNSTORABLE_MESSAGE] for name, value in data.items()
                  if isinstance(value, str) and any("\ud800" <= char <= "\udfff" for char in value)}
    if unstorable:
        raise FormInvalid(errors=unstorable)
    return data


def application_for(request: Any, slug: str, action: str | None = None) -> Application:
    """The application the caller may read (404 otherwise, as the pages), and may `action` on (403)."""
    application = get_application_for_user(request.user, slug)
    if action is not None:
        require(request.user, action, application)
    return application


def artefact_create(request: Any, slug: str, form_class: type[forms.ModelForm], payload: Schema) -> Any:
    """A new artefact of the application through its page's form and service (artefact.edit)."""
    application = application_for(request, slug, "artefact.edit")
    form = form_class(form_data(payload), application=application)  # type: ignore[call-arg]
    valid(form)
    return artefact_save(instance=form.save(commit=False))


def person_ref(person: Any) -> dict[str, Any] | None:
    return {"id": person.pk, "name": person.name} if person is not None else None


class PersonRef(Schema):
    id: int
    name: str
