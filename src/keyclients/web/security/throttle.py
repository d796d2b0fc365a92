"""Login throttling: 5 failed logins for one username from one address lock that pair out
for 15 minutes (per username + IP, so an attacker elsewhere cannot lock the real user out).

The counters live in Django's cache (the app runs as one process under `keyclients serve`;
several processes need a shared cache such as the database cache). Every failure and every
lockout is also written to the audit log, which is what survives.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.core.cache import cache

MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCKOUT_SECONDS = 15 * 60
_PREFIX = "login-throttle:"


def _key(username: str, ip: str | None) -> str:
    # Hashed: cache keys must be short and free of spaces; usernames are case-insensitive here.
    digest = hashlib.sha256(f"{username.strip().casefold()}\x00{ip or ''}".encode()).hexdigest()
    return _PREFIX + digest[:40]


@dataclass(frozen=True)
class Attempts:
    failures: tuple[float, ...]  # times of the failures inside the window
    locked_until: float | None


def _load(key: str, now: float) -> Attempts:
    value = cache.get(key)
    if not isinstance(value, Attempts):
        return Attempts((), None)
    failures = tuple(t for t in value.failures if t > now - WINDOW_SECONDS)
    locked = value.locked_until if value.locked_until and value.locked_until > now else None
    return Attempts(failures, locked)


def login_locked_seconds(*, username: str, ip: str | None, now: float | None = None) -> int:
    """Seconds left of the lockout of (username, ip); 0 when it may try."""
    now = time.time() if now is None else now
    locked = _load(_key(username, ip), now).locked_until
    return int(locked - now) + 1 if locked else 0


def login_failure_count(*, username: str, ip: str | None, now: float | None = None) -> bool:
    """Count one failure; True when it locks the pair out (the MAX_FAILURES-th in the window)."""
    now = time.time() if now is None else now
    key = _key(username, ip)
    attempts = _load(key, now)
    failures = (*attempts.failures, now)
    if len(failures) >= MAX_FAILURES:
        cache.set(key, Attempts((), now + LOCKOUT_SECONDS), LOCKOUT_SECONDS + 60)
        return True
    cache.set(key, Attempts(failures, attempts.locked_until), WINDOW_SECONDS + 60)
    return False


def login_failures_clear(*, username: str, ip: str | None) -> None:
    """A successful login forgets the earlier failures of the pair."""
    cache.delete(_key(username, ip))
