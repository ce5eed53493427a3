"""Raw message bytes -> the fields the API serves, within fixed bounds.

Parsing never raises: a message the standard `email` package cannot handle
(or that is past the part/depth limits) is kept with its raw bytes and
whatever fields could be read, and one bad part never hides the others.
`check_limits` is the cheap pre-parse test the SMTP layer uses to refuse
abusive messages outright.

What the API shows, part by part (the walk is depth first, in message order):
- text/plain and text/html parts are the body unless their disposition is
  `attachment` (a filename alone does not make an attachment); several of them
  are joined in order (Apple Mail's text, image, text).
- an attached message (message/*, text/rfc822-headers) is one attachment, never
  walked into: its text is not the outer body, and it downloads as `.eml`.
- every other leaf is an attachment.
Headers written in raw 8-bit (no RFC 2047) are read as UTF-8, else latin-1.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import email
import email.generator
import email.parser
import email.quoprimime
import email.utils
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email import policy
from email.message import Message
from typing import Any

from .extraction import extract, html_to_text
from .mime_params import install as install_linear_params
from .store import NewEmail

install_linear_params()  # before any message is parsed: see mime_params

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


def utf8_or_latin1(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _decode_8bit(value: Any) -> str:
    """A raw header value as the parser keeps it (8-bit bytes as surrogate escapes) -> text."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return clean(value)
    if value.isascii():
        return value
    try:
        return utf8_or_latin1(value.encode("ascii", "surrogateescape"))
    except UnicodeEncodeError:  # real text already
        return clean(value)


_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=")
_BETWEEN_WORDS = re.compile(r"[ \t\r\n]*")


def _word_bytes(encoding: str, payload: str) -> bytes:
    if encoding in "bB":
        return base64.b64decode(payload + "=" * (-len(payload) % 4))
    return email.quoprimime.header_decode(payload).encode("latin-1")


# Codecs Python ships that no mail is written in and whose decoding is not linear: a part,
# encoded word or RFC 2231 value in one is read as an unknown charset. Punycode decoding grows
# with the square of its input (64 KB: 0.15 s; the 10 MB a message may hold: hours).
_NOT_MAIL_CODECS = frozenset({"punycode"})


def mail_codec(charset: str) -> str | None:
    """The codec to decode a declared charset with, or None when it is unknown or not one
    mail is written in."""
    try:
        name = codecs.lookup(charset).name
    except (LookupError, ValueError):
        return None
    return None if name in _NOT_MAIL_CODECS else name


def _decode_charset(data: bytes, charset: str) -> str:
    codec = mail_codec(charset)
    if codec is None:
        return utf8_or_latin1(data)
    try:
        return data.decode(codec, "replace")
    except LookupError:  # a codec that is not a text encoding (zlib, base64...)
        return utf8_or_latin1(data)
    except UnicodeError:  # one that supports no "replace" (idna)
        return utf8_or_latin1(data)


def decode_encoded_words(text: str) -> str:
    """RFC 2047: adjacent encoded words in one charset are decoded together (senders split
    multi-byte characters across words), the space between them dropped; bad words kept."""
    out: list[str] = []
    run_charset: str | None = None  # the current run of adjacent words in one charset
    run: list[bytes] = []
    position = 0
    for match in _ENCODED_WORD.finditer(text):
        between = text[position : match.start()]
        charset, encoding, payload = match.groups()
        charset = charset.split("*")[0].lower()
        try:
            data: bytes | None = _word_bytes(encoding, payload)
        except (binascii.Error, ValueError, UnicodeError):
            data = None
        adjacent = run_charset is not None and _BETWEEN_WORDS.fullmatch(between) is not None
        if adjacent and data is not None and run_charset == charset:
            run.append(data)
        else:
            if run_charset is not None:
                out.append(_decode_charset(b"".join(run), run_charset))
                run_charset, run = None, []
            if not adjacent:
                out.append(between)
            if data is None:
                out.append(match.group(0))
            else:
                run_charset, run = charset, [data]
        position = match.end()
    if run_charset is not None:
        out.append(_decode_charset(b"".join(run), run_charset))
    out.append(text[position:])
    return "".join(out)


def decode_header_value(value: Any) -> str:
    """A header value as text: raw 8-bit read as UTF-8 (else latin-1), RFC 2047 decoded,
    unfolded; never raises."""
    text = _decode_8bit(value)
    if "=?" in text:
        try:
            text = decode_encoded_words(text)
        except Exception:
            pass
    return clean(" ".join(text.split()))[:MAX_HEADER_VALUE]


def raw_header(message: Message, name: str) -> str | None:
    """The first `name` header exactly as parsed (compat32 would wrap 8-bit values in a
    Header object that loses them)."""
    name = name.lower()
    for key, value in message.raw_items():
        if key.lower() == name:
            return value if isinstance(value, str) else str(value)
    return None


def _raw_headers(message: Message, name: str) -> list[str]:
    name = name.lower()
    return [v if isinstance(v, str) else str(v) for k, v in message.raw_items() if k.lower() == name]


# The common forms of an address header, read without the email package's RFC 5322
# parser (a fifth of the parse of a small message): "local@domain", "<local@domain>" and
# "Plain Words <local@domain>". Anything else goes to the full parser; both give the same
# (name, address) on these forms (tests/test_mime_headers.py checks it on random input).
_PLAIN_ADDRESS = r"[A-Za-z0-9_%+-]+(?:\.[A-Za-z0-9_%+-]+)*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"
_SIMPLE_ADDRESS = re.compile(
    rf"(?P<bare>{_PLAIN_ADDRESS})"
    rf"|(?:(?P<name>[A-Za-z0-9_-]+(?: [A-Za-z0-9_-]+)*) ?)?<(?P<inner>{_PLAIN_ADDRESS})>"
)


def _name_and_address(simple: re.Match[str]) -> tuple[str, str]:
    if simple["bare"]:
        return "", simple["bare"]
    return simple["name"] or "", simple["inner"]


def parse_address(value: str) -> tuple[str, str]:
    """(display name, address) of one decoded address header, like `email.utils.parseaddr`."""
    simple = _SIMPLE_ADDRESS.fullmatch(value)
    return email.utils.parseaddr(value) if simple is None else _name_and_address(simple)


def parse_addresses(values: list[str]) -> list[tuple[str, str]]:
    """Every (display name, address) of decoded address headers, like `email.utils.getaddresses`."""
    matches = [_SIMPLE_ADDRESS.fullmatch(value) for value in values]
    if None in matches:
        return email.utils.getaddresses(values)
    return [_name_and_address(simple) for simple in matches if simple is not None]


def _addresses(values: list[str]) -> list[str]:
    try:
        pairs = parse_addresses([decode_header_value(v) for v in values])
    except Exception:
        return []
    return [clean(addr) for _, addr in pairs if addr]


def _bare_address(value: str | None) -> str:
    if not value:
        return ""
    try:
        return clean(parse_address(decode_header_value(value))[1])
    except Exception:
        return ""


def _display_name(value: str | None) -> str:
    """The sender's name in `From: Acme <noreply@acme.example>` (decoded), or ""."""
    if not value:
        return ""
    try:
        return clean(parse_address(decode_header_value(value))[0]).strip()[:200]
    except Exception:
        return ""


def _decode_payload(part: Message) -> str:
    """A text part as a str with \n line ends (the raw message keeps the wire's CRLF)."""
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return ""
    charset = (part.get_content_charset() or "").lower()
    if charset and charset not in ("us-ascii", "ascii"):
        text = _decode_charset(payload, charset)
    else:  # undeclared, or ASCII declared over 8-bit bytes
        text = utf8_or_latin1(payload)
    return clean(text.replace("\r\n", "\n"))


def _filename(part: Message) -> str | None:
    """Content-Disposition filename, else Content-Type name: RFC 2231, RFC 2047 and raw
    8-bit, decoded."""
    probe = Message()
    for header in ("Content-Disposition", "Content-Type"):
        value = raw_header(part, header)
        if value is not None:
            probe[header] = _decode_8bit(value)
    try:
        name = _probe_filename(probe)
    except Exception:
        name = None
    if name is None:
        return None
    return decode_header_value(name) or None


def _probe_filename(probe: Message) -> str | None:
    """`probe.get_filename()`, with an RFC 2231 value in a charset `mail_codec` refuses read
    as the email package reads one in an unknown charset."""
    missing = object()
    value = probe.get_param("filename", missing, "content-disposition")
    if value is missing:
        value = probe.get_param("name", missing, "content-type")
    if value is missing:
        return None
    if isinstance(value, tuple) and mail_codec(value[0] or "us-ascii") is None:
        return email.utils.unquote(value[2]).strip()
    return email.utils.collapse_rfc2231_value(value).strip()  # type: ignore[arg-type]


def _disposition(part: Message) -> str:
    value = raw_header(part, "Content-Disposition") or ""
    return value.split(";")[0].strip().lower()


def is_attached_message(content_type: str) -> bool:
    return content_type.startswith("message/") or content_type == "text/rfc822-headers"


def classify(part: Message) -> str:
    """ "text", "html" or "attachment" (see the module docstring)."""
    content_type = part.get_content_type()
    if is_attached_message(content_type) or _disposition(part) == "attachment":
        return "attachment"
    if content_type == "text/plain":
        return "text"
    if content_type == "text/html":
        return "html"
    return "attachment"


def walk_leaves(message: Message, limits: Limits) -> Iterator[tuple[int, Message]]:
    """Leaf parts in order with their walk index (attached messages are leaves); stops at
    the part and depth limits."""
    stack: list[tuple[Message, int]] = [(message, 0)]
    index = 0
    while stack:
        part, depth = stack.pop()
        index += 1
        if index > limits.max_parts:
            raise _TooComplex()
        if is_attached_message(part.get_content_type()):
            yield index, part
            # Ids stay what they were when attached messages were walked into.
            index += _descendants(part, limits.max_parts)
            continue
        if part.is_multipart():
            if depth >= limits.max_depth:
                raise _TooComplex()
            children = part.get_payload()
            if isinstance(children, list):
                stack.extend((child, depth + 1) for child in reversed(children) if isinstance(child, Message))
            continue
        yield index, part


def _descendants(part: Message, bound: int) -> int:
    count = 0
    stack = [part]
    while stack and count <= bound:
        children = stack.pop().get_payload()
        if isinstance(children, list):
            count += len(children)
            stack.extend(c for c in children if isinstance(c, Message))
    return count


class _TooComplex(Exception):
    pass


_CRLF_POLICY = policy.compat32.clone(linesep="\r\n")


def part_bytes(part: Message) -> bytes:
    """What an attachment downloads as: the decoded payload, or for an attached message
    the message itself (re-serialised by the email package, CRLF line ends)."""
    if not part.is_multipart():
        payload = part.get_payload(decode=True)
        return payload if isinstance(payload, bytes) else b""
    buffer = io.BytesIO()
    generator = email.generator.BytesGenerator(
        buffer, mangle_from_=False, maxheaderlen=0, policy=_CRLF_POLICY
    )
    generator.flatten(part)
    data = buffer.getvalue()
    if data.startswith(b"\r\n"):
        return data[2:]
    end = data.find(b"\r\n\r\n")
    return data[end + 4 :] if end >= 0 else b""


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def default_filename(part: Message, index: int) -> str:
    content_type = part.get_content_type()
    if content_type in ("message/rfc822", "message/global"):
        inner = part.get_payload(0) if part.is_multipart() else None
        subject = decode_header_value(raw_header(inner, "Subject")) if isinstance(inner, Message) else ""
        stem = _UNSAFE_NAME.sub("_", subject).strip(" ._")[:80]
        return f"{stem or f'message-{index}'}.eml"
    if is_attached_message(content_type):
        return f"part-{index}.txt"
    return f"part-{index}"


def _attachment(part: Message, index: int) -> dict[str, Any]:
    return {
        "id": str(index),
        "filename": _filename(part) or default_filename(part, index),
        "content_type": clean(part.get_content_type()),
        "size": len(part_bytes(part)),
    }


def join_parts(parts: list[str]) -> str:
    """Body parts in order, each starting on a line of its own."""
    out = parts[0] if parts else ""
    for part in parts[1:]:
        out += ("" if not out or out.endswith("\n") else "\n") + part
    return out


def parse_message(raw: bytes, envelope_from: str = "", limits: Limits = Limits()) -> NewEmail:
    details: dict[str, Any] = {"to": [], "cc": [], "headers": [], "attachments": [], "links": [], "codes": []}
    subject = ""
    mail_from = ""
    too_complex = multipart_count(raw) > limits.max_parts
    try:
        if too_complex:
            # Parse the header block only: the body would cost time for nothing.
            message = email.parser.BytesHeaderParser(policy=policy.compat32).parsebytes(raw)
        else:
            message = email.message_from_bytes(raw, policy=policy.compat32)
    except Exception:
        # Beyond the email package: keep raw bytes and the envelope sender.
        details["parse_error"] = "unparseable"
        return NewEmail(clean(envelope_from), "", "", "", len(raw), raw, details)
    try:
        details["headers"] = [
            {"name": clean(name), "value": decode_header_value(value)}
            for name, value in itertools.islice(message.raw_items(), 500)
        ]
        subject = decode_header_value(raw_header(message, "Subject"))
        mail_from = _bare_address(raw_header(message, "From")) or clean(envelope_from)
        details["from_name"] = _display_name(raw_header(message, "From"))
        details["to"] = _addresses(_raw_headers(message, "To"))
        details["cc"] = _addresses(_raw_headers(message, "Cc"))
    except Exception:
        details["parse_error"] = "bad_headers"
        mail_from = mail_from or clean(envelope_from)
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[dict[str, Any]] = []
    try:
        if too_complex:
            raise _TooComplex()
        for index, part in walk_leaves(message, limits):
            try:
                kind = classify(part)
                if kind == "attachment":
                    attachments.append(_attachment(part, index))
                else:
                    (texts if kind == "text" else htmls).append(_decode_payload(part))
            except Exception:
                details.setdefault("parse_error", "part_unreadable")  # the others are shown
    except _TooComplex:
        details["parse_error"] = "too_complex"
    except (RecursionError, Exception):
        details["parse_error"] = "malformed_body"
    details["attachments"] = attachments
    text, html = join_parts(texts), join_parts(htmls)
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
            if str(index) == attachment_id and classify(part) == "attachment":
                name = _filename(part) or default_filename(part, index)
                return part_bytes(part), clean(part.get_content_type()), name
    except Exception:
        return None
    return None
