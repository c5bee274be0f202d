"""The version of the rules a stored verdict was judged under."""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

from django.conf import settings

from readiness.coverage import GAP_DAYS, coverage_gaps

# The code that judges: a stored verdict judged by other code is not current (see rules_version).
# Every module of this package shapes the verdict, and so does the module computing coverage gaps.
RULES_FILES = (
    *sorted(Path(__file__).parent.glob("*.py")),
    Path(sys.modules[coverage_gaps.__module__].__file__ or ""),
)
_RULES_CODE = hashlib.sha256(b"".join(path.read_bytes() for path in RULES_FILES)).hexdigest()


def rules_version() -> str:
    """A short hash of the rules as they stand: the modules of readiness.gates, the coverage-gap
    code and the windows in settings. A stored verdict judged under another version is judged afresh."""
    windows = (settings.RUNBOOK_REVIEW_DAYS, settings.RUNBOOK_EXERCISE_DAYS, settings.ALERT_VERIFY_DAYS,
               settings.ACCESS_VERIFY_DAYS, settings.DRILL_WINDOW_DAYS, GAP_DAYS)
    return hashlib.sha256(f"{_RULES_CODE}{windows!r}".encode()).hexdigest()[:16]
