"""Waiting for mail: the long-poll `/wait` and the Server-Sent Event streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..config import Config, WaitConfig
from ..events import Subscription
from ..limits import Caps, Releasable, TooMany
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
from .large import email_reply
from .models import EmailDetail, EmailSummary, WaitMeta, timestamp
from .present import email_detail, inbox_of
from .routing import UUID_RE, Operation, Param, ok


async def wait(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    timeout = timeout_param(request, ctx.wait)
    after_seq = 0
    after = request.query_params.get("after")
    if after is not None:
        if not UUID_RE.match(after):
            raise ApiError.of("invalid_after", "'after' must be the id of an email of this inbox.")
        previous = await ctx.store.get_email(inbox, after)
        if previous is None:
            raise ApiError.of("email_not_found", "'after' names no email of this inbox.")
        after_seq = previous.seq
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    recheck = ctx.wait.key_recheck
    # Subscribe before looking, so a delivery between the two cannot be missed.
    # The slot is given back (on every node, when shared) before the answer goes out.
    async with await slot(ctx.waits, caller, "too_many_waits", "waits"):
        with ctx.events.subscribe_inbox(inbox.id) as subscription:
            email = await ctx.store.email_after(inbox, after_seq)
            while email is None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                if await subscription.get(min(remaining, recheck)) is None:
                    await still_authorized(ctx, caller)
                    continue
                email = await ctx.store.email_after(inbox, after_seq)
    if email is None:
        return ok(caller, None, WaitMeta(rate_limit=caller.rate_limit, timed_out=True, timeout=timeout))
    meta = WaitMeta(rate_limit=caller.rate_limit, timed_out=False)
    return email_reply(caller, email_detail(email, request), meta)


def timeout_param(request: Request, wait: WaitConfig) -> float:
    text = request.query_params.get("timeout")
    if text is None:
        return wait.default_timeout
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    maximum = wait.max_timeout
    if not (0 <= value <= maximum):
        raise ApiError.of("invalid_timeout", f"timeout must be a number of seconds from 0 to {maximum:g}.")
    return value


async def slot(caps: Caps, caller: Caller, code: str, what: str) -> Releasable:
    """A per-account slot for a long request, or 429 `code` when all are taken."""
    try:
        return await caps.claim(caller.account_id)
    except TooMany:
        raise ApiError.of(
            code,
            f"This account already has {caps.limit} {what} open; close one first.",
            {**caller.rate_headers, "Retry-After": "5"},
        ) from None


async def still_authorized(ctx: ApiContext, caller: Caller) -> None:
    """401 once the caller's key is revoked (a wait outlives the request's authentication)."""
    if not await ctx.store.key_is_active(caller.key_id):
        raise ApiError.of("unauthorized", "This API key was revoked.")


async def inbox_events(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    taken = await slot(ctx.streams, caller, "too_many_streams", "event streams")
    return event_stream(ctx, caller, ctx.events.subscribe_inbox(inbox.id), taken)


async def account_events(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    taken = await slot(ctx.streams, caller, "too_many_streams", "event streams")
    return event_stream(ctx, caller, ctx.events.subscribe_account(caller.account_id), taken)


class ReleasingStream(StreamingResponse):
    """A stream that gives back its slot and subscription however it ends, even unstarted."""

    def __init__(self, finished: Callable[[], None], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.finished = finished

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self.finished()


def event_stream(ctx: ApiContext, caller: Caller, subscription: Subscription, taken: Releasable) -> Response:
    keepalive = ctx.wait.keepalive
    recheck = min(keepalive, ctx.wait.key_recheck)

    async def stream() -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        try:
            yield "retry: 2000\n: connected\n\n"
            quiet_since = loop.time()
            while True:
                event = await subscription.get(recheck)
                if subscription.overflowed:
                    # This reader fell behind and events were dropped: tell it to reload.
                    subscription.overflowed = False
                    yield "event: resync\ndata: {}\n\n"
                if event is None:
                    if not await ctx.store.key_is_active(caller.key_id):
                        yield "event: revoked\ndata: {}\n\n"  # and the stream ends
                        return
                    if loop.time() - quiet_since >= keepalive - 0.001:
                        quiet_since = loop.time()
                        yield ": keep-alive\n\n"
                    continue
                summary = EmailSummary(
                    id=event.id,
                    inbox_id=event.inbox_id,
                    from_=event.mail_from,
                    subject=event.subject,
                    received_at=timestamp(event.received_at),
                    preview=event.preview,
                    has_html=event.has_html,
                    size=event.size,
                    seq=event.seq,
                    email_count=event.email_count,
                    tls=event.tls,
                    tag=event.tag,
                )
                yield f"id: {event.id}\nevent: email\ndata: {json.dumps(msgspec.to_builtins(summary))}\n\n"
        finally:
            subscription.close()

    def finished() -> None:
        taken()
        subscription.close()

    headers = {**caller.rate_headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return ReleasingStream(finished, stream(), media_type="text/event-stream", headers=headers)


def _timeout_schema(config: Config) -> dict[str, Any]:
    wait = config.wait
    return {"type": "number", "minimum": 0, "maximum": wait.max_timeout, "default": wait.default_timeout}


_STREAM = (
    "Server-Sent Events: `event: email` with an EmailSummary as data; comment lines as keep-alives;"
    " `event: resync` when the reader fell behind; `event: revoked`, then the end, once the key is revoked."
)

OPERATIONS = [
    Operation(
        "GET",
        "/inbox/{inbox_id}/wait",
        wait,
        "waitForEmail",
        "Wait for the oldest email newer than `after` (or the first email)",
        description=(
            "Returns at once if such an email exists, else as soon as one is delivered. "
            "When `timeout` seconds pass first, the answer is 200 with `data: null` and "
            "`meta.timed_out: true`: never mistaken for an email."
        ),
        data=EmailDetail | None,
        meta=WaitMeta,
        params=(
            Param("after", "query", {"type": "string", "format": "uuid"}),
            Param("timeout", "query", _timeout_schema),
        ),
        errors=("inbox_not_found", "email_not_found", "invalid_after", "invalid_timeout", "too_many_waits"),
    ),
    Operation(
        "GET",
        "/inbox/{inbox_id}/events",
        inbox_events,
        "inboxEvents",
        "Live events of one inbox",
        description=_STREAM,
        reply="media",
        media_type="text/event-stream",
        errors=("inbox_not_found", "too_many_streams"),
        stream=EmailSummary,
    ),
    Operation(
        "GET",
        "/events",
        account_events,
        "accountEvents",
        "Live events of every inbox of the account",
        description=_STREAM,
        reply="media",
        media_type="text/event-stream",
        errors=("too_many_streams",),
        stream=EmailSummary,
    ),
]
