"""Request size limit and security headers, for every response of the app.

`UploadLimitMiddleware` comes first in MIDDLEWARE: it refuses a body larger than
`settings.UPLOAD_MAX_BYTES` from its declared Content-Length before any other middleware (CSRF
reads the form) or view touches it, and caps what can be read of a body whose length was not
declared truthfully. `keyclients serve` gives waitress the same limit (`server_body_limit`), so
waitress refuses a too-large body — declared or chunked — while receiving it, before the app runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

UPLOAD_TOO_LARGE = _(
    "The request is too large: at most %(limit)s MB can be uploaded at once. "
    "Split the file by period, or export it to CSV without extra columns."
)
BAD_LENGTH = _("The request declares a length that is not a number.")
# Room for the multipart envelope (boundaries, the other fields) around the largest file.
ENVELOPE_BYTES = 1 << 20

# Scripts only from the app itself (the chart specs are JSON blocks read by a static script,
# and Vega evaluates its expressions with its interpreter, not eval); no plugin, no framing.
# Styles: the app's stylesheets plus the inline style attributes that Vega puts on its SVG.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"


def server_body_limit() -> int:
    """The largest request body the server accepts: the upload limit plus the envelope."""
    return int(settings.UPLOAD_MAX_BYTES) + ENVELOPE_BYTES


class _CappedStream:
    """Wraps the request's body stream: reading past `limit` bytes marks the request and
    raises RequestDataTooBig (Django answers 400; the middleware makes it a 413)."""

    def __init__(self, stream: Any, limit: int, request: HttpRequest) -> None:
        self.stream = stream
        self.limit = limit
        self.request = request
        self.read_so_far = 0

    def _count(self, data: bytes) -> bytes:
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            self.request._keyclients_too_large = True  # type: ignore[attr-defined]
            raise RequestDataTooBig("the request body is larger than the upload limit")
        return data

    def read(self, size: int = -1) -> bytes:
        return self._count(self.stream.read(size))

    def readline(self, size: int = -1) -> bytes:
        return self._count(self.stream.readline(size))

    def __iter__(self) -> Any:
        return iter(self.readline, b"")

    def close(self) -> None:
        close = getattr(self.stream, "close", None)
        if close is not None:
            close()


def _too_large(limit: int) -> HttpResponse:
    message = UPLOAD_TOO_LARGE % {"limit": limit // (1 << 20)}
    html = render_to_string("security/refused.html", {"message": message})
    response = HttpResponse(html, status=413)
    # The client may still be sending: tell it the connection ends here.
    response["Connection"] = "close"
    return response


class UploadLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = server_body_limit()
        declared = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(declared)
        except ValueError:
            html = render_to_string("security/refused.html", {"message": BAD_LENGTH})
            return HttpResponse(html, status=400)
        if length > limit:
            return _too_large(int(settings.UPLOAD_MAX_BYTES))
        stream = getattr(request, "_stream", None)
        if stream is not None:
            request._stream = _CappedStream(stream, limit, request)  # type: ignore[attr-defined]
        response = self.get_response(request)
        if getattr(request, "_keyclients_too_large", False):
            return _too_large(int(settings.UPLOAD_MAX_BYTES))
        return response


class SecurityHeadersMiddleware:
    """Content-Security-Policy and Permissions-Policy; Django's SecurityMiddleware and
    XFrameOptionsMiddleware set nosniff, Referrer-Policy, COOP and X-Frame-Options."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
