"""Links and one-time codes pulled out of an email, for test automation.

Codes favour precision over recall: a token is offered only when a
code-like word (in one of several languages) stands close to it, and tokens
that look like dates, times, prices, phone numbers or order numbers are
dropped. `tests/test_extract.py` measures precision on a corpus.
"""

from __future__ import annotations

import bisect
import html as html_lib
import re
from html.parser import HTMLParser

# --- HTML to text and links --------------------------------------------------

_BLOCK_TAGS = {
    "p",
    "div",
    "br",
    "tr",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "table",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "hr",
    "td",
    "th",
    "ul",
    "ol",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template"}


class _HtmlScanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hrefs: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skip += 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag in ("a", "area"):
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS and self._skip:
            self._skip -= 1
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _scan_html(markup: str) -> _HtmlScanner:
    scanner = _HtmlScanner()
    try:
        scanner.feed(markup)
        scanner.close()
    except Exception:
        pass
    return scanner


def html_to_text(markup: str) -> str:
    text = "".join(_scan_html(markup).parts)
    lines = [" ".join(line.split()) for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


_URL_RE = re.compile(r"https?://[^\s<>\"'`\]\[{}|\\^]+", re.IGNORECASE)
_TRAILING = ".,;:!?)>'\""


def _absolute_http(url: str) -> str | None:
    url = html_lib.unescape(url).strip()
    if not re.match(r"^https?://[^/\s]", url, re.IGNORECASE):
        return None
    return url


def extract_links(text: str, html: str, limit: int = 200) -> list[str]:
    seen: dict[str, None] = {}
    if html:
        for href in _scan_html(html).hrefs:
            url = _absolute_http(href)
            if url:
                seen.setdefault(url, None)
    for match in _URL_RE.finditer(text or ""):
        url = match.group(0).rstrip(_TRAILING)
        # A ")" that opened inside the URL stays (Wikipedia-style links).
        if match.group(0)[len(url) :].startswith(")") and "(" in url:
            url += ")"
        seen.setdefault(url, None)
    return list(seen)[:limit]


# --- codes -------------------------------------------------------------------

_WORD_KEYWORDS = [
    # English
    r"code",
    r"otp",
    r"one[- ]time",
    r"passcode",
    r"pin",
    r"verification",
    r"verify",
    r"confirmation",
    r"confirm",
    r"2fa",
    r"two[- ]factor",
    r"security",
    r"login",
    r"sign[- ]in",
    # German, Dutch
    r"bestätigungscode",
    r"sicherheitscode",
    r"einmalcode",
    r"anmeldecode",
    r"bestätigung",
    r"verifizierung",
    r"verificatiecode",
    r"bevestigingscode",
    r"inlogcode",
    # French, Spanish, Portuguese, Italian
    r"vérification",
    r"usage unique",
    r"código",
    r"codigo",
    r"verificación",
    r"verificação",
    r"confirmación",
    r"confirmação",
    r"codice",
    r"verifica",
    # Polish, Turkish, Russian, Ukrainian
    r"kod",
    r"weryfikacyjny",
    r"doğrulama",
    r"код",
    r"пароль",
    r"подтверждени\w*",
]
# Chinese, Japanese, Korean: no word boundaries in these scripts.
_CJK_KEYWORDS = [
    r"验证码",
    r"驗證碼",
    r"校验码",
    r"动态码",
    r"認証コード",
    r"確認コード",
    r"コード",
    r"인증번호",
    r"인증 코드",
    r"인증코드",
]
# Matched on lower-cased text without a leading look-behind, so the regex engine can skip
# ahead by first characters (10x faster on a long body); word edges are checked after.
# (No capturing group either: one disables that optimisation.)
_KEYWORD_RE = re.compile("|".join(_WORD_KEYWORDS + _CJK_KEYWORDS))
_KEYWORD_SLOW_RE = re.compile(
    r"(?:(?<![^\W\d_])(?:" + "|".join(_WORD_KEYWORDS) + r")(?![^\W\d_]))|(?:" + "|".join(_CJK_KEYWORDS) + ")",
    re.IGNORECASE,
)


def _keyword_spans(text: str) -> list[tuple[int, int]]:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few characters lower-case to two: positions would drift
        return [m.span() for m in _KEYWORD_SLOW_RE.finditer(text)]
    spans = []
    for m in _KEYWORD_RE.finditer(lowered):
        start, end = m.span()
        if lowered[start] < "\u2e80" and (  # a word keyword, not one of the CJK ones
            (start > 0 and lowered[start - 1].isalpha()) or (end < len(lowered) and lowered[end].isalpha())
        ):
            continue  # part of a longer word
        spans.append((start, end))
    return spans


# Words that mark a number as something other than a one-time code.
_NEGATIVE_RE = re.compile(
    r"(?:order|call|invoice|promo|coupon|discount|voucher|gutschein|ticket|tracking|reference|ref\.?|phone|tel\.?|fax|zip|postal|"
    r"account (?:number|no)|bestellung|rechnung|commande|pedido|ordine|заказ|订单|注文)"
    r"[^\n]{0,12}$",
    re.IGNORECASE,
)
_CANDIDATE_RE = re.compile(
    r"(?<![\w#$€£¥+/.:,-])"
    r"(\d{3}[ -]\d{3}|\d{4,8}|(?=[A-Z0-9]*\d)(?=[A-Z0-9]*[A-Z])[A-Z0-9]{5,10})"
    r"(?![\w/%€$£¥]|[.:,-]\d)"
)
# URLs and e-mail addresses are blanked out before looking for codes. The address pattern
# starts only at the start of a token and never backtracks, so a long run without spaces
# costs linear time (a plain \S+@ is quadratic: a ReDoS on a hostile body).
_URL_STRIP_RE = re.compile(r"https?://\S+", re.IGNORECASE)
_ADDRESS_STRIP_RE = re.compile(r"(?<![^\s@])[^\s@]++@\S+")
_CURRENCY_AFTER = re.compile(r"^\s?(?:usd|eur|gbp|rub|€|\$|руб|円|元)", re.IGNORECASE)
_WINDOW_BEFORE = 80
_WINDOW_AFTER = 40
CODE_SCAN_LIMIT = 20_000  # characters of a body searched for codes: they sit near the top


def _candidates(text: str, bonus: int) -> list[tuple[int, int, str]]:
    blank = lambda m: " " * len(m.group(0))  # noqa: E731 (keeps positions)
    if "://" in text:
        text = _URL_STRIP_RE.sub(blank, text)
    if "@" in text:
        text = _ADDRESS_STRIP_RE.sub(blank, text)
    keywords = _keyword_spans(text)
    if not keywords:
        return []
    keyword_starts = [k[0] for k in keywords]
    found: list[tuple[int, int, str]] = []
    for match in _CANDIDATE_RE.finditer(text):
        token = match.group(1)
        start, end = match.span(1)
        before = text[max(0, start - 40) : start]
        if _NEGATIVE_RE.search(before) or _CURRENCY_AFTER.match(text[end : end + 5]):
            continue
        if re.search(r"\d[ -]?$", before) or re.match(r"[ -]?\d", text[end : end + 2]):
            continue  # one group of a longer number (phone, card, IBAN)
        if token.isdigit() and len(token) == 4 and 1900 <= int(token) <= 2100:  # noqa: SIM102
            # A year, unless a keyword stands right before it ("code: 2024").
            if not re.search(r"[:：]\s*$", before):
                continue
        # The nearest keywords before and after the token (keywords are in text order).
        i = bisect.bisect_left(keyword_starts, start)
        gap_before = start - keywords[i - 1][1] if i > 0 else None
        gap_after = keywords[i][0] - end if i < len(keywords) else None
        if gap_before is not None and gap_before < 0:
            gap_before = 0  # the token sits inside a keyword match
        near_before = gap_before is not None and gap_before <= _WINDOW_BEFORE
        near_after = gap_after is not None and 0 <= gap_after <= _WINDOW_AFTER
        if not (near_before or near_after):
            continue
        distance = min(g for g in (gap_before, gap_after) if g is not None and g >= 0)
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start : line_end if line_end != -1 else len(text)].strip()
        score = 100 - distance + bonus
        if line == token:
            score += 30  # a code on a line of its own
        if re.search(r"[:：]\s*$", before):
            score += 15
        if token.isdigit() or re.fullmatch(r"\d{3}[ -]\d{3}", token):
            score += 10
        found.append(
            (score, start, token.replace(" ", "").replace("-", "") if token[:3].isdigit() else token)
        )
    return found


def extract_codes(subject: str, text: str, limit: int = 5) -> list[str]:
    """Likely one-time codes, best first."""
    scored = _candidates((subject or "")[:1000], bonus=5) + _candidates(
        (text or "")[:CODE_SCAN_LIMIT], bonus=0
    )
    scored.sort(key=lambda item: (-item[0], item[1]))
    codes: list[str] = []
    for _, _, token in scored:
        if token not in codes:
            codes.append(token)
    return codes[:limit]
