"""Store records -> wire models, and the records a path names (404 when not the caller's)."""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType
from starlette.requests import Request

from .. import dryrun, store
from ..quota import Usage
from ..store.schema import VIEW_BODY_CHARS
from .errors import ApiError
from .models import (
    Attachment,
    Email,
    EmailDetail,
    EmailPreview,
    Extracted,
    Header,
    Inbox,
    InboxWithCount,
    Storage,
    timestamp,
)
from .routing import UUID_RE

# The inbox view cuts each email's text and html to this many characters (at most 32 KB
# of UTF-8) and marks the email "truncated"; the email itself always has whole bodies.
INBOX_VIEW_BODY_CHARS = VIEW_BODY_CHARS


def inbox_model(inbox: store.Inbox) -> Inbox:
    return Inbox(
        id=inbox.id,
        email=inbox.address,
        domain=inbox.domain,
        created_at=timestamp(inbox.created_at),
        expires_at=timestamp(inbox.expires_at),
    )


def storage_model(usage: Usage) -> Storage:
    return Storage(
        used_bytes=usage.used_bytes, max_bytes=usage.max_bytes, max_inbox_bytes=usage.max_inbox_bytes
    )


def inbox_with_count(inbox: store.Inbox, last_seq: int | UnsetType = UNSET) -> InboxWithCount:
    return InboxWithCount(
        id=inbox.id,
        email=inbox.address,
        domain=inbox.domain,
        created_at=timestamp(inbox.created_at),
        expires_at=timestamp(inbox.expires_at),
        email_count=inbox.email_count,
        last_seq=last_seq,
    )


def email_preview(email: store.EmailPreview, extended: bool = False) -> EmailPreview:
    if extended:
        return EmailPreview(
            id=email.id,
            from_=email.mail_from,
            subject=email.subject,
            preview=email.preview,
            has_html=email.has_html,
            size=email.size,
            seq=email.seq,
            received_at=timestamp(email.received_at),
            tls=email.tls,
            tag=email.tag,
        )
    return EmailPreview(
        id=email.id,
        from_=email.mail_from,
        subject=email.subject,
        preview=email.preview,
        has_html=email.has_html,
        size=email.size,
        seq=email.seq,
        received_at=timestamp(email.received_at),
    )


def email_model(email: store.Email, extended: bool = False) -> Email:
    """The contract's email; `extended` adds this server's `tls` and `tag`."""
    if extended:
        return Email(
            id=email.id,
            from_=email.mail_from,
            subject=email.subject,
            text=email.text,
            html=email.html,
            received_at=timestamp(email.received_at),
            tls=bool(email.tls),
            tag=email.tag,
        )
    return Email(
        id=email.id,
        from_=email.mail_from,
        subject=email.subject,
        text=email.text,
        html=email.html,
        received_at=timestamp(email.received_at),
        truncated=True if email.truncated else UNSET,
    )


def email_detail(email: store.Email, request: Request) -> EmailDetail:
    details: dict[str, Any] = email.details
    base = f"/api/v1/inbox/{email.inbox_id}/emails/{email.id}"

    def url(path: str) -> str:
        return str(request.url.replace(path=path, query=""))

    attachments = [
        Attachment(
            id=a["id"],
            filename=a["filename"],
            content_type=a["content_type"],
            size=a["size"],
            download_url=url(f"{base}/attachments/{a['id']}"),
        )
        for a in details.get("attachments", [])
    ]
    return EmailDetail(
        id=email.id,
        from_=email.mail_from,
        subject=email.subject,
        text=email.text,
        html=email.html,
        received_at=timestamp(email.received_at),
        tls=bool(email.tls),
        tag=email.tag,
        from_name=details.get("from_name", ""),
        inbox_id=email.inbox_id,
        to=details.get("to", []),
        cc=details.get("cc", []),
        headers=[Header(name=h["name"], value=h["value"]) for h in details.get("headers", [])],
        size=email.size,
        attachments=attachments,
        **extracted(details),
        raw_url=url(f"{base}/raw"),
        html_url=url(f"{base}/html"),
        parse_error=details.get("parse_error"),
    )


def extracted(details: dict[str, Any]) -> dict[str, Any]:
    """The extraction fields of an email's stored details as wire models (empty lists for mail
    stored before they existed)."""
    found = msgspec.convert(dryrun.extraction_json(details), Extracted)
    return {f: getattr(found, f) for f in found.__struct_fields__}


async def inbox_of(st: store.Store, request: Request, account_id: int) -> store.Inbox:
    inbox_id = request.path_params["inbox_id"]
    inbox = None
    if UUID_RE.match(inbox_id):
        inbox = await st.get_inbox(inbox_id, account_id)
    if inbox is None:
        raise ApiError.of("inbox_not_found", "No such inbox.")
    return inbox


async def email_of(st: store.Store, request: Request, inbox: store.Inbox) -> store.Email:
    email_id = request.path_params["email_id"]
    email = None
    if UUID_RE.match(email_id):
        email = await st.get_email(inbox, email_id)
    if email is None:
        raise ApiError.of("email_not_found", "No such email in this inbox.")
    return email
