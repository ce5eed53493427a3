"""Header decoding in process (over SMTP: test_real_senders.py and test_mime_corpus.py)."""

from __future__ import annotations

import pytest

from dustmail_lite.mime import decode_header_value


def as_parsed(data: bytes) -> str:
    """A header value as the email package hands it over: 8-bit bytes as surrogate escapes."""
    return data.decode("ascii", "surrogateescape")


@pytest.mark.parametrize(
    "value,text",
    [
        (as_parsed("Grüße aus Köln".encode()), "Grüße aus Köln"),  # raw UTF-8
        (as_parsed("Café crème".encode("latin-1")), "Café crème"),  # not UTF-8: latin-1
        ("=?utf-8?b?4oKs?= =?utf-8?b?IGV1cm8=?=", "€ euro"),  # adjacent words: the space goes
        ("=?utf-8?q?Gr=C3?= =?utf-8?q?=BC=C3=9Fe?=", "Grüße"),  # a character split across words
        ("=?ISO-8859-1*de?Q?K=F6ln?=", "Köln"),  # RFC 2231 language suffix
        ("a =?x-unknown?q?b?= c", "a b c"),  # unknown charset: read as UTF-8
        ("=?utf-8?q?ok?= and =?utf-8?b?***?=", "ok and"),  # junk base64 decodes to nothing
        ("folded\r\n\tvalue   with  spaces", "folded value with spaces"),
        (as_parsed("=?utf-8?q?x?= und Köln".encode()), "x und Köln"),  # encoded and raw 8-bit
    ],
)
def test_header_values_are_decoded(value, text):
    assert decode_header_value(value) == text
