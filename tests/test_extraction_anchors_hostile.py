"""Anchors nested in table cells of other anchors, below the routing thresholds: the
extraction time grows linearly with the input.

In the tree lexbor builds, an anchor inside a table cell of another is a descendant of it,
so each anchor's text held all the text below it: reading 2,000 of them (7,996 tags, 1 MB)
took 4.4 s, and 4x the levels took ~15x the time. Measured as
tests/test_extraction_hostile.py measures (CPU time, fastest of five, 4n under 8x n).
"""

from __future__ import annotations

from cpu_growth import growth

from dustmail_lite.extraction import extract
from dustmail_lite.extraction import html as html_module

LEVEL = "<a href='https://x.example/{i}'><table><tr><td>" + "word " * 20


def nested_anchors(levels: int) -> str:
    return "<p>Your code is 482913</p>" + "".join(LEVEL.format(i=i) for i in range(levels))


def test_nested_anchors_stay_linear_below_the_tag_limit():
    small, large = nested_anchors(400), nested_anchors(1600)
    assert large.count("<") < html_module.MAX_LEXBOR_TAGS  # lexbor's side of the routing
    assert not html_module._lexbor_would_struggle(large)
    ratio = growth(lambda markup: extract("subject", "", markup), small, large)
    assert ratio < 8, f"4x the input took {ratio:.1f}x the time"


def test_nested_anchors_are_read_as_the_fallback_tokenizer_reads_them():
    markup = nested_anchors(1600)
    document = html_module.parse_html(markup)
    assert document == html_module._parse_flat(markup)
    assert [a.href for a in document.anchors[:2]] == ["https://x.example/0", "https://x.example/1"]
    assert document.anchors[0].text == ("word " * 20).strip()
    assert [code.value for code in extract("Confirm", "", markup).codes] == ["482913"]


def test_anchors_side_by_side_stay_with_lexbor():
    """Anchors that do not nest never hold more text than the markup: lexbor reads them."""
    markup = "<table><tr>" + "<td><a href='https://x.example/'>word word</a></td>" * 2000 + "</tr></table>"
    document = html_module.parse_html(markup)
    assert len(document.anchors) == html_module.MAX_ANCHORS
    assert document.text.split("\n\n")[0] == "word word"
    nested = "<a href='https://x.example/a'>outer <table><tr><td><a href='https://x.example/b'>inner</a>"
    assert [a.text for a in html_module.parse_html(nested).anchors] == ["outer inner", "inner"]  # lexbor's
