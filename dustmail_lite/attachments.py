"""Where each attachment sits in the raw message, found once at ingest.

A download then reads only that slice of the stored message and decodes it, instead
of parsing the whole message again. A location is recorded only when decoding the
slice gives exactly the bytes the full parse gave; otherwise the download falls back
to a full parse (off the event loop).
"""

from __future__ import annotations

import email
from email import policy
from email.message import Message

from .mime import Limits, walk_leaves


def locate_attachments(raw: bytes, limits: Limits) -> dict[str, list[int | str]]:
    """{attachment id: [start, end, content-transfer-encoding]} for the leaf parts whose
    encoded body was found in `raw` and verified."""
    message = email.message_from_bytes(raw, policy=policy.compat32)
    locations: dict[str, list[int | str]] = {}
    cursor = 0
    for index, part in walk_leaves(message, limits):
        # The payload as parsed, before get_payload() re-decodes 8-bit bytes by charset.
        payload = getattr(part, "_payload", None)
        if not isinstance(payload, str) or not payload:
            continue
        body = payload.encode("ascii", "surrogateescape")
        start = raw.find(body, cursor)
        if start < 0:
            continue
        end = start + len(body)
        cursor = end
        encoding = str(part.get("Content-Transfer-Encoding") or "").strip().lower()
        if decode_slice(raw[start:end], encoding) == part.get_payload(decode=True):
            locations[str(index)] = [start, end, encoding]
    return locations


def decode_slice(body: bytes, encoding: str) -> bytes:
    """An encoded part body -> its bytes, by the same rules as the full parse."""
    part = Message()
    if encoding:
        part["Content-Transfer-Encoding"] = encoding
    part.set_payload(body.decode("ascii", "surrogateescape"))
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""
