"""Header decoding in process (over SMTP: test_real_senders.py and test_mime_corpus.py)."""

from __future__ import annotations

import email.utils
import os

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dustmail_lite.mime import decode_header_value, parse_address, parse_addresses


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


# Characters that make an address header plain or just not: quotes, comments, groups,
# routes, dots in odd places, several addresses, spaces.
_ADDRESS_PIECES = [
    "a",
    "Bob",
    "x9",
    "-",
    "_",
    "+",
    "%",
    ".",
    "@",
    "<",
    ">",
    " ",
    "  ",
    ",",
    '"',
    "(",
    ")",
    ":",
    ";",
    "'",
    "\\",
    "[",
    "]",
    "é",
    "example.com",
    "a.b",
]


_WORD = st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True)
_PLAIN = st.builds(
    lambda name, local, domain, form: form.format(
        name=" ".join(name), addr=f"{'.'.join(local)}@{'.'.join(domain)}"
    ),
    st.lists(_WORD, max_size=3),
    st.lists(_WORD, min_size=1, max_size=2),
    st.lists(_WORD, min_size=1, max_size=3),
    st.sampled_from(["{addr}", "<{addr}>", "{name} <{addr}>", "{name}<{addr}>", "{name}  <{addr}>"]),
)
_NEAR_PLAIN = st.builds(  # a plain form with one odd piece spliced in
    lambda plain, at, piece: plain[: int(at * len(plain))] + piece + plain[int(at * len(plain)) :],
    _PLAIN,
    st.floats(0, 1),
    st.sampled_from([",", ".", '"', "(", ")", "<", ">", "@", " ", ":", ";", "\\", "[", "é"]),
)
_ADDRESS_HEADERS = st.one_of(
    _PLAIN, _NEAR_PLAIN, st.lists(st.sampled_from(_ADDRESS_PIECES), max_size=12).map("".join)
)


@settings(max_examples=int(os.environ.get("DUSTMAIL_FUZZ_EXAMPLES", 600)), deadline=None)
@given(_ADDRESS_HEADERS)
@example("Bob,x <a@b.test>")  # two addresses
@example("A.B <x@y.test>")
@example('a"b <x@y.test>')
@example("a(b <x@y.test>")  # a comment
@example("a@b <x@y.test>")
@example("Bob <a@b.test>,")
@example("Group: a@b.test;")
def test_plain_addresses_are_read_as_the_email_package_reads_them(value):
    """mime.parse_address(es) read the plain forms themselves; whatever they read must be
    what the email package reads (anything else is handed to it)."""
    assert parse_address(value) == email.utils.parseaddr(value)
    assert parse_addresses([value, "z@d.test"]) == email.utils.getaddresses([value, "z@d.test"])


@pytest.mark.parametrize(
    "value,pair",
    [
        ("bench@example.com", ("", "bench@example.com")),
        ("<a.b@c.example>", ("", "a.b@c.example")),
        ("Acme Team <noreply@acme.example>", ("Acme Team", "noreply@acme.example")),
        ("Acme<x@y.test>", ("Acme", "x@y.test")),
        ('"Acme, Inc" <x@y.test>', ("Acme, Inc", "x@y.test")),  # the full parser's
    ],
)
def test_common_address_forms(value, pair):
    assert parse_address(value) == pair == email.utils.parseaddr(value)
