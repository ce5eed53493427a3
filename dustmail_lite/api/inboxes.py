"""Inboxes and the account: create, list, view, delete."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..inboxes import InboxRefused
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
from .present import email_model, inbox_model, inbox_of, inbox_with_count
from .routing import Operation, Param, decode, done, json_object, ok, reject_unknown_fields


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
    inboxes, total = await ctx.store.list_inboxes(caller.account_id)
    meta = InboxListMeta(rate_limit=caller.rate_limit, total=total, plan=caller.plan)
    return ok(caller, [inbox_with_count(i) for i in inboxes], meta)


async def get_inbox(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    after = await cursor_param(ctx, request, inbox)
    emails = await ctx.store.recent_emails(inbox, 100, after)
    view = InboxView(inbox=inbox_model(inbox), emails=[email_model(e) for e in emails])
    meta = InboxViewMeta(rate_limit=caller.rate_limit, email_count=inbox.email_count)
    if "after" in request.query_params:
        meta.last_event_id = max((e.event_id for e in emails), default=after)
    return ok(caller, view, meta)


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
        "List the account's active inboxes (newest first, up to 50)",
        data=list[InboxWithCount],
        meta=InboxListMeta,
    ),
    Operation(
        "GET",
        INBOX,
        get_inbox,
        "getInbox",
        "An inbox with its 100 most recent emails (only those past `after`, when given)",
        data=InboxView,
        meta=InboxViewMeta,
        params=(Param("after", "query", {"type": "string", "description": "an event id or an email id"}),),
        errors=("inbox_not_found", "invalid_after", "email_not_found"),
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
