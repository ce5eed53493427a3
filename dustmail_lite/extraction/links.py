"""Links with a kind and a rank: the verification link first, tracking redirects unwrapped.

Kinds: `verification` (confirm, verify, activate, magic sign-in, reset), `unsubscribe`,
`tracking` (a redirect whose target is not in the URL), `asset` (logos, images, social
icons), `other`. A redirect from a click-tracking service that carries its target in a query
parameter is unwrapped, but only to an absolute http(s) URL written in that parameter: no
domain is ever made up or rewritten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote

from . import cues
from .caseless import caseless, caseless_trie
from .html import Anchor
from .wordlists import WordList, lower_same_length

MAX_LINKS = 200  # links kept, best first
MAX_EXAMINED = 1000  # links classified, so a verification link after 200 others still ranks first
# Case-insensitive by hand ("ſ" is what re.IGNORECASE also takes for "s"): with a class as its
# first step, re skips every character that cannot start a URL instead of trying a match there.
_URL_RE = re.compile(r"[hH][tT][tT][pP][sSſ]?://[^\s<>\"'`\]\[{}|\\^]+")
_TRAILING = ".,;:!?)>'\""
_VERIFY_WORDS = WordList(cues.VERIFY_LINK_WORDS)
_UNSUBSCRIBE_WORDS = WordList(cues.UNSUBSCRIBE_WORDS)
# fmt: off
_TRACKING_HOST_LABELS = {
    "click", "clicks", "track", "tracking", "trk", "ct", "link", "links", "email", "url", "redirect",
    "list-manage", "mandrillapp", "sendgrid", "mailgun", "mailchi", "awstrack", "safelinks", "urldefense",
    "hubspotlinks", "clicktime", "r", "go", "t", "e",
}
# fmt: on
# fmt: off
_TRACKING_PATHS = (
    "ls/click", "wf/click", "wf/open", "c/", "r/", "t/", "l/", "e3t/", "ss/c/", "track/click", "track",
    "click", "redirect", "url", "out", "away",
)
# fmt: on
# The patterns below run once or more per link: case-insensitive by hand (see caseless.py).
_TRACKING_PATH_RE = re.compile("/" + caseless_trie(_TRACKING_PATHS))  # matched at the path's start
_TOKEN_SPLIT_RE = re.compile(r"[/=&#?._~+-]")
_KIND_ORDER = {"verification": 0, "other": 1, "tracking": 2, "asset": 3, "unsubscribe": 4}


@dataclass(slots=True)
class LinkCandidate:
    url: str  # what to open: the target of an unwrapped redirect, else the link itself
    href: str  # the link as written in the mail
    text: str  # the visible text of the anchor, or the words before a URL in plain text
    source: str  # "html" or "text"
    position: int
    kind: str = "other"
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        if self.kind == "verification":
            confidence = min(0.99, max(0.3, self.score / 100))
        else:
            confidence = {"other": 0.1, "tracking": 0.05}.get(self.kind, 0.0)
        return {
            "url": self.url,
            "href": self.href,
            "text": self.text,
            "kind": self.kind,
            "confidence": round(confidence, 2),
            "source": self.source,
            "reasons": self.reasons,
        }


_HTTP = caseless("http") + caseless("s") + "?"  # "https?" in any case
_ABSOLUTE_RE = re.compile(_HTTP + r"://[^/\s]")  # matched at the start
# A redirect parameter (its value in group 1), looked for in the query with "&" put before it:
# "&" then starts each parameter, so re looks for it with a string search instead of trying
# `(?:^|&)` at every character.
_REDIRECT_PARAM = caseless_trie(cues.REDIRECT_PARAMS) + "=(" + _HTTP + r"(?::|%3[aA])[^&#]*)"
_REDIRECT_PARAM_RE = re.compile("&" + _REDIRECT_PARAM)
# `_ABSOLUTE_RE.match(url) and not re.search(r"\s", url)` in one step.
_ABSOLUTE_NO_SPACE_RE = re.compile(_HTTP + r"://[^/\s]\S*")
_HAS_TARGET_RE = re.compile("=" + caseless("http"))  # where a redirect parameter's value would start


def absolute_http(url: str) -> str | None:
    """The URL if it is absolute http(s). (Entities in an href are already decoded by the parser.)"""
    url = url.strip()
    return url if _ABSOLUTE_RE.match(url) else None


def _split(url: str) -> tuple[str, str, str, str]:
    """(host, path, query, fragment) of an absolute URL; host lower-cased without user or port."""
    rest = url.partition("://")[2]
    rest, _, fragment = rest.partition("#")
    rest, _, query = rest.partition("?")
    netloc, slash, path = rest.partition("/")
    host = netloc.rpartition("@")[2].partition(":")[0].lower()
    return host, slash + path, query, fragment


_HOST_RE = re.compile(r"://[^/?#]*")


# The network location and path of an absolute URL, cut as `_split` cuts them (the first "://",
# then up to the first "/", "?" or "#"), in one search instead of six string splits.
_NETLOC_PATH_RE = re.compile(r"://([^/?#]*)(/[^?#]*)?")


def is_tracking(url: str) -> bool:
    parts = _NETLOC_PATH_RE.search(url)
    if parts is None:
        return False  # no "://": no host, no path
    netloc, path = parts.groups("")
    return _is_tracking_parts(netloc, path)


def _is_tracking_parts(netloc: str, path: str) -> bool:
    if _TRACKING_PATH_RE.match(path):
        return True
    return _is_tracking_host(netloc) if len(netloc) <= 253 else _is_tracking_host.__wrapped__(netloc)


@lru_cache(maxsize=4096)  # a mail's links share a few hosts; a DNS name is at most 253 characters
def _is_tracking_host(netloc: str) -> bool:
    host = netloc.rpartition("@")[2].partition(":")[0].lower()
    labels = host.split(".")
    return any(label in _TRACKING_HOST_LABELS for label in labels[:-2]) or host.endswith("sendgrid.net")


def unwrap(url: str) -> str:
    """The http(s) target a click-tracking redirect carries in a query parameter, else the URL."""
    for _ in range(3):  # a redirect inside a redirect
        target = _redirect_target(url) if _HAS_TARGET_RE.search(url) else None
        if target is None:
            break
        url = target
    return url


# The usual tracked link, read in one match: an http(s) URL, its network location and path (as
# `_NETLOC_PATH_RE` cuts them: its first "://" is the scheme's), then its query's first redirect
# parameter, whole parameters skipped from the "?" one by one as `_REDIRECT_PARAM_RE` tries them.
_FIRST_REDIRECT_RE = re.compile(_HTTP + r"://([^/?#]*)(/[^?#]*)?\?(?:[^&#]*+&)*?" + _REDIRECT_PARAM)


def _redirect_target(url: str) -> str | None:
    """The first query parameter of a click-tracking redirect that holds an absolute http(s)
    URL without spaces, decoded; None when the URL is not a tracking redirect or has none."""
    usual = _FIRST_REDIRECT_RE.match(url)
    if usual is not None:
        netloc, path, value = usual.group(1, 2, 3)
        if not _is_tracking_parts(netloc, path or ""):
            return None
        target = _absolute_target(value)
        if target is not None:
            return target  # else a later parameter may hold one: they are all read below
    elif not is_tracking(url):
        return None
    query = url.partition("?")[2].partition("#")[0]
    for match in _REDIRECT_PARAM_RE.finditer("&" + query):
        target = _absolute_target(match.group(1))
        if target is not None:
            return target
    return None


def _absolute_target(value: str) -> str | None:
    target = percent_decoded(value.replace("+", " ")).strip()
    return target if _ABSOLUTE_NO_SPACE_RE.fullmatch(target) else None


# Every spelling of an escape of an ASCII character ("%2f", "%2F"), and the start of one of a
# byte above 0x7f, which only UTF-8 decoding of the whole run can turn into characters.
_ASCII_ESCAPES = {
    first + second: chr(code)
    for code in range(128)
    for first in {f"{code:02x}"[0], f"{code:02X}"[0]}
    for second in {f"{code:02x}"[1], f"{code:02X}"[1]}
}
_NON_ASCII_ESCAPE_RE = re.compile(r"%[89a-fA-F][0-9a-fA-F]")


def percent_decoded(value: str) -> str:
    """`urllib.parse.unquote(value)`, several times faster when every escape is of an ASCII
    character (a tracked URL's usual "%3A%2F%2F"); an escape it cannot read stays as written."""
    if "%" not in value:
        return value
    # The escapes of a URL in a query parameter (":/?=&#", and ":" "/" in lower case too). None
    # decodes to "%" or a hex digit, so replacing them one after the other cannot make or break
    # another escape. Chained rather than looped over a table: this runs once per tracked link.
    decoded = value.replace("%3A", ":").replace("%2F", "/")  # the usual "https%3A%2F%2F..."
    if "%" not in decoded:
        return decoded
    decoded = (
        decoded.replace("%3F", "?")
        .replace("%3D", "=")
        .replace("%26", "&")
        .replace("%23", "#")
        .replace("%3a", ":")
        .replace("%2f", "/")
    )
    if "%" not in decoded:
        return decoded  # every "%" began an escape, and each was decoded as unquote would
    if _NON_ASCII_ESCAPE_RE.search(value):
        return unquote(value)
    head, *pieces = value.split("%")
    out = [head]
    for piece in pieces:
        ascii_char = _ASCII_ESCAPES.get(piece[:2])
        out.append("%" + piece if ascii_char is None else ascii_char + piece[2:])
    return "".join(out)


def _has_token(url: str) -> bool:
    """Whether the URL carries something like a one-time token (not a plain page address)."""
    _, path, query, fragment = _split(url)
    pieces = [p for p in path.split("/") if p]
    for name, value in parse_qsl(query):
        if not name.lower().startswith("utm_"):
            pieces.append(value)
    pieces.append(fragment)
    for piece in pieces:
        for chunk in _TOKEN_SPLIT_RE.split(piece):
            if len(chunk) < 6:
                continue
            digits = any(c.isdigit() for c in chunk)
            letters = any(c.isalpha() for c in chunk)
            mixed_case = any(c.islower() for c in chunk) and any(c.isupper() for c in chunk)
            if (digits and letters) or mixed_case or len(chunk) >= 20:
                return True
    return False


@lru_cache(maxsize=4096)  # link texts repeat ("Shop now", a logo's alt); longer ones are not kept
def _text_cues(text: str) -> tuple[bool, tuple[str, ...]]:
    """Whether a link's text has unsubscribe words, and else its verification words."""
    lowered = lower_same_length(text)
    if _UNSUBSCRIBE_WORDS.search(lowered):
        return True, ()
    if not _VERIFY_WORDS.search(lowered):
        return False, ()
    return False, tuple(w for _, _, w in _VERIFY_WORDS.finditer(lowered))


def _classify(link: LinkCandidate, image_only: bool) -> None:
    text = link.text
    unsubscribe_text, text_cues = _text_cues(text) if len(text) <= 200 else _text_cues.__wrapped__(text)
    url = link.url
    reasons = link.reasons
    lowered_url = url.lower()
    opened_as_written = url == link.href
    if not opened_as_written:
        reasons.append("tracking redirect unwrapped to its target")
    if unsubscribe_text or cues.UNSUBSCRIBE_URL_RE.search(lowered_url):
        link.kind = "unsubscribe"
        reasons.append("unsubscribe words in the text or address")
        return
    # The path, query and fragment as written: none of the words holds a "?" or "#", so they
    # match here as they would with the parts apart.
    host = _HOST_RE.search(lowered_url)  # what follows the host (and port), as `_split` cuts it
    after_host = lowered_url[host.end() :] if host else ""
    url_cue = cues.VERIFY_URL_WORDS.search(after_host)
    if (text_cues or url_cue) and _has_token(url):
        link.kind = "verification"
        link.score = (
            45.0
            + (30.0 if text_cues else 0.0)
            + (20.0 if url_cue else 0.0)
            + (5.0 if link.source == "html" else 0.0)
        )
        if text_cues:
            reasons.append("verification words in its text: " + ", ".join(dict.fromkeys(text_cues)))
        if url_cue:
            reasons.append(f"verification word in the address: '{url_cue.group(0)}'")
        reasons.append("carries a token")
        if opened_as_written and is_tracking(url):
            reasons.append("a tracking redirect whose target is not in the URL: opened as is")
        return
    if image_only or cues.ASSET_EXT_RE.search(after_host.partition("?")[0].partition("#")[0]):
        link.kind = "asset"
        reasons.append("an image or a file, not a page to act on")
        return
    if opened_as_written and is_tracking(url):
        link.kind = "tracking"
        reasons.append("a click-tracking redirect")
        return
    if text_cues or url_cue:
        reasons.append("verification words but no token: a plain page")
    link.kind = "other"


def _context_before(text: str, start: int, line_start: int, previous_end: int) -> str:
    """The words before a URL in plain text: its line since the URL before it, or the line above
    when the URL starts one. `line_start` and `previous_end` (of the URL before) come from the
    caller's single pass, so a long line of URLs is not read again for each."""
    before = text[max(line_start, previous_end) : start]
    if not before.strip() and line_start > 0:
        above_start = text.rfind("\n", 0, line_start - 1) + 1
        before = text[above_start : line_start - 1]
        if not before.strip() and above_start > 0:
            before = text[text.rfind("\n", 0, above_start - 1) + 1 : above_start - 1]
    return " ".join(before.split())[-120:]


def find_links(text: str, anchors: list[Anchor], limit: int = MAX_LINKS) -> list[LinkCandidate]:
    by_url: dict[str, LinkCandidate] = {}
    position = 0
    seen_hrefs: set[tuple[str, str]] = set()
    for anchor in anchors:
        key = (anchor.href, anchor.text)
        if key in seen_hrefs:
            continue  # the same link again (a logo and a button to one page): nothing new
        seen_hrefs.add(key)
        href = anchor.href.strip()  # absolute_http(), inlined: this loop runs once per link
        if not _ABSOLUTE_RE.match(href):
            continue
        position += 1
        link = LinkCandidate(unwrap(href), href, anchor.text, "html", position)
        _classify(link, anchor.image_only)
        _merge(by_url, link)
        if position >= MAX_EXAMINED:
            break
    line_start = previous_start = previous_end = 0
    for match in _URL_RE.finditer(text or ""):
        if position >= 2 * MAX_EXAMINED:
            break
        start = match.start()
        # A URL holds no line break, so the last one before it is after the previous URL or
        # is the one found for that URL.
        line_start = text.rfind("\n", previous_start, start) + 1 or line_start
        href = match.group(0).rstrip(_TRAILING)
        if match.group(0)[len(href) :].startswith(")") and "(" in href:
            href += ")"  # a ")" that opened inside the URL stays (Wikipedia-style links)
        position += 1
        context = _context_before(text, start, line_start, previous_end)
        previous_start, previous_end = start, match.end()
        link = LinkCandidate(unwrap(href), href, context, "text", position)
        _classify(link, False)
        _merge(by_url, link)
    ranked = list(by_url.values())
    ranked.sort(key=lambda link: (_KIND_ORDER[link.kind], -link.score, link.position))
    return ranked[:limit]


def _merge(by_url: dict[str, LinkCandidate], link: LinkCandidate) -> None:
    kept = by_url.get(link.url)
    if kept is None:
        by_url[link.url] = link
    elif _KIND_ORDER[link.kind] < _KIND_ORDER[kept.kind] or (
        link.kind == kept.kind and link.score > kept.score
    ):
        link.position = kept.position
        by_url[link.url] = link
