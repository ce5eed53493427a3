"""Security headers on every response: pure ASGI, so streams pass through untouched.

Every response gets `X-Content-Type-Options: nosniff` and `Referrer-Policy:
no-referrer`. HTML that sets no policy of its own (the dashboard) gets a
Content-Security-Policy header that also forbids framing (`frame-ancestors`
cannot be set from a meta tag). The email HTML view sends its own, stricter
policy, which is kept.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
    " img-src 'self' data: cid: https: http:; font-src data:; frame-src 'self' about:;"
    " connect-src 'self'; form-action 'none'; base-uri 'none'; object-src 'none';"
    " frame-ancestors 'none'"
)

Scope = dict[str, Any]
Message = dict[str, Any]
App = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]
]


class SecurityHeaders:
    def __init__(self, app: App) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = add_headers(list(message.get("headers", [])))
            await send(message)

        await self.app(scope, receive, send_with_headers)


def add_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    present = {name.lower() for name, _ in headers}
    content_type = next((value for name, value in headers if name.lower() == b"content-type"), b"")
    extra = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"no-referrer")]
    if content_type.lower().startswith(b"text/html") and b"content-security-policy" not in present:
        extra += [(b"content-security-policy", DASHBOARD_CSP.encode()), (b"x-frame-options", b"DENY")]
    return headers + [(name, value) for name, value in extra if name not in present]
