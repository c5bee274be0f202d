"""The version of the rules a stored verdict was judged under."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import holidays
from django.conf import settings

import readiness.models
import readiness.public_holidays
from readiness.coverage import GAP_DAYS, coverage_gaps

# The code that judges: a stored verdict judged by other code is not current (see rules_version).
# Every module of this package shapes the verdict, and so do the module computing coverage gaps
# and the models (the rules call their methods: has_left, in_force_on, unassigned_duties...).
# Public holidays decide who is in hours, so gaps move with their module and with the holidays
# library's calendars (a new release adds or moves a day).
RULES_FILES = (
    *sorted(Path(__file__).parent.glob("*.py")),
    Path(sys.modules[coverage_gaps.__module__].__file__ or ""),
    Path(readiness.public_holidays.__file__ or ""),
    *sorted(Path(readiness.models.__file__ or "").parent.glob("*.py")),
)


def rules_code(holidays_version: str) -> str:
    """The hash of the judging code, read once at import: the files above and the calendars' release."""
    return hashlib.sha256(b"".join(path.read_bytes() for path in RULES_FILES) + holidays_version.encode()).hexdigest()


_RULES_CODE = rules_code(holidays.__version__)


def rules_version() -> str:
    """A short hash of the rules as they stand: the modules of readiness.gates, the coverage-gap
    and public-holiday code, the holidays library's version, the models and the windows in
    settings. A stored verdict judged under another version is judged afresh."""
    windows = (
        settings.RUNBOOK_REVIEW_DAYS,
        settings.RUNBOOK_EXERCISE_DAYS,
        settings.ALERT_VERIFY_DAYS,
        settings.ACCESS_VERIFY_DAYS,
        settings.DRILL_WINDOW_DAYS,
        GAP_DAYS,
    )
    return hashlib.sha256(f"{_RULES_CODE}{windows!r}".encode()).hexdigest()[:16]
