"""HTML to text and anchors, with lexbor (selectolax): a 100 KB mail in about 2 ms.

Block elements become line breaks, so "a code on a line of its own" means the same in an HTML
part as in a text part. Whitespace inside the markup collapses as a browser would show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from selectolax.lexbor import LexborHTMLParser

_BLOCK_TAG_RE = re.compile(
    r"<(?=/?(?:p|div|br|tr|li|h[1-6]|table|section|article|header|footer|blockquote|pre|hr|td|th|ul|ol|"
    r"center|dd|dt|tbody|thead|tfoot)\b)",
    re.IGNORECASE,
)
_BREAK = "\ue000"  # a private-use character: where a block starts or ends
_SPACE_RE = re.compile(r"[ \t\r\n\f\v\u00a0\u200b\u200c\u200d\ufeff\u034f]+")
_LINES_RE = re.compile(r" ?\ue000 ?")
_SKIP_TAGS = ["script", "style", "head", "title", "noscript", "template"]
MAX_ANCHORS = 1000


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
    tree = LexborHTMLParser(_BLOCK_TAG_RE.sub(_BREAK + "<", markup))
    tree.strip_tags(_SKIP_TAGS)
    anchors = []
    for node in tree.css("a[href], area[href]")[:MAX_ANCHORS]:
        href = (node.attributes.get("href") or "").strip()
        if not href:
            continue
        text = " ".join(_SPACE_RE.sub(" ", (node.text(deep=True) or "").replace(_BREAK, " ")).split())
        image_only = False
        if not text:
            image = node.css_first("img")
            if image is not None:
                image_only = True
                text = " ".join((image.attributes.get("alt") or "").split())
        anchors.append(Anchor(href, text[:200], image_only))
    root = tree.body or tree.root
    raw = root.text(deep=True, separator="") if root is not None else ""
    return HtmlDocument(_tidy(raw), anchors)


def _tidy(raw: str) -> str:
    """Collapsed spaces, block breaks as newlines, at most one blank line in a row."""
    text = _SPACE_RE.sub(" ", raw)
    text = _LINES_RE.sub("\n", text)
    lines = [line.strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def html_to_text(markup: str) -> str:
    return parse_html(markup).text
