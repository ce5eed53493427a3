"""HTML to text and anchors, with lexbor (selectolax): a 100 KB mail in about 2 ms.

Block elements become line breaks, so "a code on a line of its own" means the same in an HTML
part as in a text part. Whitespace inside the markup collapses as a browser would show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from itertools import accumulate

from selectolax.lexbor import LexborHTMLParser

_BLOCK_TAG_RE = re.compile(
    r"<(?=/?(?:p|div|br|tr|li|h[1-6]|table|section|article|header|footer|blockquote|pre|hr|td|th|ul|ol|"
    r"center|dd|dt|tbody|thead|tfoot)\b)",
    re.IGNORECASE,
)
_BREAK = "\ue000"  # a private-use character: where a block starts or ends
_SKIP_TAGS = ["script", "style", "head", "title", "noscript", "template"]
MAX_ANCHORS = 1000
# lexbor's tree building is quadratic in nesting depth (2,000 nested <div>s: 3 ms; 100,000:
# minutes), so deeply nested markup goes through the standard library's flat tokenizer. Below
# 4,000 "<" no nesting can cost much, and the depth is not even measured.
MAX_DEPTH = 256
# lexbor holds the GIL while it parses (10 MB: ~0.1 s), which would stall the event loop even
# from a worker thread; past 1 MB the pure-Python tokenizer, which lets the loop run, is used.
MAX_LEXBOR = 1024 * 1024
_TAGS_BEFORE_DEPTH_CHECK = 4000
_TAG_START_RE = re.compile(
    r"<(/?)(?!(?:area|base|br|col|embed|hr|img|input|link|meta|source|track|wbr)\b)[a-zA-Z]", re.IGNORECASE
)
_STEP = {"": 1, "/": -1}


@dataclass(frozen=True)
class Anchor:
    href: str
    text: str  # the visible text, or the alt text of an image inside it
    image_only: bool  # the anchor shows an image and no text (a logo, a social icon)


@dataclass(frozen=True)
class HtmlDocument:
    text: str
    anchors: list[Anchor]


def parse_html(markup: str) -> HtmlDocument:
    if len(markup) > MAX_LEXBOR or (
        markup.count("<") > _TAGS_BEFORE_DEPTH_CHECK and _max_depth(markup) > MAX_DEPTH
    ):
        return _parse_flat(markup)
    tree = LexborHTMLParser(_BLOCK_TAG_RE.sub(_BREAK + "<", markup))
    tree.strip_tags(_SKIP_TAGS)
    anchors = []
    for node in tree.css("a[href], area[href]")[:MAX_ANCHORS]:
        href = (node.attrs.get("href") or "").strip()
        if not href:
            continue
        text = " ".join((node.text(deep=True) or "").replace(_BREAK, " ").split())
        image_only = False
        if not text:
            image = node.css_first("img")
            if image is not None:
                image_only = True
                text = " ".join((image.attrs.get("alt") or "").split())
        anchors.append(Anchor(href, text[:200], image_only))
    root = tree.body or tree.root
    raw = root.text(deep=True, separator="") if root is not None else ""
    return HtmlDocument(_tidy(raw), anchors)


_INVISIBLE = "\u200b\u200c\u200d\ufeff\u034f\u00ad"  # zero-width characters used as preheader padding


def _tidy(raw: str) -> str:
    """Collapsed spaces, block breaks as newlines, at most one blank line in a row."""
    for char in _INVISIBLE:
        if char in raw:
            raw = raw.replace(char, "")
    out: list[str] = []
    for block in raw.split(_BREAK):
        line = " ".join(block.split())
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def html_to_text(markup: str) -> str:
    return parse_html(markup).text


def _max_depth(markup: str) -> int:
    """An upper bound of the nesting depth: opening tags minus closing ones, at the worst point."""
    steps = list(accumulate(map(_STEP.__getitem__, _TAG_START_RE.findall(markup))))
    return max(steps, default=0) - min(0, min(steps, default=0))


class _FlatScanner(HTMLParser):
    """Text and anchors from a token stream: no tree, so linear whatever the nesting."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.anchors: list[Anchor] = []
        self._skip = 0
        self._anchor: tuple[str, list[str], str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif _BLOCK_TAG_RE.match("<" + tag):
            self.parts.append(_BREAK)
        values = dict(attrs)
        if tag in ("a", "area") and values.get("href") and len(self.anchors) < MAX_ANCHORS:
            self._close_anchor()
            self._anchor = (str(values["href"]).strip(), [], "")
        elif tag == "img" and self._anchor is not None and not self._anchor[2]:
            self._anchor = (self._anchor[0], self._anchor[1], str(values.get("alt") or " "))

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        elif _BLOCK_TAG_RE.match("</" + tag):
            self.parts.append(_BREAK)
        if tag in ("a", "area"):
            self._close_anchor()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            if self._anchor is not None:
                self._anchor[1].append(data)

    def _close_anchor(self) -> None:
        if self._anchor is not None:
            href, texts, alt = self._anchor
            text = " ".join(" ".join(texts).split())
            self.anchors.append(Anchor(href, (text or " ".join(alt.split()))[:200], not text and bool(alt)))
            self._anchor = None


def _parse_flat(markup: str) -> HtmlDocument:
    scanner = _FlatScanner()
    try:
        scanner.feed(markup)
        scanner.close()
    except Exception:
        pass  # a best effort on broken markup: keep what was read
    scanner._close_anchor()
    return HtmlDocument(_tidy("".join(scanner.parts)), scanner.anchors)
