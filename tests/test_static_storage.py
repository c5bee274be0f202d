"""Production static files: each address worked out once per process, and again after collectstatic."""

from __future__ import annotations

from pathlib import Path

from django.test import override_settings

from handoff.storage import StaticFilesStorage


def _collect(storage: StaticFilesStorage, root: Path, text: str) -> None:
    (root / "app.css").write_text(text)
    list(storage.post_process({"app.css": (storage, "app.css")}))


@override_settings(DEBUG=False)
def test_addresses_are_remembered_until_the_manifest_is_rebuilt(tmp_path: Path) -> None:
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    _collect(storage, tmp_path, "body { color: red }")

    first = storage.url("app.css")
    assert first.startswith("/static/app.") and first.endswith(".css") and first != "/static/app.css"
    assert storage.url("app.css") is first  # remembered, not worked out again

    _collect(storage, tmp_path, "body { color: blue }")  # what collectstatic does on a deploy

    assert storage.url("app.css") != first
    assert storage.url("app.css") == StaticFilesStorage(location=tmp_path, base_url="/static/").url("app.css")
