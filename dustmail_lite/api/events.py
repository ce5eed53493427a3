"""Waiting for mail: the long-poll `/wait` and the Server-Sent Event streams."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import msgspec
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from .. import store
from ..config import Config, WaitConfig
from ..events import Subscription
from ..limits import Caps, Releasable, TooMany
from ..store import StoredEmail
from ..store.rows import PREVIEW_CHARS
from . import paging
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
    after = await cursor_param(ctx, request, inbox)
    claim = paging.flag_param("claim", request.query_params.get("claim"))

    async def look() -> store.Email | None:
        if claim:
            return await ctx.store.claim_next(inbox, after)
        return await ctx.store.email_after(inbox, after)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    recheck = ctx.wait.key_recheck
    # Subscribe before looking, so a delivery between the two cannot be missed.
    # The slot is given back (on every node, when shared) before the answer goes out.
    async with await slot(ctx.waits, caller, "too_many_waits", "waits"):
        with ctx.events.subscribe_inbox(inbox.id) as subscription:
            email = await look()
            while email is None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                if await subscription.get(min(remaining, recheck)) is None:
                    await still_authorized(ctx, caller)
                    continue
                email = await look()
    if email is None:
        return ok(caller, None, WaitMeta(rate_limit=caller.rate_limit, timed_out=True, timeout=timeout))
    meta = WaitMeta(rate_limit=caller.rate_limit, timed_out=False, event_id=email.event_id)
    return email_reply(caller, email_detail(email, request), meta)


async def cursor_param(ctx: ApiContext, request: Request, inbox: store.Inbox, name: str = "after") -> int:
    """`after`: an event id (a number) or, as before, the id of an email of this inbox."""
    text = request.query_params.get(name)
    if text is None:
        return 0
    if text.isdigit() and len(text) <= 18:
        return int(text)
    if not UUID_RE.match(text):
        raise ApiError.of(
            "invalid_after", f"'{name}' must be an event id or the id of an email of this inbox."
        )
    previous = await ctx.store.get_email(inbox, text)
    if previous is None:
        raise ApiError.of("email_not_found", f"'{name}' names no email of this inbox.")
    return previous.event_id


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


def last_event_id(request: Request) -> int | None:
    """Where a reconnecting client left off: the `Last-Event-ID` header (EventSource sends it
    by itself), or `?last_event_id=` for a first connection that resumes."""
    text = request.headers.get("last-event-id") or request.query_params.get("last_event_id")
    if text is None or text == "":
        return None
    text = text.strip()
    if not text.isdigit() or len(text) > 18:
        raise ApiError.of("invalid_after", "Last-Event-ID must be an event id (a number).")
    return int(text)


async def inbox_events(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    taken = await slot(ctx.streams, caller, "too_many_streams", "event streams")
    return await event_stream(ctx, request, caller, inbox, taken)


async def account_events(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    taken = await slot(ctx.streams, caller, "too_many_streams", "event streams")
    return await event_stream(ctx, request, caller, None, taken)


def _event_text(email: store.Email | StoredEmail) -> str:
    if isinstance(email, StoredEmail):
        summary = EmailSummary(
            id=email.id,
            inbox_id=email.inbox_id,
            from_=email.mail_from,
            subject=email.subject,
            received_at=timestamp(email.received_at),
            preview=email.preview,
            has_html=email.has_html,
            size=email.size,
            seq=email.seq,
            email_count=email.email_count,
            tls=email.tls,
            tag=email.tag,
        )
    else:  # replayed from the store: the inbox's count of that moment is not known
        summary = EmailSummary(
            id=email.id,
            inbox_id=email.inbox_id,
            from_=email.mail_from,
            subject=email.subject,
            received_at=timestamp(email.received_at),
            preview=email.text[:PREVIEW_CHARS],
            has_html=bool(email.html),
            size=email.size,
            seq=email.seq,
            email_count=None,
            tls=email.tls,
            tag=email.tag,
        )
    return f"id: {email.event_id}\nevent: email\ndata: {json.dumps(msgspec.to_builtins(summary))}\n\n"


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


async def event_stream(
    ctx: ApiContext, request: Request, caller: Caller, inbox: store.Inbox | None, taken: Releasable
) -> Response:
    """Events past the client's Last-Event-ID from the store, then live ones, each once.

    The cursor is read before subscribing and the store replayed after: whatever commits in
    between is in the replay, whatever commits later is in the queue; ids at or below the
    last one sent are skipped. A reader that falls behind (its queue overflowed) is caught
    up from the store the same way. When several nodes share the store, an event past a gap
    in the ids is preceded by the gap's events read from the store (another node's earlier
    email may be heard after a later one)."""
    try:
        resume = last_event_id(request)
        cursor = resume if resume is not None else await ctx.store.last_event_id(caller.account_id)
    except BaseException:
        taken()
        raise
    if inbox is not None:
        subscription = ctx.events.subscribe_inbox(inbox.id)
    else:
        subscription = ctx.events.subscribe_account(caller.account_id)
    stream = _stream(ctx, caller, inbox, subscription, cursor, catch_up=resume is not None)

    def finished() -> None:
        taken()
        subscription.close()

    headers = {**caller.rate_headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return ReleasingStream(finished, stream, media_type="text/event-stream", headers=headers)


async def _replay(
    ctx: ApiContext, caller: Caller, inbox: store.Inbox | None, after: int, before: int | None = None
) -> AsyncIterator[tuple[int, str]]:
    """Stored events past `after` (and before `before`), oldest first, in batches."""
    while True:
        batch = await ctx.store.events_after(caller.account_id, after, inbox, 500, before)
        for email in batch:
            after = email.event_id
            yield after, _event_text(email)
        if len(batch) < 500:
            return


async def _stream(
    ctx: ApiContext,
    caller: Caller,
    inbox: store.Inbox | None,
    subscription: Subscription,
    cursor: int,
    catch_up: bool,
) -> AsyncIterator[str]:
    """The SSE body: replay when asked (or after an overflow), then live events; keep-alives,
    and the end of the stream within `key_recheck` of the key's revocation."""
    keepalive = ctx.wait.keepalive
    recheck = min(keepalive, ctx.wait.key_recheck)
    loop = asyncio.get_running_loop()
    last = cursor
    try:
        yield "retry: 2000\n: connected\n\n"
        quiet_since = loop.time()
        while True:
            if catch_up:
                subscription.drain()
                async for event_id, text in _replay(ctx, caller, inbox, last):
                    last = event_id
                    yield text
                catch_up = False
            event = await subscription.get(recheck)
            if subscription.overflowed:
                subscription.overflowed = False
                catch_up = True  # events were dropped from the queue: read them from the store
                continue
            if event is None:
                if not await ctx.store.key_is_active(caller.key_id):
                    yield "event: revoked\ndata: {}\n\n"  # and the stream ends
                    return
                if loop.time() - quiet_since >= keepalive - 0.001:
                    quiet_since = loop.time()
                    yield ": keep-alive\n\n"
            elif event.event_id > last:
                if event.event_id != last + 1 and not ctx.store.events_in_commit_order:
                    # An earlier email from another node may still be on its way: it is
                    # committed (ids are taken under the account's lock), so read it.
                    async for _, text in _replay(ctx, caller, inbox, last, before=event.event_id):
                        yield text
                last = event.event_id
                yield _event_text(event)
    finally:
        subscription.close()


def _timeout_schema(config: Config) -> dict[str, Any]:
    wait = config.wait
    return {"type": "number", "minimum": 0, "maximum": wait.max_timeout, "default": wait.default_timeout}


_STREAM = (
    "Server-Sent Events: `event: email` with an EmailSummary as data and its event id as `id:`; "
    "comment lines as keep-alives; `event: revoked`, then the end, once the key is revoked. A client "
    "that reconnects with `Last-Event-ID` (or `?last_event_id=`) first gets every stored email past "
    "that id, then live ones: none missed, none twice (a reader that fell behind is caught up the "
    "same way)."
)
_CURSOR = {"type": "string", "description": "an event id (digits) or an email id (uuid)"}
_RESUME = Param("last_event_id", "query", {"type": "integer", "minimum": 0})

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
            "`meta.timed_out: true`: never mistaken for an email. `after` is an event id or an "
            "email id. With `claim=true` the answer is the oldest email nobody has claimed yet, "
            "claimed for this caller atomically: parallel workers sharing one inbox each get "
            "different emails, none twice."
        ),
        data=EmailDetail | None,
        meta=WaitMeta,
        params=(
            Param("after", "query", _CURSOR),
            Param("timeout", "query", _timeout_schema),
            Param("claim", "query", {"type": "boolean", "default": False}),
        ),
        errors=(
            "inbox_not_found",
            "email_not_found",
            "invalid_after",
            "invalid_timeout",
            "invalid_flag",
            "too_many_waits",
        ),
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
        params=(_RESUME,),
        errors=("inbox_not_found", "too_many_streams", "invalid_after"),
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
        params=(_RESUME,),
        errors=("too_many_streams", "invalid_after"),
        stream=EmailSummary,
    ),
]
