"""One email: its detail, raw bytes, sanitized HTML, attachments; deletion."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..mime import find_attachment
from .auth import Caller
from .content import content_disposition, safe_media_type, sanitize_html
from .context import ApiContext
from .errors import ApiError
from .models import EmailDetail
from .paging import flag_param
from .present import email_detail, email_of, inbox_of
from .routing import Operation, Param, done, ok


async def get_email(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    email = await email_of(ctx.store, request, inbox)
    detail = email_detail(email, request)
    if flag_param("safe_html", request.query_params.get("safe_html")):
        # The sanitized HTML (as /html serves it, remote images off) in the same answer:
        # a dashboard opens an email with one request, not two.
        detail.safe_html = sanitize_html(email.html or "")
    return ok(caller, detail)


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
    raw = await ctx.store.get_raw(inbox, email.id)
    found = find_attachment(raw or b"", request.path_params["attachment_id"], ctx.limits)
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


async def get_html(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    inbox = await inbox_of(ctx.store, request, caller.account_id)
    email = await email_of(ctx.store, request, inbox)
    remote_images = request.query_params.get("images") in ("1", "true", "remote")
    page = sanitize_html(email.html or "", remote_images)
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
