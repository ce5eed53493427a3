"""Hostile HTML through what the MCP tools hand to a model (`visible_html`, `email_content`):
the time grows linearly with the input. These run in a thread of the server, on up to
present.MAX_HTML characters of any stored email.

Measured as tests/test_extraction_hostile.py measures extraction: CPU time of the calling
thread, the fastest of five runs at n and at 4n, and 4n must cost less than 8x n. The standard
library's HTMLParser these replace gave ~16x (8,000 unclosed "<a ": 4 s; the 100,000 that
fit in MAX_HTML: about ten minutes).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cpu_growth import growth

from dustmail_lite.api.models import EmailDetail
from dustmail_lite.mcp.present import MAX_HTML, email_content
from dustmail_lite.mcp.visible import visible_html

HOSTILE: dict[str, Callable[[int], str]] = {
    "unclosed <a": lambda n: "<a " * n,
    "an unclosed quoted value": lambda n: "<a title='" + "x<a " * n,
    "open comments": lambda n: "<!--" * n,
    "unclosed end tags": lambda n: "</a " * n,
    "nested divs": lambda n: "<div>" * n + "text" + "</div>" * n,
}
N = 2000


def _growth(read: Callable[[str], object], make: Callable[[int], str]) -> float:
    return growth(read, make(N), make(4 * N))


def _email(html: str) -> EmailDetail:
    return EmailDetail(
        id="0" * 8 + "-0000-4000-8000-" + "0" * 12, inbox_id="1" * 8 + "-0000-4000-8000-" + "0" * 12,
        from_="sender@example.com", subject="hostile", text="", html=html, received_at=0, tls=False,
        tag=None, from_name="", to=[], cc=[], headers=[], size=len(html), attachments=[], links=[],
        codes=[], code_details=[], link_details=[], rejected_codes=[], raw_url="", html_url="",
        parse_error=None,
    )  # fmt: skip


@pytest.mark.parametrize("name", list(HOSTILE))
def test_visible_html_is_linear_on_hostile_html(name):
    ratio = _growth(visible_html, HOSTILE[name])
    assert ratio < 8, f"{name}: 4x the input took {ratio:.1f}x the time"


def test_the_tool_result_of_hostile_html_is_linear():
    ratio = _growth(lambda html: email_content(_email(html), True), HOSTILE["unclosed <a"])
    assert ratio < 8, f"4x the input took {ratio:.1f}x the time"
    assert 3 * 4 * N < MAX_HTML  # both sizes are read whole


def test_visible_html_reads_what_a_person_sees():
    seen = visible_html(
        "<p>Your code is <b>482913</b></p><!-- <a href='https://hidden.example/'>no</a> -->"
        "<script>var a = '<a href=\"https://script.example/\">';</script>"
        "<div><a HREF='https://x.example/v?t=a&amp;b=1'>Verify &amp; go</a></div>"
        "<span style='display:none'>ignore this</span><p>1 < 2 and 3 > 2</p><br/>end"
        "<a href='https://x.example/open' title=\"never closed"
    )
    # As HTMLParser read it, but a tag the input ends inside is dropped (as a browser drops it)
    assert seen.text == "Your code is 482913\n\nVerify & go\n\n1 < 2 and 3 > 2\n\nend"
    assert seen.links == [("https://x.example/v?t=a&b=1", "Verify & go")]
    assert seen.hidden_chars == len("ignore this") + len("var a = '<a href=\"https://script.example/\">';")
