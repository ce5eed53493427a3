"""The dry run: `POST /extract` with a raw message, the fields it would get as an email."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from ..dryrun import HeaderTooLarge, MalformedMessage, checked_message, dry_run_json
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
from .models import DryRun
from .routing import Operation, ok, read_body

MEDIA_TYPE = "message/rfc822"


async def extract_message(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != MEDIA_TYPE:
        raise ApiError.of("unsupported_media_type", f"Send the raw message with Content-Type: {MEDIA_TYPE}.")
    raw = await read_body(request, ctx.max_message_size)
    try:
        message = checked_message(raw, ctx.limits)
        # Parsed and extracted in the worker processes, within the parse budget, as for SMTP.
        email = await ctx.parser.parse(message, "", ctx.limits, ctx.parse_timeout)
        data = dry_run_json(email)
    except MalformedMessage as exc:
        raise ApiError.of("malformed_message", str(exc)) from None
    except HeaderTooLarge as exc:
        raise ApiError.of("header_too_large", str(exc)) from None
    return ok(caller, msgspec.convert(data, DryRun))


OPERATIONS = [
    Operation(
        "POST",
        "/extract",
        extract_message,
        "extractMessage",
        "Dry run: the fields a raw message would get as an email, without storing it",
        description=(
            "Send a raw RFC 5322 message as the body (`Content-Type: message/rfc822`). The answer is "
            "what an email delivered over SMTP would carry (subject, from, text, codes, links and why "
            "each was chosen); nothing is stored. The body is limited like SMTP (`smtp.max_message_size`)."
        ),
        data=DryRun,
        body_media=MEDIA_TYPE,
        body_required=True,
        errors=(
            "bad_request",
            "body_too_large",
            "header_too_large",
            "unsupported_media_type",
            "malformed_message",
        ),
    ),
]
