"""What an email offers a test suite: ranked one-time codes and links, each with its reasons.

`extract(subject, text, html)` runs at ingest (from `mime.parse_message`) and for the
dry-run endpoint; its `as_details()` is what the email JSON carries: `codes` and `links`
(plain strings, best first) and `code_details`, `rejected_codes`, `link_details`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codes import CodeCandidate, Decoy, find_codes
from .html import html_to_text, parse_html
from .links import LinkCandidate, find_links
from .normalise import normalise

__all__ = ["MAX_HTML", "Extraction", "extract", "html_to_text"]

MAX_HTML = 1024 * 1024  # characters of an HTML part searched for links and codes
MAX_CODES = 5
MAX_DECOYS = 10
MAX_LINK_DETAILS = 50  # the details of the best links; `links` keeps up to 200 plain URLs


@dataclass(frozen=True)
class Extraction:
    codes: list[CodeCandidate]
    decoys: list[Decoy]
    links: list[LinkCandidate]
    html_text: str  # the whole HTML part as text ("" when it was longer than MAX_HTML)

    def as_details(self) -> dict[str, Any]:
        return {
            "codes": [c.value for c in self.codes],
            "code_details": [c.as_json() for c in self.codes],
            "rejected_codes": [d.as_json() for d in self.decoys],
            "links": [link.url for link in self.links],
            "link_details": [link.as_json() for link in self.links[:MAX_LINK_DETAILS]],
        }


def extract(subject: str, text: str, html: str) -> Extraction:
    """Codes and links of one message. `text` may be the HTML's text when the mail has no text
    part; it is then searched once, as "html"."""
    anchors = []
    html_text = ""
    if html:
        document = parse_html(html[:MAX_HTML])
        anchors = document.anchors
        html_text = document.text
    text_source = "" if text == html_text else text
    sources = [
        ("subject", normalise((subject or "")[:1000])),
        ("text", normalise(text_source[:30_000])),
        ("html", normalise(html_text[:30_000])),
    ]
    codes, decoys = find_codes(sources)
    links = find_links(text or html_text, anchors)
    complete_text = html_text if len(html) <= MAX_HTML else ""
    return Extraction(codes[:MAX_CODES], decoys[:MAX_DECOYS], links, complete_text)
