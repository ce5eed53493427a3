"""The extraction API of earlier releases, kept for callers; the engine is `dustmail_lite.extraction`."""

from __future__ import annotations

from .extraction import extract, html_to_text
from .extraction.codes import find_codes
from .extraction.html import parse_html
from .extraction.links import find_links
from .extraction.normalise import normalise

__all__ = ["extract", "extract_codes", "extract_links", "html_to_text"]


def extract_codes(subject: str, text: str, limit: int = 5) -> list[str]:
    """Likely one-time codes, best first."""
    sources = [("subject", normalise((subject or "")[:1000])), ("text", normalise((text or "")[:30_000]))]
    ranked, _ = find_codes(sources)
    return [c.value for c in ranked[:limit]]


def extract_links(text: str, html: str, limit: int = 200) -> list[str]:
    """Absolute http(s) links, the verification link first."""
    anchors = parse_html(html).anchors if html else []
    return [link.url for link in find_links(text, anchors, limit)]
