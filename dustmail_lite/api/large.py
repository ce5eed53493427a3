"""Big bodies without O(message size) work in one go on the event loop: an email whose
bodies are large is encoded a slice at a time into a streamed response, and decoding an
attachment or sanitizing HTML past a size runs in a thread."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import msgspec
import orjson
from starlette.responses import Response, StreamingResponse

from .models import EmailDetail, ResponseMeta
from .routing import ok

# Bodies past this many characters are streamed as JSON pieces of SLICE characters.
STREAM_BODIES_OVER = 512 * 1024
SLICE = 256 * 1024
# Decoding and sanitizing past this many bytes or characters run in a thread.
OFF_LOOP_OVER = 64 * 1024

T = TypeVar("T")


def email_reply(caller: Any, detail: EmailDetail, meta: ResponseMeta | None = None) -> Response:
    """`ok(caller, detail, meta)`, streamed when the bodies are large."""
    safe_html = detail.safe_html if isinstance(detail.safe_html, str) else ""
    if len(detail.text) + len(detail.html) + len(safe_html) <= STREAM_BODIES_OVER:
        return ok(caller, detail, meta)
    meta = meta or ResponseMeta(rate_limit=caller.rate_limit)
    return StreamingResponse(
        _streamed(detail, meta), media_type="application/json", headers=caller.rate_headers
    )


async def _streamed(detail: EmailDetail, meta: ResponseMeta) -> AsyncIterator[bytes]:
    data = msgspec.to_builtins(detail)
    bodies = [name for name in ("text", "html", "safe_html") if isinstance(data.get(name), str)]
    rest = {k: v for k, v in data.items() if k not in bodies}
    yield b'{"success":true,"data":' + orjson.dumps(rest)[:-1]
    for name in bodies:
        body: str = data[name]
        yield b',"' + name.encode() + b'":"'
        for start in range(0, len(body), SLICE):
            yield orjson.dumps(body[start : start + SLICE])[1:-1]
            await asyncio.sleep(0)
        yield b'"'
    yield b'},"meta":' + orjson.dumps(msgspec.to_builtins(meta)) + b"}"


async def off_loop_if_large(size: int, function: Callable[..., T], *args: Any) -> T:
    """`function(*args)`, in a thread when `size` says the work is large."""
    if size > OFF_LOOP_OVER:
        return await asyncio.to_thread(function, *args)
    return function(*args)
