"""One email: its detail, raw bytes, sanitized HTML, attachments; deletion."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response

from .. import store
from ..attachments import decode_slice
from ..mime import find_attachment
from .auth import Caller
from .content import content_disposition, safe_media_type, sanitize_html
from .context import ApiContext
from .errors import ApiError
from .large import email_reply, off_loop_if_large
from .models import EmailDetail
from .paging import flag_param
from .present import email_detail, email_of, inbox_of
from .routing import Operation, Param, done


async def get_email(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    email = await email_of(ctx.store, request, inbox)
    detail = email_detail(email, request)
    if flag_param("safe_html", request.query_params.get("safe_html")):
        # The sanitized HTML (as /html serves it, remote images off) in the same answer:
        # a dashboard opens an email with one request, not two.
        detail.safe_html = await off_loop_if_large(len(email.html), sanitize_html, email.html or "")
    return email_reply(caller, detail)


async def delete_email(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    email = await email_of(ctx.store, request, inbox)
    await ctx.store.delete_email(inbox, email.id)
    return done(caller, "Email deleted")


async def get_raw(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    email = await email_of(ctx.store, request, inbox)
    raw = await ctx.store.get_raw(inbox, email.id)
    headers = {
        **caller.rate_headers,
        "Content-Disposition": f'attachment; filename="{email.id}.eml"',
        "X-Content-Type-Options": "nosniff",
    }
    return Response(raw or b"", media_type="message/rfc822", headers=headers)


async def get_attachment(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    email = await email_of(ctx.store, request, inbox)
    found = await _attachment(ctx, inbox, email, request.path_params["attachment_id"])
    if found is None:
        raise ApiError.of("attachment_not_found", "No such attachment in this email.")
    data, content_type, filename = found
    headers = {
        **caller.rate_headers,
        "Content-Disposition": content_disposition(filename),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "sandbox; default-src 'none'",
    }
    return Response(data, media_type=safe_media_type(content_type), headers=headers)


async def _attachment(
    ctx: ApiContext, inbox: store.Inbox, email: store.Email, attachment_id: str
) -> tuple[bytes, str, str] | None:
    """(bytes, content type, filename): from its slice of the raw message when ingest
    recorded where it sits, else by parsing the whole message in a thread."""
    location = email.details.get("locations", {}).get(attachment_id)
    listed = [a for a in email.details.get("attachments", []) if a.get("id") == attachment_id]
    if location is not None and listed:
        start, end, encoding = location
        body = await ctx.store.get_raw_slice(inbox, email.id, start, end)
        if body is None:
            return None
        data = await off_loop_if_large(len(body), decode_slice, body, encoding)
        return data, listed[0]["content_type"], listed[0]["filename"]
    raw = await ctx.store.get_raw(inbox, email.id)
    return await asyncio.to_thread(find_attachment, raw or b"", attachment_id, ctx.limits)


async def get_html(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    email = await email_of(ctx.store, request, inbox)
    remote_images = request.query_params.get("images") in ("1", "true", "remote")
    page = await off_loop_if_large(len(email.html), sanitize_html, email.html, remote_images)
    img_src = "data: cid: https: http:" if remote_images else "data: cid:"
    headers = {
        **caller.rate_headers,
        "Content-Security-Policy": (
            f"sandbox; default-src 'none'; img-src {img_src}; style-src 'unsafe-inline';"
            " font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
        ),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
    }
    return Response(page, media_type="text/html; charset=utf-8", headers=headers)


EMAIL = "/inbox/{inbox_id}/emails/{email_id}"
_NOT_FOUND = ("inbox_not_found", "email_not_found")

OPERATIONS = [
    Operation(
        "GET",
        EMAIL,
        get_email,
        "getEmail",
        "One email with headers, attachments, links and codes",
        data=EmailDetail,
        errors=(*_NOT_FOUND, "invalid_flag"),
        params=(
            Param(
                "safe_html",
                "query",
                {"type": "string", "enum": ["0", "1", "true", "false"], "description": "1: add `safe_html`"},
            ),
        ),
    ),
    Operation(
        "DELETE", EMAIL, delete_email, "deleteEmail", "Delete one email", reply="done", errors=_NOT_FOUND
    ),
    Operation(
        "GET",
        EMAIL + "/raw",
        get_raw,
        "getRawEmail",
        "The message exactly as received",
        reply="media",
        media_type="message/rfc822",
        errors=_NOT_FOUND,
    ),
    Operation(
        "GET",
        EMAIL + "/html",
        get_html,
        "getEmailHtml",
        "The HTML body, sanitized, with a sandboxing CSP",
        reply="media",
        media_type="text/html",
        errors=_NOT_FOUND,
        params=(Param("images", "query", {"type": "string", "enum": ["0", "1", "true", "remote"]}),),
    ),
    Operation(
        "GET",
        EMAIL + "/attachments/{attachment_id}",
        get_attachment,
        "getAttachment",
        "One attachment's bytes",
        reply="media",
        media_type="application/octet-stream",
        errors=(*_NOT_FOUND, "attachment_not_found"),
    ),
]
