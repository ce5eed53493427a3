"""`GET /emails?q=...`: search across the caller's inboxes (or one, with `inbox_id`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import store
from ..search import QueryError, parse
from ..store.rows import PREVIEW_CHARS
from . import paging
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
from .models import EmailHit, SearchMeta, timestamp
from .routing import UUID_RE, Operation, Param, ok

SEARCHES = "s"  # cursor kind: event id of the last result returned
MAX_SEARCH = 500


def hit_model(email: store.Email) -> EmailHit:
    return EmailHit(
        id=email.id,
        inbox_id=email.inbox_id,
        from_=email.mail_from,
        subject=email.subject,
        preview=email.text[:PREVIEW_CHARS],
        received_at=timestamp(email.received_at),
        size=email.size,
        event_id=email.event_id,
    )


async def search_emails(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    params = request.query_params
    text = params.get("q", "")
    if len(text) > MAX_SEARCH:
        raise ApiError.of("invalid_query", f"q is limited to {MAX_SEARCH} characters.")
    try:
        query = parse(text)
    except QueryError as exc:
        raise ApiError.of("invalid_query", f"{exc}.") from None
    limit = paging.limit_param(params.get("limit"), 50)
    older_than = None
    if params.get("cursor"):
        (older_than,) = paging.cursor_param(SEARCHES, params["cursor"], 1)
    after = params.get("after", "0")
    if not after.isdigit() or len(after) > 18:
        raise ApiError.of("invalid_after", "'after' must be an event id (a number).")
    inbox_pk = None
    if params.get("inbox_id") is not None:
        inbox_id = params["inbox_id"]
        inbox = await ctx.store.get_inbox(inbox_id, caller.account_id) if UUID_RE.match(inbox_id) else None
        if inbox is None:
            raise ApiError.of("inbox_not_found", "No such inbox for this account.")
        inbox_pk = inbox.pk
    found = await ctx.store.search_emails(
        caller.account_id, query, inbox_pk, limit + 1, older_than, int(after)
    )
    found, next_cursor = paging.page_of(found, limit, SEARCHES, lambda e: (e.event_id,))
    meta = SearchMeta(rate_limit=caller.rate_limit, next_cursor=next_cursor)
    return ok(caller, [hit_model(e) for e in found], meta)


OPERATIONS = [
    Operation(
        "GET",
        "/emails",
        search_emails,
        "searchEmails",
        "Search the account's emails, newest first",
        description=(
            "`q`: words and quoted phrases (subject or text), `from:`, `to:`, `subject:`, "
            "`has:attachment`, `before:`/`after:` dates (YYYY-MM-DD, UTC); every term must match. "
            "Words match whole words; `verif*` matches words starting so (2 letters or digits "
            "at least before the `*`). Pages through "
            "`meta.next_cursor`."
        ),
        data=list[EmailHit],
        meta=SearchMeta,
        params=(
            Param("q", "query", {"type": "string", "maxLength": MAX_SEARCH}),
            Param("inbox_id", "query", {"type": "string", "format": "uuid"}),
            Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": paging.MAX_LIMIT}),
            Param("cursor", "query", {"type": "string", "maxLength": 120}),
            Param("after", "query", {"type": "integer", "minimum": 0, "description": "an event id"}),
        ),
        errors=("invalid_query", "invalid_limit", "invalid_cursor", "invalid_after", "inbox_not_found"),
    ),
]
