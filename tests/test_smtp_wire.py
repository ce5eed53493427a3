"""The DATA reader in process, fed through a real asyncio.StreamReader in arbitrary
pieces (the socket tests are in test_real_senders.py and test_hardening.py)."""

from __future__ import annotations

import asyncio
import os
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dustmail_lite.smtp_wire import DataState, read_data, trace_header

EXAMPLES = int(os.environ.get("DUSTMAIL_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def run(pieces: list[bytes], limit: int = 1001, size_limit: int | None = None):
    async def go():
        reader = asyncio.StreamReader(limit=limit)
        for piece in pieces:
            reader.feed_data(piece)
        reader.feed_eof()
        result = await read_data(reader, size_limit)
        return result, await reader.read()

    return asyncio.run(go())


def stuffed(message: bytes) -> bytes:
    """What smtplib puts on the wire: a dot doubled at the start of every line after an LF."""
    if not message.endswith(b"\r\n"):
        message += b"\r\n"
    return re.sub(rb"(?m)^\.", b"..", message) + b".\r\n"


line_text = st.binary(max_size=30).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
line_end = st.sampled_from([b"\r\n", b"\n", b"\r"])


@FUZZ
@given(st.lists(st.tuples(line_text, line_end), max_size=30), st.integers(1, 50))
def test_any_line_ends_come_back_as_crlf_with_dots_unstuffed(lines, piece):
    for (_, end), (text, next_end) in zip(lines, lines[1:]):
        assume(not (end == b"\r" and not text and next_end != b"\r"))  # that CR and LF are one CRLF
    assume(not lines or lines[-1][1] != b"\r")  # the sender's closing CRLF would join that CR
    message = b"".join(text + end for text, end in lines)
    wire = stuffed(message) + b"QUIT\r\n"
    result, rest = run([wire[i:i + piece] for i in range(0, len(wire), piece)])
    assert result.state is DataState.OK
    expected = b"".join(text + b"\r\n" for text, _ in lines)
    if not message.endswith(b"\r\n"):
        expected += b"\r\n"  # the CRLF the sender adds before the final dot
    assert result.content == expected
    assert rest == b"QUIT\r\n"  # nothing after CRLF.CRLF was read as message content


@pytest.mark.parametrize("fake", [b"\n.\r\n", b"\r\n.\n", b"\n.\n", b"\r.\r\n", b"\r\n.\r\r\n", b"\r\n.\r.\r\n",
                                  b"\r\n\r.\r\n"])
def test_only_crlf_dot_crlf_ends_the_data(fake):
    result, rest = run([b"Subject: x\r\n\r\nhello" + fake + b"MAIL FROM:<e@x>\r\n.\r\n", b"NOOP\r\n"])
    assert result.state is DataState.OK and b"MAIL FROM:<e@x>\r\n" in result.content
    assert rest == b"NOOP\r\n"


def test_overlong_line_is_drained_to_the_real_end_even_when_its_cr_is_cut_off():
    long_line = b"y" * 1001 + b"\r"  # the LF is one past the limit: the CR is drained with the line
    result, rest = run([b"ok\r\n" + long_line, b"\n.\r\nNOOP\r\n"], limit=1001)
    assert result.state is DataState.LINE_TOO_LONG and result.content == b""
    assert rest == b"NOOP\r\n"


def test_a_line_continuing_an_overlong_one_is_not_an_end_marker():
    result, rest = run([b"y" * 3000 + b".\r\n" + b"real\r\n.\r\n" + b"NOOP\r\n"], limit=1001)
    assert result.state is DataState.LINE_TOO_LONG and rest == b"NOOP\r\n"


def test_size_limit_counts_the_normalised_bytes():
    result, rest = run([b"x" * 49 + b"\n" + b"y" * 49 + b"\r\n.\r\n"], size_limit=101)  # 51 + 51 stored
    assert result.state is DataState.TOO_MUCH and rest == b""
    result, _ = run([b"x" * 49 + b"\n" + b"y" * 49 + b"\r\n.\r\n"], size_limit=102)
    assert result.state is DataState.OK and len(result.content) == 102


def test_trace_header_cannot_be_broken_by_the_client():
    header = trace_header(helo="evil\r\nX-Injected: 1 (", ip="127.0.0.1", hostname="mx.test", extended=True,
                          utf8=False, tls=None, recipients=["a@b.example\r\nX: y"], when=0)
    lines = header.split(b"\r\n")
    assert lines[0].startswith(b"Received: from evil??X-Injected:?1?? ([127.0.0.1])")
    assert all(line.startswith(b"\t") for line in lines[1:-1]) and lines[-1] == b""
    assert b"for <a@b.exampleX:y>; Thu, 01 Jan 1970" in header


def test_a_crlf_after_stray_crs_still_ends_the_data():
    """smtplib ends a message whose last line end is a lone CR with CRLF: the bytes are then
    ...CR CR LF . CR LF, which holds the literal CRLF.CRLF every server takes as the end."""
    result, rest = run([b"Subject: x\r\n\r\nlast\r\r\n.\r\nNOOP\r\n"])
    assert result.state is DataState.OK and result.content == b"Subject: x\r\n\r\nlast\r\n"
    assert rest == b"NOOP\r\n"
