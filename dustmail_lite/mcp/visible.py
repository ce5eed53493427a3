"""What a person reading an email would see, for handing email content to a language model:
HTML reduced to its visible text and links, with text hidden by HTML or CSS left out, and
invisible characters (zero-width, bidi controls, Unicode tags) removed everywhere.

Hidden text is the classic carrier of prompt injection: a sender writes instructions a
human never sees (`display:none`, `font-size:0`, white on white) that a model reading the
raw HTML or text would take in. Detection is deliberately cheap (inline styles and
attributes only, no stylesheets or layout): it removes the common tricks, not all of them,
which is why the tool results also mark everything as untrusted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape
from urllib.parse import urlsplit

from ..extraction.html import _FlatScanner

# Zero-width and joiner characters, bidi controls, soft hyphen, Unicode tag characters (which
# can spell out ASCII invisibly) and the supplementary variation selectors; C0/C1 controls.
INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0\U000e0000-\U000e007f\U000e0100-\U000e01ef]"
    "|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)

_SKIP = {"script", "style", "head", "title", "template", "noscript", "svg", "math", "object", "iframe"}
_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
}  # fmt: skip
_BLOCK = {
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "header", "footer", "blockquote", "pre", "hr", "ul", "ol", "td", "th",
}  # fmt: skip
MAX_DEPTH = 256
MAX_LINK_TEXT = 300  # characters of a link's text kept (and looked at for domains)
_NAMED_COLOURS = {
    "white": "#ffffff", "black": "#000000", "red": "#ff0000", "blue": "#0000ff", "green": "#008000",
    "gray": "#808080", "grey": "#808080", "silver": "#c0c0c0", "yellow": "#ffff00",
}  # fmt: skip
_DOMAIN_IN_TEXT = re.compile(r"\b((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62})\b", re.I)
_NEGATIVE_OFFSET = re.compile(r"^-\s*\d{3,}")
# Names in a link's text that look like domains but are file names.
_FILE_SUFFIXES = {
    "pdf",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "html",
    "htm",
    "doc",
    "docx",
    "zip",
    "txt",
    "csv",
    "xls",
}


def strip_invisible(text: str) -> str:
    return INVISIBLE.sub("", text)


def _colour(value: str | None) -> str | None:
    """A colour as #rrggbb where that is cheap to tell (hex, rgb(), a few names)."""
    if not value:
        return None
    value = value.strip().lower().replace(" ", "")
    if value in _NAMED_COLOURS:
        return _NAMED_COLOURS[value]
    if re.fullmatch(r"#[0-9a-f]{3}", value):
        return "#" + "".join(ch * 2 for ch in value[1:])
    if re.fullmatch(r"#[0-9a-f]{6}", value):
        return value
    match = re.fullmatch(r"rgba?\((\d+),(\d+),(\d+)(?:,[\d.]+)?\)", value)
    if match:
        return "#" + "".join(f"{min(255, int(n)):02x}" for n in match.groups())
    return None


def _style(text: str | None) -> dict[str, str]:
    declarations: dict[str, str] = {}
    for part in (text or "").split(";"):
        name, _, value = part.partition(":")
        if value:
            declarations[name.strip().lower()] = value.strip().lower().replace("!important", "").strip()
    return declarations


def _zero(value: str) -> bool:
    return bool(re.fullmatch(r"0*\.?0*(px|pt|em|rem|%|ex|ch|vw|vh)?", value.replace(" ", "")))


@dataclass
class _Element:
    tag: str
    hidden: bool
    colour: str | None
    background: str | None


def _hides(style: dict[str, str], attrs: dict[str, str | None]) -> bool:
    if "hidden" in attrs:
        return True
    if style.get("display") == "none" or style.get("visibility") in ("hidden", "collapse"):
        return True
    if style.get("mso-hide") == "all" or style.get("color") == "transparent":
        return True
    if "font-size" in style and _zero(style["font-size"]):
        return True
    if "opacity" in style and _zero(style["opacity"]):
        return True
    overflow_hidden = style.get("overflow") == "hidden"
    if overflow_hidden and any(
        _zero(style.get(k, "1")) for k in ("height", "max-height", "width", "max-width")
    ):
        return True
    return any(
        _NEGATIVE_OFFSET.match(style.get(k, "")) for k in ("text-indent", "left", "top", "margin-left")
    )


@dataclass
class VisibleHtml:
    text: str
    links: list[tuple[str, str]]  # (href, visible text), in order
    hidden_chars: int  # characters of text left out as hidden


class _Scanner(_FlatScanner):
    """The extraction's fallback tokenizer, which reads every character a bounded number of
    times, with hooks of its own. Not the standard library's `HTMLParser`: that one scans the
    rest of the input again at each "<" it cannot finish (24 KB of unclosed "<a " took 4 s,
    the 300,000 characters looked at, minutes, in a thread of the server)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self.hidden_chars = 0
        self.stack: list[_Element] = [_Element("#root", False, None, None)]
        self.anchor: tuple[str, list[str]] | None = None
        self.anchor_depth = 0

    def _start_tag(self, tag: str, attributes: dict[str, str | None]) -> None:
        parent = self.stack[-1]
        style = _style(attributes.get("style"))
        colour = _colour(style.get("color") or attributes.get("color")) or parent.colour
        background = (
            _colour(style.get("background-color") or style.get("background") or attributes.get("bgcolor"))
            or parent.background
        )
        hidden = parent.hidden or tag in _SKIP or _hides(style, attributes)
        if colour is not None and colour == background:
            hidden = True  # text in the colour of its background
        if tag in _BLOCK and not hidden:
            self.parts.append("\n")
        if tag == "a" and not hidden:
            self.anchor = (attributes.get("href") or "", [])
            self.anchor_depth = len(self.stack)
        if tag not in _VOID and len(self.stack) < MAX_DEPTH:
            self.stack.append(_Element(tag, hidden, colour, background))

    def _end_tag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                break
        if self.anchor is not None and len(self.stack) <= self.anchor_depth:
            self._end_anchor()
        if tag in _BLOCK:
            self.parts.append("\n")

    def _data(self, data: str) -> None:
        if "&" in data:
            data = unescape(data)
        if self.stack[-1].hidden:
            self.hidden_chars += len(data.strip())
            return
        self.parts.append(data)
        if self.anchor is not None and sum(map(len, self.anchor[1])) < MAX_LINK_TEXT:
            self.anchor[1].append(data)

    def _end_anchor(self) -> None:
        if self.anchor is not None:
            href, text = self.anchor
            self.links.append((href, " ".join("".join(text).split())[:MAX_LINK_TEXT]))
            self.anchor = None


def visible_html(markup: str) -> VisibleHtml:
    """The visible text and links of an email's HTML (invisible characters removed)."""
    scanner = _Scanner()
    scanner.feed(strip_invisible(markup))
    scanner._end_anchor()
    lines = (" ".join(line.split()) for line in "".join(scanner.parts).splitlines())
    visible = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return VisibleHtml(visible, scanner.links, scanner.hidden_chars)


def _same_site(text_domain: str, host: str) -> bool:
    return host == text_domain or host.endswith("." + text_domain) or text_domain.endswith("." + host)


def link_warning(href: str, text: str) -> str | None:
    """Why a link deserves suspicion, or None: its visible text names another domain than the
    one it leads to, or it leads somewhere other than http(s), or to a punycode host."""
    try:
        parts = urlsplit(href.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return "the link is malformed"
    if parts.scheme.lower() not in ("http", "https"):
        return f"the link uses the {parts.scheme or 'relative'} scheme, not http(s)"
    if host.startswith("xn--") or ".xn--" in host:
        return f"the link's host {host} is an internationalised (punycode) name that may imitate another"
    for match in _DOMAIN_IN_TEXT.finditer(text[:MAX_LINK_TEXT].lower()):
        named = match.group(1).rstrip(".")
        if named.rsplit(".", 1)[-1] in _FILE_SUFFIXES or named.replace(".", "").isdigit():
            continue
        if not _same_site(named, host):
            return f"the visible text names {named} but the link goes to {host}"
    return None
