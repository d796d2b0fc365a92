"""A full disk or a read-only data folder is an operating condition, not a bug: it gets a clear
message (and an HTTP 503), the import is marked failed with it, and nothing is half-written."""

from __future__ import annotations

import errno
from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

DISK_FULL = _(
    "The server cannot write its data: the disk is full. Nothing was changed; free some disk "
    "space (or ask the administrator to), then try again."
)
READ_ONLY = _(
    "The server cannot write its data: the data folder is read-only or cannot be opened. "
    "Nothing was changed; ask the administrator to make it writable, then try again."
)

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
_READ_ONLY_ERRNOS = {errno.EROFS, errno.EACCES, errno.EPERM}
# SQLite's and PostgreSQL's words for the same conditions.
_FULL_WORDS = ("disk is full", "no space left", "could not extend file", "file too large")
# SQLite cannot even open a WAL database in a read-only folder (it needs its -shm file).
_READ_ONLY_WORDS = (
    "readonly database",
    "read-only",
    "read only file system",
    "unable to open database file",
)


def storage_error_message(error: BaseException) -> Promise | None:
    """DISK_FULL or READ_ONLY when `error` says so, else None (a real bug: let it raise)."""
    if isinstance(error, OSError) and error.errno is not None:
        if error.errno in _FULL_ERRNOS:
            return DISK_FULL
        if error.errno in _READ_ONLY_ERRNOS:
            return READ_ONLY
        return None
    if isinstance(error, DatabaseError):
        text = str(error).lower()
        if any(word in text for word in _FULL_WORDS):
            return DISK_FULL
        if any(word in text for word in _READ_ONLY_WORDS):
            return READ_ONLY
    return None


class StorageErrorMiddleware:
    """A view that hits a full disk or a read-only database answers 503 with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        message = storage_error_message(exception)
        if message is None:
            return None
        # No request context: its processors would ask the database again.
        html = render_to_string("security/refused.html", {"message": message})
        return HttpResponse(html, status=503)
