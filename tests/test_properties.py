"""Property-based tests (hypothesis) over the MIME-to-JSON pipeline.

`pytest --fuzz-examples 2000 tests/test_properties.py` runs a longer search.
"""

from __future__ import annotations

import json
import os
from email.message import EmailMessage

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dustmail_lite.extract import extract_codes, extract_links, html_to_text
from dustmail_lite.mime import Limits, parse_message

EXAMPLES = int(os.environ.get("DUSTMAIL_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_clean(value):
    """Everything the API will serialise is valid UTF-8 JSON."""
    json.dumps(value, ensure_ascii=False).encode("utf-8")


# Bytes that look like mail: header lines, MIME markers and arbitrary noise.
mail_like = st.lists(
    st.one_of(
        st.sampled_from([
            b"Subject: ", b"From: ", b"To: ", b"Content-Type: multipart/mixed; boundary=\"b\"",
            b"Content-Type: text/html; charset=", b"Content-Transfer-Encoding: base64",
            b"Content-Transfer-Encoding: quoted-printable", b"--b", b"--b--", b"=?utf-8?b?", b"?=",
            b"=?iso-8859-1?q?", b"\r\n", b"\r\n\r\n", b"\n", b"=", b"\x00", b"\xff", b"boundary=",
            b"Content-Disposition: attachment; filename*=utf-8''%0D%0A", b"charset=x-unknown",
        ]),
        st.binary(max_size=40),
    ),
    max_size=60,
).map(b"".join)


@FUZZ
@given(raw=st.one_of(st.binary(max_size=2000), mail_like))
def test_any_bytes_parse_without_error_into_clean_fields(raw):
    email = parse_message(raw, "envelope@example.com", Limits(max_parts=50, max_depth=5))
    assert email.raw == raw and email.size == len(raw)
    for value in (email.mail_from, email.subject, email.text, email.html, email.details):
        assert_clean(value)
    assert isinstance(email.details["links"], list) and isinstance(email.details["codes"], list)


text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=200)


@FUZZ
@given(
    subject=st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=80),
    body=text,
    # Not utf-16: the stdlib's set_content() drops its last byte, building a broken message.
    charset=st.sampled_from(["utf-8", "iso-8859-1", "koi8-r", "shift_jis", "gb2312"]),
    cte=st.sampled_from([None, "base64", "quoted-printable", "8bit"]),
    html=st.booleans(),
)
def test_well_formed_mail_round_trips(subject, body, charset, cte, html):
    try:
        if body.encode(charset).decode(charset) != body:  # e.g. Shift_JIS maps both ¥ and \ to 0x5C
            charset = "utf-8"
    except UnicodeEncodeError:
        charset = "utf-8"
    message = EmailMessage()
    message["From"] = "Sender <sender@example.com>"
    message["Subject"] = subject
    kwargs = {"charset": charset, **({"cte": cte} if cte else {})}
    if html:
        message.set_content(body, subtype="html", **kwargs)
    else:
        message.set_content(body, **kwargs)
    email = parse_message(message.as_bytes())
    assert email.subject == " ".join(subject.split())
    assert email.mail_from == "sender@example.com"
    got = email.html if html else email.text
    assert got.replace("\r\n", "\n").rstrip("\n") == body.replace("\r\n", "\n").rstrip("\n") or body.strip() == ""


@FUZZ
@given(body=text, markup=text)
def test_links_and_codes_never_fail_and_links_are_absolute(body, markup):
    links = extract_links(body, markup)
    assert all(link.lower().startswith(("http://", "https://")) for link in links)
    assert len(links) == len(set(links))
    codes = extract_codes(body, markup)
    assert all(4 <= len(c) <= 10 and c.isalnum() for c in codes)
    html_to_text(markup)
