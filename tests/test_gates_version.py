"""The rules version covers every piece of code that shapes a verdict.

A stored verdict is current only while the rules that judged it are unchanged; readiness.gates
is a package, so an edit to any of its modules (or to the coverage-gap code gate 4 reads)
must move the version on.
"""

from __future__ import annotations

import sys
from pathlib import Path

import holidays
from django.test import override_settings

import readiness.gates
import readiness.models
import readiness.public_holidays
from readiness.coverage import coverage_gaps
from readiness.gates.version import RULES_FILES, rules_code, rules_version


def test_every_module_of_the_gates_package_the_coverage_gap_code_and_the_models_is_hashed() -> None:
    package = Path(readiness.gates.__file__).parent
    hashed = {path.resolve() for path in RULES_FILES}
    modules = {path.resolve() for path in package.glob("*.py")}
    assert {"rules.py", "escalation.py", "evidence.py", "verdict.py"} <= {path.name for path in modules}
    assert modules <= hashed
    assert Path(sys.modules[coverage_gaps.__module__].__file__ or "").resolve() in hashed
    models = {path.resolve() for path in Path(readiness.models.__file__).parent.glob("*.py")}
    assert {"people.py", "gates.py", "artefacts.py"} <= {path.name for path in models}
    assert models <= hashed


def test_a_changed_freshness_window_changes_the_version() -> None:
    before = rules_version()
    with override_settings(RUNBOOK_REVIEW_DAYS=1234):
        assert rules_version() != before
    assert rules_version() == before


def test_public_holidays_and_the_calendars_release_are_hashed() -> None:
    """Who is in hours on a holiday shapes gate 4's gaps: our holiday code and the holidays
    library's calendars (a new release adds or moves a day) both move the version on."""
    hashed = {path.resolve() for path in RULES_FILES}
    assert Path(readiness.public_holidays.__file__ or "").resolve() in hashed
    assert rules_code(holidays.__version__) != rules_code(f"{holidays.__version__}.post1")
