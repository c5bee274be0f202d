"""The Django admin, for administrators' repairs: every page of the app's models opens and shows
its rows in the chosen columns, and the audit records stay read-only."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.db import models as db_models
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

REGISTERED = sorted(
    (model for model in admin.site._registry if model._meta.app_label == "readiness"), key=lambda m: m.__name__
)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model.__name__)
def test_each_admin_list_and_page_shows_the_row(admin_client, model: type[db_models.Model]) -> None:
    row = getattr(factories, f"{model.__name__}Factory")()
    name = model._meta.model_name

    listing = admin_client.get(reverse(f"admin:readiness_{name}_changelist"))
    page = admin_client.get(reverse(f"admin:readiness_{name}_change", args=[row.pk]))

    assert listing.status_code == 200
    html = listing.content.decode()
    for column in admin.site._registry[model].list_display:
        assert f"column-{column}" in html
    assert f"/admin/readiness/{name}/{row.pk}/change/" in html
    assert page.status_code == 200


@pytest.mark.parametrize("model", ["ReminderLog", "SignOff"])
def test_audit_records_are_read_only(admin_client, model: str) -> None:
    row = getattr(factories, f"{model}Factory")()
    name = model.lower()

    page = admin_client.get(reverse(f"admin:readiness_{name}_change", args=[row.pk]))

    assert page.status_code == 200
    assert admin_client.post(reverse(f"admin:readiness_{name}_change", args=[row.pk]), {}).status_code == 403
    assert admin_client.get(reverse(f"admin:readiness_{name}_add")).status_code == 403
    assert 'name="_save"' not in page.content.decode()
