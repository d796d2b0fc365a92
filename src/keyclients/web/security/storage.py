"""A full disk, a read-only data folder or a database that is restarting is an operating
condition, not a bug: it gets a clear message (and an HTTP 503), the import is marked failed with
it, and nothing is half-written. The next request after the database is back is served as usual
(Django checks a kept connection before reusing it)."""

from __future__ import annotations

import errno
import logging
import sys
from collections.abc import Callable

from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
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

UNAVAILABLE = _(
    "The database is not answering (it may be restarting). Nothing was changed; try again in "
    "a minute."
)
RETRY_AFTER_SECONDS = 30

logger = logging.getLogger(__name__)

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


# PostgreSQL's (psycopg's) words for a server that is gone, stopping or not yet started.
_UNAVAILABLE_WORDS = (
    "connection refused",
    "could not connect",
    "connection failed",
    "server closed the connection",
    "terminating connection",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "connection already closed",
    "connection is closed",
    "consuming input failed",
    "no connection to the server",
    "connection timeout expired",
)


def storage_error_message(error: BaseException) -> Promise | None:
    """DISK_FULL, READ_ONLY or UNAVAILABLE when `error` says so, else None (a real bug: let
    it raise)."""
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
        if isinstance(error, OperationalError | InterfaceError) and any(
            word in text for word in _UNAVAILABLE_WORDS
        ):
            return UNAVAILABLE
    return None


def refusal_response(request: HttpRequest, message: Promise) -> HttpResponse:
    """The 503 of an operating condition: JSON for the API, a plain page otherwise. No
    request context: its processors would ask the database again."""
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": str(message)}, status=503)
    else:
        html = render_to_string("security/refused.html", {"message": message})
        response = HttpResponse(html, status=503)
    if message == UNAVAILABLE:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: an operating condition raised outside a view (a session saved
    while the database restarts) still gets its 503; anything else is Django's own 500."""
    error = sys.exc_info()[1]
    message = None if error is None else storage_error_message(error)
    if message is not None:
        return refusal_response(request, message)
    from django.views.defaults import server_error as django_server_error

    return django_server_error(request)


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
        logger.warning("%s %s refused: %s", request.method, request.path, exception)
        return refusal_response(request, message)
