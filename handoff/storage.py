"""Static files in production: WhiteNoise's compressed, hashed files, with their addresses remembered.

Every page asks for the same four or five addresses ({% static %}), and working one out from
the manifest (parse, clean, look up, join, unquote) cost about 30 µs each time. The manifest
does not change while the process runs, so each address is worked out once; collectstatic,
which rebuilds the manifest, forgets them.
"""

from __future__ import annotations

from typing import Any

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._addresses: dict[tuple[str, bool], str] = {}

    def url(self, name: str, force: bool = False) -> str:
        key = (name, force)
        address = self._addresses.get(key)
        if address is None:
            address = self._addresses[key] = super().url(name, force)
        return address

    def post_process(self, *args: Any, **kwargs: Any) -> Any:
        self._addresses.clear()
        yield from super().post_process(*args, **kwargs)
        self._addresses.clear()
