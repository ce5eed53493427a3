"""HTML to text and anchors, with lexbor (selectolax): a 100 KB mail in about 2 ms.

Block elements become line breaks, so "a code on a line of its own" means the same in an HTML
part as in a text part. Whitespace inside the markup collapses as a browser would show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .caseless import caseless, caseless_trie, first_letters

# fmt: off
BLOCK_TAGS = (
    "p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article",
    "header", "footer", "blockquote", "pre", "hr", "td", "th", "ul", "ol", "center", "dd", "dt", "tbody",
    "thead", "tfoot",
)
# fmt: on
# Case-insensitive by hand (a fifth less work than re.IGNORECASE on a 100 KB mail, and a quarter
# less again with the first two letters as literal alternatives).
_BLOCK_TAG_RE = re.compile("<(?=/?" + caseless_trie(BLOCK_TAGS, word_end=r"\b") + ")")
_BREAK = "\ue000"  # a private-use character: where a block starts or ends
# The mark put in the markup when it holds no BEL of its own, not even as a character reference:
# ASCII markup then stays ASCII, which lexbor reads faster (0.7 against 1.1 ms for the dense bench
# mail). Every BEL in what lexbor gives back is then a mark, and is read as _BREAK.
_ASCII_BREAK = "\x07"
_BEL_REFERENCE_RE = re.compile(r"&#[xX]?0*7")  # "&#7;", "&#x07", "&#0007"... and some others
_SKIP_TAGS = ["script", "style", "head", "title", "noscript", "template"]
MAX_ANCHORS = 1000
# lexbor's tree building is quadratic in places, so some markup goes through the flat tokenizer
# below, which is linear whatever its input:
# - Nesting: 8,000 nested <div>s take 36 ms, 100,000 minutes. The depth cannot be told from the
#   tags without building the tree: an end tag lexbor ignores (`<div></x>`, or `</div>` past a
#   <table>) closes nothing, and 64,000 `<div></x>` took 12 s. Markup with more than
#   MAX_LEXBOR_TAGS "<" goes to the flat tokenizer, whatever its nesting (a 100 KB mail has
#   2,000-4,000); below it the worst measured is 40 ms (8,000 nested <div>s).
# - Formatting elements left open (<b>, <font>...): lexbor re-opens each after every block,
#   unless three alike are already open, so with distinct attributes (`<p><b id=N><p>x`, 1,000
#   times: 224 ms) the work grows with their square. With more than
#   MAX_FORMATTING_WITH_ATTRIBUTES of them the flat tokenizer reads the markup; at most that many
#   and 36 alike, reopened at each of 8,000 tags, took 48 ms.
# - Attributes: lexbor compares each attribute's name with those before it in the tag (40,000
#   distinct ones: 4.4 s, 16,000: 0.3 s). A tag with MAX_ATTRIBUTES_PER_TAG of them or more, and
#   the flat tokenizer (which keeps 256 per tag) reads the markup.
# - Size: lexbor holds the GIL while it parses (10 MB: ~0.1 s), which would stall the event loop
#   even from a worker thread; past MAX_LEXBOR the pure-Python tokenizer, which lets it run, is used.
# - Options: lexbor's work on the <option>s of one <select> grows with their square (7,990: 230 ms,
#   2,000: 12 ms); past MAX_OPTIONS "<option" in the markup the flat tokenizer reads it.
MAX_LEXBOR = 1024 * 1024
MAX_LEXBOR_TAGS = 8000
MAX_OPTIONS = 2000
_OPTION_TAG_RE = re.compile("<" + caseless("option"))
MAX_FORMATTING_WITH_ATTRIBUTES = 32
MAX_ATTRIBUTES_PER_TAG = 64
_FORMATTING_TAGS = ("b", "big", "code", "em", "font", "i", "s", "small", "strike", "strong", "tt", "u")
# The start of such a tag with an attribute (its name then a space or "/"), in any case. The class
# first turns away most "<" at once (a quarter less work on a 100 KB mail).
_FORMATTING_WITH_ATTRIBUTES = f"<(?={first_letters(_FORMATTING_TAGS)})" + caseless_trie(
    _FORMATTING_TAGS, word_end=r"[\t\n\f\r /]"
)
# A start or end tag as the tokenizer reads it (each attribute a name, then "=" and a value), to
# its ">" or the end of the input, if it has fewer than MAX_ATTRIBUTES_PER_TAG attributes and
# no quoted value holding a "<" or ">" or left open. Such a value, read here in a comment or a
# script where lexbor sees none, would run past the comment's end over a tag lexbor reads:
# no match, and the flat tokenizer reads the markup. Possessive: each character read once.
_TAG_WITH_FEW_ATTRIBUTES = (
    r"</?[a-zA-Z][^\t\n\r\f />]*+"
    r"""(?:[\t\n\r\f /]*+[^\t\n\r\f />][^\t\n\r\f />=]*+(?:[\t\n\r\f ]*+=[\t\n\r\f ]*+"""
    r"""(?:"[^"<>]*+"|'[^'<>]*+'|(?!["'])[^\t\n\r\f >]*+)|(?![\t\n\r\f ]*+=)))"""
    f"{{0,{MAX_ATTRIBUTES_PER_TAG - 1}}}+"
    r"[\t\n\r\f /]*+(?:>|\Z)"
)
_TAG_WITH_FEW_ATTRIBUTES_RE = re.compile(_TAG_WITH_FEW_ATTRIBUTES)
# Text and tags up to the first formatting start tag with attributes or tag with too many (every
# "<" that starts no tag is text). Every "<" followed by a letter is read as a tag, also in a
# comment or a script: more tags than lexbor sees, never fewer.
_CALM_MARKUP_RE = re.compile(
    rf"(?:[^<]*+(?:(?!{_FORMATTING_WITH_ATTRIBUTES}){_TAG_WITH_FEW_ATTRIBUTES}|<(?!/?[a-zA-Z])))*+[^<]*+"
)


# Not frozen: a frozen dataclass sets each field through object.__setattr__, three times the cost
# of building one, and a mail has hundreds of anchors. Nothing changes an anchor once made.
@dataclass(slots=True)
class Anchor:
    href: str
    text: str  # the visible text, or the alt text of an image inside it
    image_only: bool  # the anchor shows an image and no text (a logo, a social icon)


@dataclass(frozen=True)
class HtmlDocument:
    text: str
    anchors: list[Anchor]


def parse_html(markup: str) -> HtmlDocument:
    if len(markup) > MAX_LEXBOR or _too_many_tags(markup) or _lexbor_would_struggle(markup):
        return _parse_flat(markup)
    mark = _BREAK if _ASCII_BREAK in markup or _BEL_REFERENCE_RE.search(markup) else _ASCII_BREAK
    marked = _BLOCK_TAG_RE.sub(mark + "<", markup)
    tree = LexborHTMLParser(marked)
    tree.strip_tags(_SKIP_TAGS)
    anchors = []
    # Anchors side by side hold no more text than the markup. Nested ones (an anchor in a table
    # cell of another) each hold all the text below them: 2,000 of them took 4.4 s to read.
    text_left = len(marked)
    for node in tree.css("a[href], area[href]")[:MAX_ANCHORS]:
        href = (node.attrs.get("href") or "").strip()
        if not href:
            continue
        text = node.text(deep=True)  # an image-only anchor has none: nothing to collapse then
        text_left -= len(text)
        if text_left < 0:
            return _parse_flat(markup)
        text = " ".join(text.replace(_BREAK, " ").replace(mark, " ").split()) if text else ""
        image_only = False
        if not text:
            image = _first_image(node)
            if image is not None:
                image_only = True
                text = " ".join((image.attrs.get("alt") or "").split())
        if mark in href or mark in text:  # a "<" inside an attribute value: a mark reads as _BREAK
            href, text = href.replace(mark, _BREAK), text.replace(mark, _BREAK)
        anchors.append(Anchor(href, text[:200], image_only))
    root = tree.body or tree.root
    raw = root.text(deep=True, separator="") if root is not None else ""
    if mark != _BREAK and _BREAK in raw:
        raw = raw.replace(_BREAK, mark)  # a U+E000 of the mail's own still breaks a block
    return HtmlDocument(_tidy(raw, mark), anchors)


_IMAGE_STEPS = 32  # nodes of an anchor walked in Python before asking lexbor's selector


def _first_image(anchor: LexborNode) -> LexborNode | None:
    """The anchor's first <img>, as `css_first("img")` finds it, without a selector query for
    the usual anchor of a few nodes (a query costs more than walking them)."""
    child = anchor.child
    if child is not None and child.tag == "img":
        return child  # the first node after the anchor in the walk below, found without one
    for steps, node in enumerate(anchor.traverse()):
        if node.tag == "img":
            return node
        if steps == _IMAGE_STEPS:
            return anchor.css_first("img")
    return None


_INVISIBLE = "\u200b\u200c\u200d\ufeff\u034f\u00ad"  # zero-width characters used as preheader padding


def _tidy(raw: str, mark: str = _BREAK) -> str:
    """Collapsed spaces, block breaks as newlines, at most one blank line in a row."""
    for char in _INVISIBLE:
        if char in raw:
            raw = raw.replace(char, "")
    # Most blocks are empty (a mark at each end of every cell): they are kept without a split.
    # A long block is collapsed a piece at a time (see _collapse_long).
    lines = "\n".join(
        [
            (" ".join(block.split()) if len(block) <= _SPLIT_AT_MOST else _collapse_long(block))
            if block
            else ""
            for block in raw.split(mark)
        ]
    )
    return _BLANK_LINES_RE.sub("\n\n", lines).strip()  # no line holds a "\n": only runs of blank ones


# A block longer than this is collapsed a piece at a time: the list of a long block's words
# takes ten times its size (133 MB for the 10 MB of words an HTML part may hold, read in full
# when the mail has no text part). `\s` and `str.split()` take the same characters.
_SPLIT_AT_MOST = 64 * 1024
_SPACE_RE = re.compile(r"\s")


def _collapse_long(block: str) -> str:
    """`" ".join(block.split())`, with no more than _SPLIT_AT_MOST characters' words listed
    at once: the block is cut at a space past each such stretch, so no word is cut."""
    pieces = []
    start = 0
    while start < len(block):
        space = _SPACE_RE.search(block, start + _SPLIT_AT_MOST)
        end = space.start() if space else len(block)
        piece = " ".join(block[start:end].split())
        if piece:
            pieces.append(piece)
        start = end
    return " ".join(pieces)


# Runs of three or more newlines, spelt with two literal ones first: re then looks for "\n\n" with a
# fast string search; `\n{3,}` gives it no first character, so it tried a match at every one
# (0.15 against 0.03 ms over the dense bench mail's text).
_BLANK_LINES_RE = re.compile("\n\n\n+")


def html_to_text(markup: str) -> str:
    return parse_html(markup).text


def _too_many_tags(markup: str) -> bool:
    """More than MAX_LEXBOR_TAGS "<", or more than MAX_OPTIONS of them starting an <option>."""
    tags = markup.count("<")
    if tags > MAX_LEXBOR_TAGS:
        return True
    return tags > MAX_OPTIONS and len(_OPTION_TAG_RE.findall(markup)) > MAX_OPTIONS


def _lexbor_would_struggle(markup: str) -> bool:
    """Whether a tag has MAX_ATTRIBUTES_PER_TAG attributes or more, or more than
    MAX_FORMATTING_WITH_ATTRIBUTES formatting start tags have attributes: one pass over the tags."""
    position, end, formatting = 0, len(markup), 0
    while True:
        calm = _CALM_MARKUP_RE.match(markup, position)
        assert calm is not None  # every part of the pattern is optional
        if calm.end() == end:
            return False
        # A formatting start tag with attributes (counted, then passed), or a tag with too many.
        tag = _TAG_WITH_FEW_ATTRIBUTES_RE.match(markup, calm.end())
        formatting += 1
        if tag is None or formatting > MAX_FORMATTING_WITH_ATTRIBUTES:
            return True
        position = tag.end()


class _FlatScanner:
    """Text and anchors from a token stream: no tree, so linear whatever the nesting.

    A tokenizer of its own, not the standard library's `HTMLParser`: that one re-scans the
    rest of the input at every "<" it cannot finish (60 KB of unclosed "<a " took minutes,
    repeated "<!--" too on unpatched Pythons). Here every character is read a bounded number
    of times: a tag, comment or raw-text element left open runs to the end of the input, as
    in a browser, and is never scanned again.
    """

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.anchors: list[Anchor] = []
        self._skip = 0
        self._anchor: tuple[str, list[str], str] | None = None

    def feed(self, markup: str) -> None:
        text_start = search_from = 0
        end = len(markup)
        while search_from < end:
            opening = markup.find("<", search_from)
            if opening < 0:
                break
            after = self._markup(markup, opening, text_start)
            if after < 0:  # a "<" that starts nothing: text
                search_from = opening + 1
            else:
                text_start = search_from = after
        if text_start < end:
            self._data(markup[text_start:])

    def _markup(self, markup: str, opening: int, text_start: int) -> int:
        """Reads the construct at `opening` (a "<"), text from `text_start` before it; returns
        where the next one starts, or -1 when the "<" is text."""
        tag = _TAG_NAME_RE.match(markup, opening)
        if tag is None and not markup.startswith(("<!", "<?", "</"), opening):
            return -1
        if opening > text_start:
            self._data(markup[text_start:opening])
        if markup.startswith("<!--", opening):
            comment_end = _COMMENT_END_RE.search(markup, opening + 4)
            return comment_end.end() if comment_end else len(markup)
        if tag is None:  # a declaration, or a bogus comment
            close = markup.find(">", opening + 2)
            return close + 1 if close >= 0 else len(markup)
        attrs, after = _read_attributes(markup, tag.end())
        if after < 0:
            return len(markup)  # a tag still open at the end of the input is dropped
        name = tag.group(2).lower()
        if tag.group(1):
            self._end_tag(name)
            return after
        self._start_tag(name, attrs)
        if markup.startswith("/>", after - 2):
            self._end_tag(name)
        elif name in _RAW_TEXT_TAGS:
            return self._raw_text(markup, name, after)
        return after

    def _raw_text(self, markup: str, name: str, start: int) -> int:
        """The content of <script>, <style>, <title>...: text up to its end tag, no markup."""
        close = _RAW_TEXT_END_RE[name].search(markup, start)
        stop = close.start() if close else len(markup)
        if stop > start:
            self._data(markup[start:stop])
        return stop

    def _start_tag(self, tag: str, values: dict[str, str | None]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        elif _BLOCK_TAG_RE.match("<" + tag):
            self.parts.append(_BREAK)
        if tag in ("a", "area") and values.get("href") and len(self.anchors) < MAX_ANCHORS:
            self._close_anchor()
            self._anchor = (str(values["href"]).strip(), [], "")
        elif tag == "img" and self._anchor is not None and not self._anchor[2]:
            self._anchor = (self._anchor[0], self._anchor[1], str(values.get("alt") or " "))

    def _end_tag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        elif _BLOCK_TAG_RE.match("</" + tag):
            self.parts.append(_BREAK)
        if tag in ("a", "area"):
            self._close_anchor()

    def _data(self, raw: str) -> None:
        if not self._skip:
            data = unescape(raw) if "&" in raw else raw
            self.parts.append(data)
            if self._anchor is not None:
                self._anchor[1].append(data)

    def _close_anchor(self) -> None:
        if self._anchor is not None:
            href, texts, alt = self._anchor
            text = " ".join(" ".join(texts).split())
            self.anchors.append(Anchor(href, (text or " ".join(alt.split()))[:200], not text and bool(alt)))
            self._anchor = None


_COMMENT_END_RE = re.compile(r"--!?>")
_TAG_NAME_RE = re.compile(r"<(/?)([a-zA-Z][^\t\n\r\f />]*+)")
# One attribute, the spaces and slashes before it included; a quoted value left open runs to
# the end of the input. Possessive quantifiers: no backtracking, so linear on any input.
_ATTRIBUTE_RE = re.compile(
    r"""[\t\n\r\f /]*+(?:([^\t\n\r\f />][^\t\n\r\f />=]*+)"""
    r"""(?:[\t\n\r\f ]*+=[\t\n\r\f ]*+("[^"]*+"?|'[^']*+'?|[^\t\n\r\f >]*+))?)?"""
)
_RAW_TEXT_TAGS = ("script", "style", "title", "textarea", "xmp", "iframe", "noembed", "noframes")
_RAW_TEXT_END_RE = {name: re.compile(rf"</{name}(?=[\t\n\r\f />])", re.IGNORECASE) for name in _RAW_TEXT_TAGS}
MAX_ATTRIBUTES = 256  # read per tag; the rest of a tag with more is skipped, not kept


def _read_attributes(markup: str, position: int) -> tuple[dict[str, str | None], int]:
    """The attributes of a tag (the first of a name wins, as in a browser) and the index after
    its ">", or -1 when the input ends inside the tag."""
    values: dict[str, str | None] = {}
    end = len(markup)
    while position < end:
        if markup[position] == ">":
            return values, position + 1
        attribute = _ATTRIBUTE_RE.match(markup, position)
        assert attribute is not None  # every part of the pattern is optional
        if attribute.end() == position:
            return values, position + 1 if markup[position] == ">" else -1
        position = attribute.end()
        name, value = attribute.group(1), attribute.group(2)
        if name is not None and len(values) < MAX_ATTRIBUTES:
            values.setdefault(name.lower(), None if value is None else _attribute_value(value))
    return values, -1


def _attribute_value(value: str) -> str:
    if value[:1] in ("'", '"'):
        value = value[1:-1] if len(value) > 1 and value[-1] == value[0] else value[1:]
    return unescape(value) if "&" in value else value


def _parse_flat(markup: str) -> HtmlDocument:
    scanner = _FlatScanner()
    scanner.feed(markup)
    scanner._close_anchor()
    return HtmlDocument(_tidy("".join(scanner.parts)), scanner.anchors)
