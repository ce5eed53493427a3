"""Links and codes: unit cases, and precision measured on a corpus delivered over SMTP."""

from __future__ import annotations

import pytest
from corpus import CASES, build

from dustmail_lite.extract import extract_codes, extract_links, html_to_text
from dustmail_lite.mime import parse_message


def test_corpus_precision_and_recall_over_real_smtp(harness, capsys):
    """Deliver every corpus message over SMTP and read codes and links back from the API."""
    key = harness.key("corpus", "premium")
    inbox = harness.create_inbox(key)
    results = []
    for case in CASES:
        harness.send_raw(inbox["email"], build(case, inbox["email"]))
        data = harness.http.get(
            f"/api/v1/inbox/{inbox['id']}/wait",
            params={"timeout": 5, **({"after": results[-1][1]["id"]} if results else {})},
            headers=harness.auth(key),
        ).json()["data"]
        results.append((case, data))

    offered = correct = with_code = found = 0
    misses = []
    for case, data in results:
        top = data["codes"][0] if data["codes"] else None
        if top is not None:
            offered += 1
            correct += top == case.code
        if case.code is not None:
            with_code += 1
            found += top == case.code
        if top != case.code:
            misses.append((case.name, case.code, data["codes"]))
        if case.link:
            assert case.link in data["links"], (case.name, data["links"])
    precision = correct / offered
    recall = found / with_code
    with capsys.disabled():
        print(f"\ncodes on {len(CASES)} emails: precision {precision:.2%} ({correct}/{offered}), "
              f"recall {recall:.2%} ({found}/{with_code})")
    assert precision >= 0.95, misses
    assert recall >= 0.90, misses


@pytest.mark.parametrize(
    "text,codes",
    [
        ("Your code is 1234", ["1234"]),
        ("Order 123456 shipped", []),
        ("Price: 4999 USD. Use promo code SAVE10", []),
        ("Your coupon code: 7788", []),
        ("Meeting at 10:30 on 2026-04-01", []),
        ("Verification code: 2025", ["2025"]),
        ("Your verification code\n\n551 882\n", ["551882"]),
        ("Call +44 20 7946 0958 for your code", []),
        ("No digits here, just a code word", []),
    ],
)
def test_codes(text, codes):
    assert extract_codes("", text) == codes


def test_links_from_html_then_text_deduplicated_absolute_only():
    html = '<a href="https://a.example/1">x</a><a href="/relative">r</a><a href="javascript:alert(1)">j</a><a href="mailto:x@y">m</a>'
    text = "see https://b.example/2, and https://a.example/1. Also (https://c.example/wiki_(x))"
    assert extract_links(text, html) == ["https://a.example/1", "https://b.example/2", "https://c.example/wiki_(x)"]


def test_html_to_text_skips_scripts_and_styles():
    html = "<html><head><style>p{}</style><title>t</title></head><body><p>Hello</p><script>evil()</script><p>World &amp; co</p></body></html>"
    assert html_to_text(html) == "Hello\n\nWorld & co"


def test_html_only_mail_gets_a_text_body():
    raw = b"Subject: x\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>Your code: <b>4321</b></p>\r\n"
    email = parse_message(raw)
    assert email.text == "Your code: 4321" and email.details["codes"] == ["4321"]


@pytest.mark.parametrize(
    "hostile",
    ["x" * 1_000_000, "a@" * 500_000, ("x" * 50 + "@") * 20_000, "code 1234 " * 100_000, "http://" * 100_000],
    ids=["no-spaces", "at-signs", "at-runs", "many-candidates", "url-prefixes"],
)
def test_extraction_is_linear_on_hostile_bodies(hostile):
    """A quadratic pattern here was a denial of service: 32 KB took 3 s, 1 MB hours."""
    import time

    start = time.perf_counter()
    extract_codes(hostile[:1000], hostile)
    extract_links(hostile, "")
    assert time.perf_counter() - start < 2

