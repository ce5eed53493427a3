"""Waiting for mail: the long-poll `/wait` and the Server-Sent Event streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from ..config import Config, WaitConfig
from ..events import Subscription
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
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
    # Subscribe before looking, so a delivery between the two cannot be missed.
    with ctx.events.subscribe_inbox(inbox.id) as subscription:
        email = await ctx.store.email_after(inbox, after_seq)
        while email is None:
            remaining = deadline - loop.time()
            if remaining <= 0 or await subscription.get(remaining) is None:
                break
            email = await ctx.store.email_after(inbox, after_seq)
    if email is None:
        return ok(caller, None, WaitMeta(rate_limit=caller.rate_limit, timed_out=True, timeout=timeout))
    return ok(caller, email_detail(email, request), WaitMeta(rate_limit=caller.rate_limit, timed_out=False))


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


async def inbox_events(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    return event_stream(caller, ctx.events.subscribe_inbox(inbox.id), ctx.wait.keepalive)


async def account_events(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    return event_stream(caller, ctx.events.subscribe_account(caller.account_id), ctx.wait.keepalive)


def event_stream(caller: Caller, subscription: Subscription, keepalive: float) -> Response:
    async def stream() -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n: connected\n\n"
            while True:
                event = await subscription.get(keepalive)
                if subscription.overflowed:
                    # This reader fell behind and events were dropped: tell it to reload.
                    subscription.overflowed = False
                    yield "event: resync\ndata: {}\n\n"
                if event is None:
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
                )
                yield f"id: {event.id}\nevent: email\ndata: {json.dumps(msgspec.to_builtins(summary))}\n\n"
        finally:
            subscription.close()

    headers = {**caller.rate_headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)


def _timeout_schema(config: Config) -> dict[str, Any]:
    wait = config.wait
    return {"type": "number", "minimum": 0, "maximum": wait.max_timeout, "default": wait.default_timeout}


_STREAM = "Server-Sent Events: `event: email` with an EmailSummary as data; comment lines as keep-alives."

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
        errors=("inbox_not_found", "email_not_found", "invalid_after", "invalid_timeout"),
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
        errors=("inbox_not_found",),
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
        stream=EmailSummary,
    ),
]
