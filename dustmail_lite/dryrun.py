"""The dry run: a raw message in, the fields an email would get out, nothing stored.

Kept apart from the HTTP layer so any router can serve it: `POST /api/v1/extract` calls
`dry_run(raw, limits)` (off the event loop when the message is costly to parse) and sends
back its dict.
"""

from __future__ import annotations

import re
from typing import Any

from .mime import Limits, MessageRefused, check_limits, parse_message
from .store import NewEmail

_MBOX_FROM = re.compile(rb"^From [^\r\n]*\r?\n")
_MAIL_FIELDS = {
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "date",
    "message-id",
    "mime-version",
    "content-type",
    "received",
    "return-path",
    "sender",
    "reply-to",
    "delivered-to",
    "x-original-to",
}
_HEADER_FIELD = re.compile(rb"^[!-9;-~]+[ \t]*:")  # a field name: printable ASCII but ':'


class MalformedMessage(ValueError):
    """The bytes are not an RFC 5322 message; the text says what is wrong."""


class HeaderTooLarge(ValueError):
    pass


def extraction_json(details: dict[str, Any]) -> dict[str, Any]:
    """The extraction fields of an email's JSON (empty for mail stored before they existed)."""
    return {
        "links": details.get("links", []),
        "codes": details.get("codes", []),
        "code_details": details.get("code_details", []),
        "link_details": details.get("link_details", []),
        "rejected_codes": details.get("rejected_codes", []),
    }


def dry_run(raw: bytes, limits: Limits) -> dict[str, Any]:
    """The whole dry run in this process (for callers off the event loop)."""
    message = checked_message(raw, limits)
    return dry_run_json(parse_message(message, "", limits))


def checked_message(raw: bytes, limits: Limits) -> bytes:
    """The message to parse, after the cheap checks (no parsing): MalformedMessage or
    HeaderTooLarge otherwise."""
    if not raw.strip():
        raise MalformedMessage("The body is empty: send the raw message (headers, a blank line, the body).")
    message = _MBOX_FROM.sub(b"", raw, count=1)
    if not _HEADER_FIELD.match(message):
        raise MalformedMessage(
            "This is not an RFC 5322 message: it must start with a header field such as 'Subject: ...'."
        )
    try:
        check_limits(message, limits)
    except MessageRefused:
        raise HeaderTooLarge(f"The header block is larger than {limits.max_header_size} bytes.") from None
    return message


def dry_run_json(email: NewEmail) -> dict[str, Any]:
    """What a parsed message would carry as an email."""
    details = email.details
    if details.get("parse_error") == "unparseable" or not details.get("headers"):
        raise MalformedMessage("The message could not be parsed: no readable header fields.")
    if not any(h["name"].lower() in _MAIL_FIELDS for h in details["headers"]):
        # Syntactically a header ("[{'a'": ...), but nothing a mail carries: JSON, a log line.
        raise MalformedMessage(
            "The message has none of the header fields of a mail (From, To, Subject, Date, "
            "Message-ID, MIME-Version, Content-Type, Received)."
        )
    data: dict[str, Any] = {
        "from": email.mail_from,
        "subject": email.subject,
        "text": email.text,
        "html": email.html,
        "to": details.get("to", []),
        "cc": details.get("cc", []),
        "headers": details.get("headers", []),
        "size": email.size,
        "attachments": details.get("attachments", []),
        **extraction_json(details),
    }
    if details.get("parse_error") is not None:
        data["parse_error"] = details["parse_error"]
    return data
