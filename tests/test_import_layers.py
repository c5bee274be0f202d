"""The layers import one way: views → services → models, tasks → services, services → queue.

A service that imported readiness.tasks (which imports services) made a circle that only
worked because of the order modules happened to load in. Services enqueue tasks by name
through readiness.queue instead; these tests keep it that way.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from readiness import tasks

ROOT = Path(__file__).resolve().parent.parent
SERVICES = sorted((ROOT / "readiness" / "services").glob("*.py"))
MODELS = sorted((ROOT / "readiness" / "models").glob("*.py"))


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path) -> set[str]:
    """Every module this file imports, at the top or inside a function: `from readiness import
    tasks` counts as readiness.tasks."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _under(imports: set[str], *packages: str) -> set[str]:
    return {name for name in imports for package in packages if name == package or name.startswith(f"{package}.")}


@pytest.mark.parametrize("path", SERVICES, ids=_module)
def test_services_import_neither_tasks_nor_views(path: Path) -> None:
    assert _under(_imports(path), "readiness.tasks", "readiness.views") == set()


@pytest.mark.parametrize("path", MODELS, ids=_module)
def test_models_import_no_services_views_or_tasks(path: Path) -> None:
    assert _under(_imports(path), "readiness.services", "readiness.views", "readiness.tasks") == set()


def test_tasks_import_services_and_nothing_else_of_the_app() -> None:
    imports = _under(_imports(ROOT / "readiness" / "tasks.py"), "readiness")
    assert imports and all(name.startswith("readiness.services.") for name in imports), imports


def test_every_task_a_service_enqueues_exists() -> None:
    named = {
        (_module(path), node.args[0].value)
        for path in SERVICES
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "enqueue_on_commit"
        and node.args and isinstance(node.args[0], ast.Constant)
    }
    assert {"reminder_send", "contact_changes_notify", "reachability_test_email"} <= {name for _, name in named}
    unknown = {(module, name) for module, name in named if not hasattr(getattr(tasks, str(name), None), "delay")}
    assert unknown == set()


@pytest.mark.parametrize("module", [*map(_module, SERVICES), "readiness.models", "readiness.tasks"])
def test_each_module_imports_on_its_own_in_a_fresh_interpreter(module: str) -> None:
    # First thing after setup, so no earlier import can hide a circle; and what it pulls in.
    code = (
        "import sys, django; django.setup(); import " + module + "; "
        "print(sorted(m for m in sys.modules if m == 'readiness.tasks' or m.startswith('readiness.views')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "handoff.settings", "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    loaded = result.stdout.strip().splitlines()[-1]
    assert loaded == ("['readiness.tasks']" if module == "readiness.tasks" else "[]")
