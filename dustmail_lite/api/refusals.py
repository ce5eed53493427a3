"""`GET /refusals`: mail refused for the account's addresses, and why."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..store.refusals import Refusal as StoredRefusal
from . import paging
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
from .models import Refusal, RefusalListMeta, timestamp
from .routing import UUID_RE, Operation, Param, ok

REFUSALS = "r"  # cursor kind: id of the last refusal returned


def refusal_model(r: StoredRefusal) -> Refusal:
    return Refusal(
        at=timestamp(r.at),
        stage=r.stage,
        client_address=r.client_ip,
        sender=r.mail_from,
        recipient=r.rcpt,
        domain=r.domain,
        inbox_id=r.inbox_id,
        reply=r.reply,
        reason=r.reason,
    )


async def list_refusals(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    params = request.query_params
    inbox_id = params.get("inbox_id")
    if inbox_id is not None and not UUID_RE.match(inbox_id):
        raise ApiError.of("inbox_not_found", "No such inbox for this account.")
    limit = paging.limit_param(params.get("limit"), 100)
    before = None
    if params.get("cursor"):
        (before,) = paging.cursor_param(REFUSALS, params["cursor"], 1)
    found = await ctx.store.list_refusals(
        caller.account_id, limit + 1, before, inbox_id, params.get("domain")
    )
    found, next_cursor = paging.page_of(found, limit, REFUSALS, lambda r: (r.id,))
    meta = RefusalListMeta(rate_limit=caller.rate_limit, next_cursor=next_cursor)
    return ok(caller, [refusal_model(r) for r in found], meta)


OPERATIONS = [
    Operation(
        "GET",
        "/refusals",
        list_refusals,
        "listRefusals",
        "Mail refused for the account's addresses (newest first): why mail did not arrive",
        description=(
            "SMTP refusals at RCPT and DATA for addresses of the account's inboxes (also ended "
            "ones) and of its verified domains, kept for `[refusals] keep`. Nothing about other "
            "accounts' addresses. `inbox_id` or `domain` narrow the list."
        ),
        data=list[Refusal],
        meta=RefusalListMeta,
        params=(
            Param("inbox_id", "query", {"type": "string", "format": "uuid"}),
            Param("domain", "query", {"type": "string"}),
            Param("limit", "query", {"type": "integer", "minimum": 1, "maximum": paging.MAX_LIMIT}),
            Param("cursor", "query", {"type": "string", "maxLength": 120}),
        ),
        errors=("invalid_limit", "invalid_cursor", "inbox_not_found"),
    ),
]
