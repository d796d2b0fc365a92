"""One computation per cache key at a time, in this process.

After an import changes a company's data version, every page of every user misses the cache
at once; without this, each of the server's threads would compute the same figures in
parallel (a thundering herd that bench/load.py measured as seconds of queueing). The first
request computes, the others wait for it and read its result.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache, caches

T = TypeVar("T")
# A memory cache of this process in front of the shared one: the keys name the data version,
# so an entry never goes stale, and a hit here skips reading and unpickling the shared file
# cache's compressed copy (bench/load.py: that doubled the cost of a warm page).
LOCAL = "local"


class _KeyLock:
    __slots__ = ("__weakref__", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()


# Weak values: a key's lock lives as long as someone waits on it, so the table stays small.
_locks: weakref.WeakValueDictionary[str, _KeyLock] = weakref.WeakValueDictionary()
_guard = threading.Lock()


def cached_once(key: str, build: Callable[[], T], timeout: int | None) -> T:
    """`cache.get(key)`, else `build()` stored under `key` — by one thread at a time per key.

    Nested calls for other keys are fine (each key has its own lock); a build must not ask
    for its own key.
    """
    local = caches[LOCAL] if LOCAL in settings.CACHES else None
    value: T | None = local.get(key) if local is not None else None
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        with _guard:
            holder = _locks.get(key)
            if holder is None:
                holder = _KeyLock()
                _locks[key] = holder
        with holder.lock:
            value = cache.get(key)
            if value is None:
                value = build()
                cache.set(key, value, timeout)
    if local is not None:
        local.set(key, value, timeout)
    return value
