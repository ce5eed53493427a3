"""The MCP server at /mcp (the official `mcp` SDK, Streamable HTTP): tools for agents to
create inboxes and receive mail, with email content marked untrusted and hidden text removed.

- `endpoint`: the ASGI app, its key check and the SDK's session manager
- `tools`: the tools, each one in-process request to the JSON API
- `present`: emails as tool results (the `untrusted_content` wrapper); `visible`: hidden text

The SDK comes with the `mcp` extra (`pip install 'dustmail-lite[mcp]'`): it and what it
needs (pydantic, cryptography, jsonschema, ...) are some 40 MB, which a mail sink or the
container image should not have to carry. Without it, /mcp answers 501 and says how to
get it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

from starlette.types import Receive, Scope, Send

from ..api.errors import error_response

if TYPE_CHECKING:
    from ..api.auth import Authenticator

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'dustmail-lite[mcp]'"


class Endpoint(Protocol):
    def run(self) -> contextlib.AbstractAsyncContextManager[None]: ...

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class McpUnavailable:
    """/mcp on a server installed without the `mcp` extra."""

    @contextlib.asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        yield

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = f"This server was installed without the MCP server; install it with: {INSTALL_HINT}"
        await error_response(501, "mcp_unavailable", message)(scope, receive, send)


def mcp_endpoint(auth: Authenticator) -> Endpoint:
    """The MCP endpoint, or `McpUnavailable` when the SDK is not installed."""
    try:
        from .endpoint import McpEndpoint
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] != "mcp":
            raise
        log.info("MCP server at /mcp: not installed (%s)", INSTALL_HINT)
        return McpUnavailable()
    return McpEndpoint(auth)


__all__ = ["Endpoint", "McpUnavailable", "mcp_endpoint"]
