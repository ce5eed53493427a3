"""The one error shape `{"success": false, "error": {"code", "message"}}`: every code the
API answers with, its HTTP status, and the exception handlers the app installs."""

from __future__ import annotations

import logging
from typing import Literal

import msgspec
import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from ..store import StoreUnavailable

log = logging.getLogger(__name__)

# code -> (HTTP status, what it means). The OpenAPI document lists these per operation.
ERRORS: dict[str, tuple[int, str]] = {
    "bad_request": (400, "Malformed request"),
    "invalid_json": (400, "The body is not a JSON object"),
    "unauthorized": (401, "Missing, unknown, malformed or revoked API key"),
    "premium_required": (403, "The key's plan does not allow this request"),
    "not_found": (404, "No such endpoint"),
    "inbox_not_found": (404, "No such inbox for this account"),
    "email_not_found": (404, "No such email in this inbox"),
    "attachment_not_found": (404, "No such attachment in this email"),
    "domain_not_found": (404, "No such domain on this account"),
    "webhook_not_found": (404, "No such webhook on this account"),
    "method_not_allowed": (405, "Method not allowed on this endpoint"),
    "username_taken": (409, "The address is taken or still reserved"),
    "domain_taken": (409, "A shared domain, or claimed by another account"),
    "body_too_large": (413, "Request body too large"),
    "header_too_large": (413, "The message's header block is over the SMTP limit"),
    "request_head_too_large": (431, "The request line and headers are over 64 KB"),
    "unsupported_media_type": (415, "The body's Content-Type is not the one this endpoint reads"),
    "invalid_field": (422, "Unknown field in the body, or a field of the wrong type"),
    "invalid_username": (422, "The username breaks the rules"),
    "invalid_domain": (422, "Not a usable domain name"),
    "domain_unavailable": (422, "The domain is not available to this account"),
    "invalid_after": (422, "'after' / Last-Event-ID is neither an event id nor an email id"),
    "invalid_webhook_url": (422, "Not a usable webhook URL"),
    "webhook_target_refused": (422, "The webhook URL resolves to a loopback, private or link-local address"),
    "too_many_webhooks": (422, "The account has as many webhooks as allowed"),
    "invalid_timeout": (422, "timeout out of range"),
    "invalid_limit": (422, "limit out of range"),
    "invalid_cursor": (422, "Not a cursor of this list"),
    "invalid_query": (422, "q too long, or a search query that cannot be understood"),
    "invalid_flag": (422, "A flag parameter other than 1, true, 0 or false"),
    "malformed_message": (422, "The body is not an RFC 5322 message"),
    "unprocessable": (422, "Invalid request"),
    "rate_limited": (429, "Too many requests (see Retry-After)"),
    "too_many_auth_failures": (429, "Too many failed authentications from this address"),
    "too_many_streams": (429, "The account has its maximum of event streams open"),
    "too_many_waits": (429, "The account has its maximum of waits under way"),
    "internal_error": (500, "Internal error; nothing was changed"),
    "mcp_unavailable": (501, "The MCP server is not installed (the `mcp` extra)"),
    "no_address": (503, "No free random address found; try again"),
    "service_unavailable": (503, "The database cannot be reached; try again (see Retry-After)"),
}

# Framework errors (routing, methods) by status; anything else is `http_error`.
_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
    422: "unprocessable",
}
_HTTP_MESSAGES = {404: "No such endpoint.", 405: "Method not allowed on this endpoint."}


class ApiError(Exception):
    """An HTTP error in the one error shape."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}

    @classmethod
    def of(cls, code: str, message: str, headers: dict[str, str] | None = None) -> ApiError:
        """The error `code` of the catalogue, with its status."""
        return cls(ERRORS[code][0], code, message, headers)


class ErrorDetail(msgspec.Struct):
    code: str
    message: str


class Error(msgspec.Struct):
    """Every error answer."""

    success: Literal[False]
    error: ErrorDetail


def _builtins(value: object) -> object:
    if isinstance(value, msgspec.Struct):
        return msgspec.to_builtins(value)
    raise TypeError(f"cannot encode {type(value).__name__}")


class JSONResponse(Response):
    """JSON of wire models (msgspec Structs), dicts and lists, encoded by orjson: an inbox
    view is ~100 emails with full bodies, and orjson writes long strings several times
    faster than msgspec's encoder or the standard one."""

    media_type = "application/json"

    def render(self, content: object) -> bytes:
        return orjson.dumps(content, default=_builtins)


def error_response(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(Error(False, ErrorDetail(code, message)), status_code=status, headers=headers)


async def api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    return error_response(exc.status_code, code, message, dict(exc.headers or {}))


async def internal_error(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal_error", "Internal server error; nothing was changed.")


async def store_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("database unreachable on %s %s: %s", request.method, request.url.path, exc)
    return error_response(
        503,
        "service_unavailable",
        "The database cannot be reached; nothing was changed. Try again shortly.",
        {"Retry-After": "5"},
    )


EXCEPTION_HANDLERS = {
    ApiError: api_error,
    HTTPException: http_error,
    StoreUnavailable: store_unavailable,
    Exception: internal_error,
}
