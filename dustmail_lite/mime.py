"""Raw message bytes -> the fields the API serves, within fixed bounds.

Parsing never raises: a message the standard `email` package cannot handle
(or that is past the part/depth limits) is kept with its raw bytes and
whatever fields could be read. `check_limits` is the cheap pre-parse test the
SMTP layer uses to refuse abusive messages outright.
"""

from __future__ import annotations

import email
import email.header
import email.parser
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from typing import Any

from .extraction import extract, html_to_text
from .store import NewEmail

MAX_HEADER_VALUE = 8192  # characters kept per header value in the JSON


@dataclass(frozen=True)
class Limits:
    max_parts: int = 1000
    max_depth: int = 20
    max_header_size: int = 256 * 1024

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        smtp = config.smtp
        return cls(smtp.max_mime_parts, smtp.max_mime_depth, smtp.max_header_size)


class MessageRefused(Exception):
    """The message breaks a hard limit; `smtp_reply` says why."""

    def __init__(self, smtp_reply: str) -> None:
        super().__init__(smtp_reply)
        self.smtp_reply = smtp_reply


_HEADER_END = re.compile(rb"\r?\n\r?\n")
_BOUNDARY_PARAM = re.compile(rb"boundary\s*=", re.IGNORECASE)


def header_block_size(raw: bytes) -> int:
    match = _HEADER_END.search(raw)
    return match.start() if match else len(raw)


def check_limits(raw: bytes, limits: Limits) -> None:
    """Refuse before parsing what no mail client sends: a giant header block."""
    if header_block_size(raw) > limits.max_header_size:
        raise MessageRefused("552 5.3.4 Message header too large")


def multipart_count(raw: bytes) -> int:
    """An upper bound on the multipart containers a message declares, found without parsing."""
    return len(_BOUNDARY_PARAM.findall(raw))


def is_costly(raw: bytes) -> bool:
    """Whether parsing may take long enough to belong off the event loop."""
    return len(raw) > 64 * 1024 or multipart_count(raw) > 20


def clean(text: Any) -> str:
    """Any header or body value as valid UTF-8 text (no lone surrogates)."""
    if text is None:
        return ""
    return str(text).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def decode_header_value(value: Any) -> str:
    """RFC 2047 decoding that never raises."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    text = clean(value)
    if "=?" not in text:
        return " ".join(text.split())[:MAX_HEADER_VALUE]  # nothing encoded: the common case
    try:
        decoded = str(email.header.make_header(email.header.decode_header(text)))
    except Exception:
        decoded = text
    return clean(" ".join(decoded.split()))[:MAX_HEADER_VALUE]


def _addresses(values: list[str]) -> list[str]:
    try:
        pairs = email.utils.getaddresses([clean(v) for v in values])
    except Exception:
        return []
    return [clean(addr) for _, addr in pairs if addr]


def _bare_address(value: str | None) -> str:
    if not value:
        return ""
    try:
        return clean(email.utils.parseaddr(clean(value))[1])
    except Exception:
        return ""


def _decode_payload(part: Message) -> str:
    """A text part as a str with \n line ends (the raw message keeps the wire's CRLF)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = part.get_content_charset() or "utf-8"
    try:
        text = payload.decode(charset, "replace")
    except (LookupError, ValueError):
        text = payload.decode("utf-8", "replace")
    return text.replace("\r\n", "\n")


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        return None
    return decode_header_value(name)


def walk_leaves(message: Message, limits: Limits) -> Iterator[tuple[int, Message]]:
    """Leaf parts in order with their walk index; stops at the part and depth limits."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    index = 0
    while stack:
        part, depth = stack.pop()
        index += 1
        if index > limits.max_parts:
            raise _TooComplex()
        if part.is_multipart():
            if depth >= limits.max_depth:
                raise _TooComplex()
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))
            continue
        yield index, part


class _TooComplex(Exception):
    pass


def _is_attachment(part: Message) -> bool:
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if disposition == "attachment":
        return True
    if part.get_content_maintype() == "text" and disposition != "inline":
        return _filename(part) is not None and part.get_content_subtype() not in ("plain", "html")
    return part.get_content_maintype() not in ("text", "multipart") or _filename(part) is not None


def parse_message(raw: bytes, envelope_from: str = "", limits: Limits = Limits()) -> NewEmail:
    details: dict[str, Any] = {"to": [], "cc": [], "headers": [], "attachments": [], "links": [], "codes": []}
    subject = ""
    mail_from = ""
    text = html = ""
    too_complex = multipart_count(raw) > limits.max_parts
    try:
        if too_complex:
            # Parse the header block only: the body would cost time for nothing.
            message = email.parser.BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        else:
            message = email.message_from_bytes(raw, policy=policy.compat32)
    except Exception:
        # Beyond the email package: keep raw bytes and the envelope sender.
        details["parse_error"] = "unparseable message"
        return NewEmail(clean(envelope_from), "", "", "", len(raw), raw, details)
    try:
        details["headers"] = [
            {"name": clean(name), "value": decode_header_value(value)}
            for name, value in message.items()[:500]
        ]
        subject = decode_header_value(message.get("Subject"))
        mail_from = _bare_address(message.get("From")) or clean(envelope_from)
        details["to"] = _addresses(message.get_all("To") or [])
        details["cc"] = _addresses(message.get_all("Cc") or [])
    except Exception:
        details["parse_error"] = "unreadable headers"
        mail_from = mail_from or clean(envelope_from)
    attachments: list[dict[str, Any]] = []
    try:
        if too_complex:
            raise _TooComplex()
        for index, part in walk_leaves(message, limits):
            content_type = clean(part.get_content_type())
            if _is_attachment(part):
                payload = part.get_payload(decode=True)
                attachments.append(
                    {
                        "id": str(index),
                        "filename": _filename(part) or f"part-{index}",
                        "content_type": content_type,
                        "size": len(payload) if isinstance(payload, bytes) else 0,
                    }
                )
            elif content_type == "text/html" and not html:
                html = clean(_decode_payload(part))
            elif content_type == "text/plain" and not text:
                text = clean(_decode_payload(part))
    except _TooComplex:
        details["parse_error"] = (
            "too many MIME parts or too deeply nested; the rest is only in the raw message"
        )
    except (RecursionError, Exception):
        details["parse_error"] = "malformed MIME body; best-effort fields"
    details["attachments"] = attachments
    try:
        extraction = extract(subject, text, html)
        details.update(extraction.as_details())
        if not text and html:
            text = extraction.html_text
    except Exception:  # a fault in extraction must never cost the message
        details["extraction_error"] = "codes and links could not be extracted"
    if not text and html:
        text = html_to_text(html)
    return NewEmail(mail_from, subject, text, html, len(raw), raw, details)


def find_attachment(
    raw: bytes, attachment_id: str, limits: Limits = Limits()
) -> tuple[bytes, str, str] | None:
    """(bytes, content type, filename) of the attachment with this id."""
    try:
        message = email.message_from_bytes(raw, policy=policy.compat32)
        for index, part in walk_leaves(message, limits):
            if str(index) == attachment_id and _is_attachment(part):
                payload = part.get_payload(decode=True)
                data = payload if isinstance(payload, bytes) else b""
                return data, clean(part.get_content_type()), _filename(part) or f"part-{index}"
    except Exception:
        return None
    return None
