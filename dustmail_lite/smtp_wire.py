"""What arrives on the wire during DATA, and the trace header we add to it.

Line ends: real senders send bare LF (`smtplib.sendmail(..., msg.as_bytes())`,
`curl --upload-file`) and now and then a lone CR. Each of them ends a line here
and is stored as CRLF. The transparency dot is removed at the start of every
line that follows an LF, with or without its CR (smtplib stuffs after a bare LF);
no sender stuffs after a lone CR (smtplib's own rule is "after LF"), so a dot
there is kept. The end of data stays `CRLF . CRLF` and nothing else: a `.` line after a
bare LF or a lone CR, or one ended by a bare LF, is content (SMTP smuggling
needs the receiver to see an end where the next hop does not).
"""

from __future__ import annotations

import asyncio
import email.utils
import enum
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CRLF = b"\r\n"
# A line end: CRLF or LF (with any stray CRs before it: "\r\r\n" is one end, as sent by
# clients that converted line ends twice), or a lone CR.
_LINE_END = re.compile(rb"\r*\n|\r")
_YIELD_EVERY = 64 * 1024  # bytes read between two turns given to the rest of the event loop


class DataState(enum.Enum):
    OK = "ok"
    LINE_TOO_LONG = "line too long"
    TOO_MUCH = "too much data"


@dataclass
class DataResult:
    state: DataState
    content: bytes


async def read_data(
    reader: asyncio.StreamReader,
    size_limit: int | None,
    keepalive: Callable[[], None] | None = None,
    keepalive_every: float = 1.0,
) -> DataResult:
    """Read a DATA body up to `CRLF . CRLF`, normalised to CRLF and dot-unstuffed.

    A line longer than the reader's limit, or a body past `size_limit` bytes (after
    normalisation), is read to its end and dropped: the caller answers with the state.
    `keepalive` is called about every `keepalive_every` seconds while bytes keep coming
    (the idle timer is for silence, not for a long upload).
    """
    clock = asyncio.get_running_loop().time
    next_keepalive = clock() + keepalive_every
    out = bytearray()
    state = DataState.OK
    after_crlf = True  # the DATA command line itself ended with CRLF
    mid_line = False  # the previous read stopped inside an overlong line
    tail = b""  # the last byte drained from it
    read = 0
    while True:
        try:
            chunk = await reader.readuntil(b"\n")
        except asyncio.LimitOverrunError as overrun:
            if state is DataState.OK:
                state = DataState.LINE_TOO_LONG
                out.clear()
            drained = await reader.read(overrun.consumed)
            tail = drained[-1:] or tail
            mid_line, after_crlf = True, False
            continue
        if keepalive is not None and clock() >= next_keepalive:
            keepalive()
            next_keepalive = clock() + keepalive_every
        if not mid_line and after_crlf and chunk == b".\r\n":
            break
        if mid_line:  # the rest of a dropped line: its CR may have gone with the drained part
            chunk = tail + chunk
        lines, after_crlf = _split_lines(chunk, mid_line)
        read += len(chunk)
        if read >= _YIELD_EVERY:  # buffered lines never suspend readuntil: let others run
            read = 0
            await asyncio.sleep(0)
        if state is DataState.OK:
            out += lines
            if size_limit and len(out) > size_limit:
                state = DataState.TOO_MUCH
                out.clear()
        mid_line = False
    return DataResult(state, bytes(out))


def _split_lines(chunk: bytes, continued: bool) -> tuple[bytes, bool]:
    """One read (ending in LF) as CRLF lines without transparency dots; and whether it
    ends with the bytes CRLF. `continued`: the chunk continues a line already started."""
    end = len(chunk) - 2
    if chunk.endswith(CRLF) and chunk.find(b"\r", 0, end) == -1:  # the common case: one CRLF line
        if chunk[:1] == b"." and not continued:
            return chunk[1:], True
        return chunk, True
    out = bytearray()
    start = 0
    stuffed = not continued  # a line after LF or CRLF; no sender stuffs a dot after a lone CR
    for match in _LINE_END.finditer(chunk):
        line = chunk[start : match.start()]
        if stuffed and line[:1] == b".":
            line = line[1:]
        out += line + CRLF
        start = match.end()
        stuffed = match.group().endswith(b"\n")
    # "x\r\r\n" is one line end, but its last two bytes are a real CRLF: a "." line after it
    # is the literal CRLF.CRLF, which ends the data for every other server too.
    return bytes(out), chunk.endswith(CRLF)


_SAFE_HELO = re.compile(r"[^A-Za-z0-9.\-_:\[\]]")
_UNSAFE_IN_ADDRESS = re.compile(r"[\x00-\x20\x7f<>()\\]")


def trace_header(
    *,
    helo: str | None,
    ip: str,
    hostname: str,
    extended: bool,
    utf8: bool,
    tls: dict[str, Any] | None,
    recipients: list[str],
    when: float,
) -> bytes:
    """The `Received:` line we prepend (RFC 5321 4.4): who sent it, over what (the
    RFC 3848 / RFC 6531 protocol name: ESMTPS and UTF8SMTPS mean TLS), and when."""
    client = _SAFE_HELO.sub("?", (helo or "unknown")[:255]) or "unknown"
    protocol = ("UTF8SMTP" if utf8 else "ESMTP" if extended else "SMTP") + ("S" if tls else "")
    lines = [f"Received: from {client} ([{ip}])", f"\tby {hostname} with {protocol}"]
    if tls:
        ssl_object = tls.get("ssl_object")
        cipher = tls.get("cipher")
        version = ssl_object.version() if ssl_object is not None else None
        lines[-1] += f" (version={version or 'TLS'} cipher={cipher[0] if cipher else 'unknown'})"
    stamp = email.utils.formatdate(when)
    if len(recipients) == 1:
        lines.append(f"\tfor <{_UNSAFE_IN_ADDRESS.sub('', recipients[0])[:320]}>; {stamp}")
    else:
        lines[-1] += ";"
        lines.append(f"\t{stamp}")
    return ("\r\n".join(lines) + "\r\n").encode("utf-8", "replace")
