"""Every model of the app has a factory in tests/factories.py that makes a valid row.

A test world is built from these factories, not from the demo: a factory that makes a row the
model's own rules refuse would test code against data no user can enter. A new model without a
factory fails here, so the next test of it has one to start from.
"""

from __future__ import annotations

import inspect
from typing import Any

import pytest
from django.apps import apps
from django.db import models as db_models
from django.forms.models import model_to_dict
from simple_history.models import HistoricalChanges

from tests import factories

pytestmark = pytest.mark.django_db

FACTORIES: dict[type[db_models.Model], Any] = {
    cls._meta.model: cls
    for _, cls in inspect.getmembers(factories, inspect.isclass)
    if issubclass(cls, factories.ModelFactory) and cls._meta.model is not None
}

MODELS = sorted(
    (model for model in apps.get_app_config("readiness").get_models()
     # simple_history's tables are written by the history machinery, never by a test.
     if not issubclass(model, HistoricalChanges)),
    key=lambda model: model.__name__,
)


def test_every_model_of_the_app_has_a_factory() -> None:
    missing = [model.__name__ for model in MODELS if model not in FACTORIES]

    assert missing == [], f"add a factory to tests/factories.py for: {', '.join(missing)}"
    # Sanity of the walk itself: it found the app's models, not an empty list.
    assert {"Application", "Person", "SignOff", "FormSubmission"} <= {model.__name__ for model in MODELS}


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_the_factory_makes_a_row_the_model_accepts_and_reads_back(model: type[db_models.Model]) -> None:
    row = FACTORIES[model]()

    row.full_clean()
    stored = model._default_manager.get(pk=row.pk)
    assert model_to_dict(stored) == model_to_dict(row)
    assert str(stored)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_two_rows_of_one_factory_do_not_collide(model: type[db_models.Model]) -> None:
    # Unique names, emails, positions and keys come from sequences: a test that needs two of a
    # thing asks for two without naming them.
    first, second = FACTORIES[model](), FACTORIES[model]()

    assert first.pk != second.pk
    assert model._default_manager.filter(pk__in=[first.pk, second.pk]).count() == 2
