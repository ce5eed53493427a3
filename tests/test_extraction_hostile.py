"""Hostile HTML through `extract` in process: the time grows linearly with the input.

No absolute timings (the machine is shared): each input is measured at n and at 4n, in CPU time
of the calling thread (tests/cpu_growth.py), the fastest of five runs each, and 4n must cost
less than 8x n. Linear work gives ~4x; the quadratic
tokenizer these replace gave ~16x (60 KB of unclosed "<a " took 144 s). Each input goes through
`extract` (whichever engine it routes to) and through the fallback tokenizer directly, so both
paths are covered whatever the routing thresholds.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cpu_growth import growth
from hypothesis import given, settings
from hypothesis import strategies as st

from dustmail_lite.extraction import extract
from dustmail_lite.extraction import html as html_module

HOSTILE: dict[str, Callable[[int], str]] = {
    "unclosed <a": lambda n: "<a " * n,
    "open comments": lambda n: "<!--" * n,
    "bare <": lambda n: "<" * (3 * n),
    "declarations": lambda n: "<!" * n,
    "unclosed end tags": lambda n: "</a " * n,
    "quotes in an attribute": lambda n: '<a href="https://x.example/" title=' + '"' * (5 * n) + ">x</a>",
    "an unclosed quoted value": lambda n: "<a title='" + "x<a " * n,
    "many attributes": lambda n: "<a " + "x=1 " * n + ">text</a>",
    "nested divs": lambda n: "<div>" * n + "482913" + "</div>" * n,
    "nested anchors": lambda n: "<a href='https://x.example/'>" * n,
    # a tracked link's parameters are skipped one by one to its first redirect parameter
    "a tracked link of many parameters": lambda n: (
        "<a href='https://click.x.example/c/?" + "a=1&amp;" * n + "url=https%3A%2F%2Fx.example%2F'>x</a>"
    ),
    "a tracked link of bad targets": lambda n: (
        "<a href='https://click.x.example/c/?" + "url=http%20x&amp;" * n + "'>x</a>"
    ),
    "misnested formatting": lambda n: "<b><p><i>" * n,
    "nested tables": lambda n: "<table><tr><td>" * n,
    "an open script": lambda n: "<script>" + "</scrip" * n,
    # balanced, so shallow: these stay with lexbor (adoption agency, foster parenting)
    "misnested, balanced": lambda n: "<b><p></b></p>" * n,
    "text in tables": lambda n: "<table>x<b>y</table>" * n,
    # end tags lexbor ignores: they close nothing, so the nesting is n deep (64,000 of the
    # first took 12 s when a nesting estimate counted each end tag as closing a tag)
    "end tags of nothing open": lambda n: "<div></x>" * n,
    "end tags out of scope": lambda n: "<div><table></div></table>" * n,
    "end tags lexbor ignores": lambda n: "<div></body>" * n,
    # formatting elements reopened after every block, each with its own attributes
    "formatting elements reopened": lambda n: "".join(f"<p><b id={i}><p>x" for i in range(n)),
    # one tag, n distinct attributes (lexbor compares each name with those before it)
    "many attributes on one tag": lambda n: "<a " + " ".join(f"x{i}" for i in range(n)) + ">text</a>",
}
# Past MAX_LEXBOR_TAGS "<" markup goes to the fallback tokenizer: n and 4n both above it, so a
# ratio compares one engine with itself (inputs with a few tags stay with lexbor).
N = html_module.MAX_LEXBOR_TAGS + 1


def _growth(parse: Callable[[str], object], make: Callable[[int], str]) -> float:
    return growth(parse, make(N), make(4 * N))


@pytest.mark.parametrize("name", list(HOSTILE))
def test_extract_is_linear_on_hostile_html(name):
    ratio = _growth(lambda markup: extract("subject", "", markup), HOSTILE[name])
    assert ratio < 8, f"{name}: 4x the input took {ratio:.1f}x the time"


@pytest.mark.parametrize("name", list(HOSTILE))
def test_the_fallback_tokenizer_is_linear_on_hostile_html(name):
    ratio = _growth(html_module._parse_flat, HOSTILE[name])
    assert ratio < 8, f"{name}: 4x the input took {ratio:.1f}x the time"


def test_formatting_elements_reopened_with_their_own_attributes_stay_linear_below_the_tag_limit():
    """lexbor reopens every formatting element left open after each block, save three alike:
    with distinct attributes its work grew with their square (1,000 `<p><b id=N><p>x`, 3,000
    tags: 224 ms). Both sizes here are below MAX_LEXBOR_TAGS."""

    def make(n: int) -> str:
        return "".join(f"<p><b id={i}><p>x" for i in range(n))

    small, large = make(300), make(1200)
    assert large.count("<") < html_module.MAX_LEXBOR_TAGS / 2  # far below, whatever the tag limit
    ratio = growth(lambda markup: extract("subject", "", markup), small, large)
    assert ratio < 8, f"4x the input took {ratio:.1f}x the time"


def test_a_few_formatting_elements_with_attributes_stay_with_lexbor():
    """The limit is on how many: a mail's usual <b style=...> and <font face=...> keep lexbor."""
    limit = html_module.MAX_FORMATTING_WITH_ATTRIBUTES
    struggle = html_module._lexbor_would_struggle
    assert not struggle("<b class=x>y</b>" * limit + "<b>" * 100)
    assert struggle("<b class=x>y</b>" * (limit + 1))
    assert struggle("<FONT\tface=Arial>y</FONT>" * (limit + 1))
    assert not struggle("<br class=x>" * 100 + "<bdi x>" * 100 + "</b class=x>" * 100)
    # Counted wherever a "<" and a letter start one, in a comment or an attribute value too.
    assert struggle("<!--" + "<b x>" * (limit + 1) + "-->")


def _attribute_count(tag: str) -> int:
    """How many attributes the fallback tokenizer (as the HTML tokenizer) reads in a tag."""
    return len(_attribute_values(tag))


def _attribute_values(tag: str) -> list[str | None]:
    """The values of a tag's attributes as the fallback tokenizer reads them, quotes kept."""
    position = html_module._TAG_NAME_RE.match(tag).end()
    values = []
    while position < len(tag) and tag[position] != ">":
        attribute = html_module._ATTRIBUTE_RE.match(tag, position)
        if attribute.end() == position:
            break
        if attribute.group(1) is not None:
            values.append(attribute.group(2))
        position = attribute.end()
    return values


def _quoted_across_markup(value: str | None) -> bool:
    """A quoted value holding a "<" or ">", or left open: the scan sends the markup to the flat
    tokenizer (in a comment or a script, where lexbor reads no tag, such a quote would hide the
    tags after the comment from the scan)."""
    if not value or value[0] not in "\"'":
        return False
    return "<" in value or ">" in value or len(value) == 1 or value[-1] != value[0]


def test_a_tag_with_many_attributes_goes_to_the_fallback_tokenizer():
    """lexbor compares each attribute's name with those before it (40,000 distinct ones: 4.4 s)."""
    limit = html_module.MAX_ATTRIBUTES_PER_TAG
    for count in (limit - 1, limit):
        for tag in (
            "<a " + " ".join(f"x{i}" for i in range(count)) + ">",
            "<td " + " ".join(f"x{i}='a/b'" for i in range(count)) + ">",  # "/" quoted: no separator
            "<p/" + "/".join(f'x{i}="a b"' for i in range(count)) + "/>",
            "</x " + " ".join(f"x{i}=1" for i in range(count)),  # an end tag, open at the end
            "<div " + "".join(f'x{i}=""' for i in range(count)) + ">",  # no space after a quote
        ):
            assert _attribute_count(tag) == count, tag
            markup = "<p>text</p>" + tag + "<p>more</p>"
            assert html_module._lexbor_would_struggle(markup) == (count >= limit), (count, tag)
    # A quoted ">" is not the end of the tag, but it is one where lexbor reads a comment: such
    # markup is read by the flat tokenizer, whatever the count.
    assert html_module._lexbor_would_struggle("<p>text</p><td x='>'>cell</td>")
    many = "<a href='https://x.example/' " + " ".join(f"x{i}" for i in range(4 * limit)) + ">Verify</a>"
    document = html_module.parse_html(many)
    assert document == html_module._parse_flat(many)
    assert [(a.href, a.text) for a in document.anchors] == [("https://x.example/", "Verify")]


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        st.sampled_from(["a", "x", "=", '"', "'", ">", " ", "\t", "/", "<", "b", "==", "<b ", "> "]),
        max_size=40,
    ).map("".join)
)
def test_the_attribute_count_of_one_tag_is_read_as_the_tokenizer_reads_it(rest):
    """Below or at the limit, by the fallback tokenizer's own reading of the tag."""
    tag = "<div " + " ".join(f"x{i}" for i in range(html_module.MAX_ATTRIBUTES_PER_TAG - 3)) + " " + rest
    end = html_module._read_attributes(tag, len("<div"))[1]
    first = tag if end < 0 else tag[:end]  # the tag alone, to its ">" or open to the end
    values = _attribute_values(first)
    expected = len(values) >= html_module.MAX_ATTRIBUTES_PER_TAG or any(map(_quoted_across_markup, values))
    assert html_module._lexbor_would_struggle(first) == expected, first


def test_the_fallback_tokenizer_reads_what_the_extractor_needs():
    markup = (
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<p>Your code is <b>482913</b></p><!-- <a href='https://hidden.example/'>no</a> -->"
        "<script>var a = '<a href=\"https://script.example/\">';</script>"
        "<div><a HREF='https://x.example/v?t=a&amp;b=1' title='>'>Verify &amp; go</a></div>"
        '<a href="https://x.example/logo"><img alt="Logo" src="l.png"></a>'
        "<p>1 < 2 and 3 > 2</p><a href='https://x.example/open' title=\"never closed"
    )
    document = html_module._parse_flat(markup)
    assert document.text == "Your code is 482913\n\nVerify & go\n\n1 < 2 and 3 > 2"
    assert [(a.href, a.text, a.image_only) for a in document.anchors] == [
        ("https://x.example/v?t=a&b=1", "Verify & go", False),
        ("https://x.example/logo", "Logo", True),
    ]
    assert document == html_module.parse_html(markup)  # what lexbor reads from it too


def test_tag_soup_leaves_the_rest_of_the_mail_readable():
    markup = "<p>Your verification code is 482913</p>" + "<a " * 20_000
    result = extract("Confirm", "", markup)
    assert [code.value for code in result.codes] == ["482913"]


# A tag the scan cannot see: a quoted value it reads where lexbor reads a comment, a script or
# a title runs past that comment's end into the next tag (40,000 attributes there: 5 s; the
# 1 MB lexbor may read: 67 s).
_MANY = " ".join(f"a{i}" for i in range(4 * html_module.MAX_ATTRIBUTES_PER_TAG))
_FORMATTING = "".join(f"<p><b id={i}>x" for i in range(4 * html_module.MAX_FORMATTING_WITH_ATTRIBUTES))


@pytest.mark.parametrize(
    "markup",
    [
        f'<!-- <a title=" --><div {_MANY}>x</div>',  # lexbor: a comment, then the tag
        f'<!-- <a title=" -->" <div="{_MANY} ">x</div>',  # the quote closed before the tag
        f"<? <a title=' ?><div {_MANY}>x</div>",  # a bogus comment
        f'<script><a x="</script><div {_MANY}>x</div>',
        f"<title><a x='</title><div {_MANY}>x</div>",
        f"<textarea><a x='</textarea><div {_MANY}>x</div>",
        f'<svg><![CDATA[<a x="]]><div {_MANY}>x</div>',
        '<!-- <a title=" -->' + _FORMATTING,
    ],
)
def test_a_tag_behind_a_quote_opened_in_a_comment_is_still_counted(markup):
    assert html_module._lexbor_would_struggle(markup)


def test_options_of_one_select_stay_linear_below_the_tag_limit():
    """lexbor's work on the options of one <select> grows with their square (7,990 of them,
    72 KB: 230 ms; 1,000: 3 ms). Both sizes here are below MAX_LEXBOR_TAGS."""

    def make(n: int) -> str:
        return "<p>Your code is 482913</p><select>" + "<option>x" * n

    small, large = make(1000), make(4000)
    assert large.count("<") < html_module.MAX_LEXBOR_TAGS
    ratio = growth(lambda markup: extract("subject", "", markup), small, large)
    assert ratio < 8, f"4x the input took {ratio:.1f}x the time"
