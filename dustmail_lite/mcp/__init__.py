"""The MCP server at /mcp (the official `mcp` SDK, Streamable HTTP): tools for agents to
create inboxes and receive mail, with email content marked untrusted and hidden text removed.

- `endpoint`: the ASGI app, its key check and the SDK's session manager
- `tools`: the tools, each one in-process request to the JSON API
- `present`: emails as tool results (the `untrusted_content` wrapper); `visible`: hidden text
"""

from __future__ import annotations

from .endpoint import McpEndpoint

__all__ = ["McpEndpoint"]
