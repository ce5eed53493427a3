"""`/mcp`: the MCP server over Streamable HTTP, behind the API's own key check.

Every request must present an active API key in `Authorization: Bearer dm_live_...` (or
`X-API-Key`), never in the URL; anything else is the API's `401` in the API's error shape,
and repeated failures from one address get its `429`. The check only identifies the key:
the tool calls behind it are what count against the rate limit (`tools.py`).

The server is stateless (a new transport per POST, JSON answers): no MCP session outlives
its request, so none can be picked up by another key, and there is nothing to bound or
expire between requests. DNS-rebinding protection (a Host allow-list) is left off: a
browser page cannot add the Authorization header, so a rebound page has no way in, and an
allow-list would refuse every proxied hostname.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.transport_security import TransportSecuritySettings
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from ..api.auth import Authenticator
from ..api.errors import ApiError, error_response
from .tools import build_server

MAX_REQUEST_BODY = 64 * 1024  # a tool call's JSON-RPC message is small


class McpEndpoint:
    """The ASGI app mounted at /mcp; `run()` belongs in the app's lifespan."""

    def __init__(self, auth: Authenticator) -> None:
        self.auth = auth
        self.server = build_server()
        # Builds the session manager; the Starlette app it returns is not used, this
        # endpoint takes its place in front of the manager.
        self.server.streamable_http_app(
            stateless_http=True,
            json_response=True,
            max_request_body_size=MAX_REQUEST_BODY,
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        self.sessions = self.server.session_manager

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        async with self.sessions.run():
            yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            await self.auth.identify(request)
            self._check(request)
        except ApiError as exc:
            response = error_response(exc.status, exc.code, exc.message, exc.headers)
            await response(scope, receive, send)
            return
        await self.sessions.handle_request(scope, receive, send)

    @staticmethod
    def _check(request: Request) -> None:
        # POST only: a stateless server has no event stream to GET (the spec's answer is 405)
        # and no session to DELETE; a GET stream would hold a connection open for nothing.
        if request.method != "POST":
            raise ApiError(
                405, "method_not_allowed", "MCP over Streamable HTTP: POST only here.", {"Allow": "POST"}
            )
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > MAX_REQUEST_BODY:
            raise ApiError.of("body_too_large", f"MCP messages are limited to {MAX_REQUEST_BODY} bytes.")
