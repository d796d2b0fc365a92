"""The REST API (django-ninja): `/api/`, OpenAPI at `/api/openapi.json`, docs at `/api/docs`.

Authentication: `Authorization: Bearer kc_<company>_<secret>`, a token made on
`/profile/tokens/`. A token acts as its member, in its company only, with the member's role at
the moment of the request: every member reads; owners and finance push sales and payments,
and read receivables and the cash forecast (as they download the reports that hold them).
Errors are JSON: `{"detail": ..., "errors": [{"field", "reason", "index", "value"}]}`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from keyclients.web.accounts.models import Membership, Role
from keyclients.web.api import selectors, services
from keyclients.web.api.models import ApiToken
from keyclients.web.api.push import PushRejected

FORBIDDEN = "Your role may not do this."
UNAUTHORIZED = "Send a valid API token: Authorization: Bearer kc_..."
READ_ROLES = tuple(Role)
FINANCE_ROLES = (Role.OWNER, Role.FINANCE)


class TokenAuth(HttpBearer):
    """Bearer token -> the token; the request carries its membership."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = selectors.token_for_key(raw=token.strip())
        if found is None:
            return None
        services.token_touch(token=found)
        request.membership = found.membership  # type: ignore[attr-defined]
        return found


class ApiError(Exception):
    """An answer other than 200: `status`, a message and the fields at fault."""

    def __init__(
        self,
        status: int,
        detail: str,
        errors: list[dict[str, Any]] | None = None,
        error_count: int | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.errors = errors or []
        self.error_count = error_count


def field_error(field: str, reason: str, status: int = 400) -> ApiError:
    return ApiError(status, reason, [{"field": field, "reason": reason}])


def push_error(rejected: PushRejected) -> ApiError:
    """A push refused (nothing written) as a 400 listing each bad row."""
    return ApiError(
        400,
        rejected.message,
        [
            {"field": e.field, "reason": e.reason, "index": e.index, "value": e.value}
            for e in rejected.errors
        ],
        rejected.count,
    )


def membership(request: HttpRequest, roles: tuple[Role, ...] = READ_ROLES) -> Membership:
    """The token's membership; a role not in `roles` is a 403."""
    member: Membership = request.membership  # type: ignore[attr-defined]
    if member.role not in roles:
        raise ApiError(403, FORBIDDEN)
    return member


api = NinjaAPI(
    title="keyclients API",
    version="1",
    description=__doc__,
    auth=TokenAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, error: ApiError) -> HttpResponse:
    body: dict[str, Any] = {"detail": error.detail, "errors": error.errors}
    if error.error_count is not None:
        body["error_count"] = error.error_count
    return api.create_response(request, body, status=error.status)


def _location(loc: list[Any]) -> tuple[str, int | None]:
    """A pydantic location as a field name (and the row of a push): ("rows", 5, "amount")."""
    parts = [part for part in loc if part not in ("body", "query", "path", "payload")]
    # After the field come pydantic's names of union members ("amount", "float"): dropped.
    if len(parts) >= 2 and parts[0] == "rows" and isinstance(parts[1], int):
        return str(parts[2]) if len(parts) > 2 else "rows", parts[1]
    return str(parts[0]) if parts else "body", None


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, error: ValidationError) -> HttpResponse:
    errors = []
    for item in error.errors:
        field, index = _location(list(item.get("loc", ())))
        errors.append({"field": field, "reason": str(item.get("msg", "")), "index": index})
    body = {"detail": "The request is not valid.", "errors": errors[:100]}
    return api.create_response(request, body, status=400)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return api.create_response(request, {"detail": UNAUTHORIZED, "errors": []}, status=401)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    return api.create_response(
        request, {"detail": str(error), "errors": []}, status=error.status_code
    )


# Importing these modules registers their operations on `api`.
from keyclients.web.api import endpoints, payment_endpoints  # noqa: E402

__all__ = ["api", "endpoints", "payment_endpoints"]
