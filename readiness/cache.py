"""A process-memory cache that keeps the objects themselves, not pickled copies of them.

Django's LocMemCache pickles every value on the way in and unpickles it on every read, so that
a caller cannot change what the next one gets. For the lookup's directories (an application's
rules, path, people and calendars: a few hundred model instances) the unpickling alone cost
more than the rest of "Who do I call?" together. What is kept here is read, never changed, by
its callers (`readiness.lookup`), so it can be handed out as it is; expiry, culling and
thread-safety stay LocMemCache's own.
"""

from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import TYPE_CHECKING, Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache


class ObjectCache(LocMemCache):
    if TYPE_CHECKING:  # LocMemCache's own state and helpers, which django-stubs leaves out
        _cache: OrderedDict[str, Any]
        _lock: Lock

        def _has_expired(self, key: str) -> bool: ...
        def _set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT) -> None: ...
        def _delete(self, key: str) -> bool: ...

    def add(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._set(key, value, timeout)
                return True
            return False

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                return default
            value = self._cache[key]
            self._cache.move_to_end(key, last=False)
        return value

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            self._set(key, value, timeout)

    def incr(self, key: str, delta: int = 1, version: int | None = None) -> Any:
        key = self.make_and_validate_key(key, version=version)
        with self._lock:
            if self._has_expired(key):
                self._delete(key)
                raise ValueError(f"Key '{key}' not found")
            value = self._cache[key] + delta
            self._cache[key] = value
            self._cache.move_to_end(key, last=False)
        return value
