"""Inboxes and the account: create, list, view, delete."""

from __future__ import annotations

from collections.abc import Sequence

from msgspec import UNSET
from starlette.requests import Request
from starlette.responses import Response

from .. import store
from ..inboxes import InboxRefused
from . import paging
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
from .events import cursor_param
from .models import (
    Account,
    CreatedInboxMeta,
    CreateInbox,
    Inbox,
    InboxListMeta,
    InboxView,
    InboxViewMeta,
    InboxWithCount,
)
from .present import email_model, email_preview, inbox_model, inbox_of, inbox_with_count, storage_model
from .routing import UUID_RE, Operation, Param, decode, done, json_object, ok, reject_unknown_fields


async def create_inbox(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    raw = await json_object(request, ctx.http.max_body_size)
    reject_unknown_fields(raw, CreateInbox)
    try:
        # The plan's refusal comes before a username's type is looked at.
        ctx.inboxes.check_username_allowed(caller.plan_config, raw.get("username"))
        body = decode(raw, CreateInbox)
        new = await ctx.inboxes.create(caller.account_id, caller.plan, body.username, body.domain)
    except InboxRefused as refused:
        raise ApiError.of(refused.code, refused.message) from None
    meta = CreatedInboxMeta(
        rate_limit=caller.rate_limit, plan=caller.plan, available_domains=new.available_domains
    )
    return ok(caller, inbox_model(new.inbox), meta, status=201)


async def list_inboxes(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    """The contract's list (newest 50), plus paging: `limit`, `cursor` (meta.next_cursor)
    or `before` (an inbox id), `q` (part of the address), `summary=1` (with `last_seq`)."""
    params = request.query_params
    limit = paging.limit_param(params.get("limit"), 50)
    query = paging.query_param(params.get("q"))
    summary = paging.flag_param("summary", params.get("summary"))
    older_than: tuple[int, int] | None = None
    if params.get("cursor"):
        created_at, pk = paging.cursor_param(paging.INBOXES, params["cursor"], 2)
        older_than = (created_at, pk)
    elif params.get("before"):
        older_than = await ctx.store.inbox_position(params["before"], caller.account_id)
        if older_than is None:
            raise ApiError.of("inbox_not_found", "'before' names no inbox of this account.")
    rows, total, matches = await ctx.store.list_inboxes(caller.account_id, limit + 1, older_than, query)
    rows, next_cursor = paging.page_of(
        rows, limit, paging.INBOXES, lambda row: (row.inbox.created_at, row.inbox.pk)
    )
    data = [inbox_with_count(row.inbox, row.last_seq if summary else UNSET) for row in rows]
    meta = InboxListMeta(
        rate_limit=caller.rate_limit,
        total=total,
        plan=caller.plan,
        next_cursor=next_cursor,
        matches=UNSET if matches is None else matches,
        storage=storage_model(await ctx.quotas.usage(caller.account_id, caller.plan)),
    )
    return ok(caller, data, meta)


async def get_inbox(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    """The contract's view (newest 100 emails), plus paging: `limit`, `cursor` or `before`
    (an email id), `q` (subject, sender or text), `summary=1` (rows without bodies)."""
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    params = request.query_params
    limit = paging.limit_param(params.get("limit"), 100)
    query = paging.query_param(params.get("q"))
    summary = paging.flag_param("summary", params.get("summary"))
    older_than: int | None = None
    if params.get("cursor"):
        (older_than,) = paging.cursor_param(paging.EMAILS, params["cursor"], 1)
    elif params.get("before"):
        before = params["before"]
        older_than = await ctx.store.email_seq(inbox, before) if UUID_RE.match(before) else None
        if older_than is None:
            raise ApiError.of("email_not_found", "'before' names no email of this inbox.")
    after = await cursor_param(ctx, request, inbox)
    count, last_seq = await ctx.store.inbox_state(inbox)
    records: Sequence[store.Email | store.EmailPreview]
    if summary:
        records = await ctx.store.page_email_previews(inbox, limit + 1, older_than, query, after)
    else:
        records = await ctx.store.page_emails(inbox, limit + 1, older_than, query, after)
    next_cursor = None
    if len(records) > limit:
        records = records[:limit]
        next_cursor = paging.encode(paging.EMAILS, records[-1].seq)
    extended = paging.flag_param("extended", params.get("extended"))  # the dashboard's view
    rows = [
        email_preview(e, extended) if isinstance(e, store.EmailPreview) else email_model(e, extended)
        for e in records
    ]
    meta = InboxViewMeta(
        rate_limit=caller.rate_limit,
        email_count=count,
        next_cursor=next_cursor,
        last_seq=last_seq if summary else UNSET,
        matches=await ctx.store.count_matching_emails(inbox, query) if query is not None else UNSET,
    )
    if "after" in params:
        newest = max((e.event_id for e in records), default=0)
        meta.last_event_id = max(newest, after)
    return ok(caller, InboxView(inbox=inbox_model(inbox), emails=rows), meta)


async def delete_inbox(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    await ctx.store.delete_inbox(inbox.id, caller.account_id)
    return done(caller, "Inbox deleted")


async def account(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    """Who the key belongs to and what it may do (for dashboards and scripts)."""
    plan = caller.plan_config
    data = Account(
        name=caller.account_name,
        plan=caller.plan,
        available_domains=await ctx.domains.available_for(caller.account_id, plan),
        inbox_ttl_seconds=int(plan.inbox_ttl),
        custom_usernames=plan.custom_usernames,
        storage=storage_model(await ctx.quotas.usage(caller.account_id, caller.plan)),
    )
    return ok(caller, data)


INBOX = "/inbox/{inbox_id}"

OPERATIONS = [
    Operation(
        "GET",
        "/account",
        account,
        "getAccount",
        "The key's account: name, plan, domains it may use",
        data=Account,
    ),
    Operation(
        "POST",
        "/inbox",
        create_inbox,
        "createInbox",
        "Create an inbox",
        data=Inbox,
        meta=CreatedInboxMeta,
        status=201,
        body=CreateInbox,
        errors=(
            "invalid_json",
            "body_too_large",
            "premium_required",
            "username_taken",
            "invalid_field",
            "invalid_username",
            "invalid_domain",
            "domain_unavailable",
            "no_address",
        ),
    ),
    Operation(
        "GET",
        "/inbox",
        list_inboxes,
        "listInboxes",
        "List the account's active inboxes (newest first, 50 a page)",
        data=list[InboxWithCount],
        meta=InboxListMeta,
        params=paging.page_params(50, "address"),
        errors=("inbox_not_found", "invalid_limit", "invalid_cursor", "invalid_query", "invalid_flag"),
    ),
    Operation(
        "GET",
        INBOX,
        get_inbox,
        "getInbox",
        "An inbox with its 100 most recent emails (a page, newest first)",
        data=InboxView,
        meta=InboxViewMeta,
        params=(
            *paging.page_params(100, "subject, sender, text or +tag"),
            Param(
                "extended",
                "query",
                {
                    "type": "string",
                    "enum": ["0", "1", "true", "false"],
                    "description": "1: add this server's `tls` and `tag` to each email",
                },
            ),
            Param("after", "query", {"type": "string", "description": "an event id or an email id"}),
        ),
        errors=(
            "inbox_not_found",
            "email_not_found",
            "invalid_limit",
            "invalid_cursor",
            "invalid_query",
            "invalid_flag",
            "invalid_after",
        ),
    ),
    Operation(
        "DELETE",
        INBOX,
        delete_inbox,
        "deleteInbox",
        "Delete (deactivate) an inbox",
        reply="done",
        errors=("inbox_not_found",),
    ),
]
