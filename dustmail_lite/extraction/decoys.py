"""Decoys: numbers near a cue word that are not one-time codes, each with the reason.

Dates, times, prices, percentages, phone, order, tracking and account numbers (by the label
before them), years, postcodes, discount codes and pickup or booking codes.
"""

from __future__ import annotations

import bisect
import re

from . import cues
from .wordlists import WordList

Cue = tuple[int, int, str, str]  # start, end, matched word, "strong" or "weak"

_DECOY_LABELS = WordList(
    [w for words in cues.DECOY_LABELS.values() for w in words],
    {w: kind for kind, words in cues.DECOY_LABELS.items() for w in words},
)
_PROMO = WordList(cues.PROMO_WORDS)
_NON_LOGIN = WordList(cues.NON_LOGIN_CODE_WORDS)
_DATE_AROUND_RE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
FILLER_RE = re.compile(r"[\s:：=\-–—\[\]()（）「」『』【】\"'«»*.,،]+")
_STATE_BEFORE_RE = re.compile(r"\b[A-Z]{2} $")
_CITY_AFTER_RE = re.compile(r"^ [A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]{2,}")
_CURRENCY_BEFORE_RE = re.compile(r"(?:" + cues.CURRENCY_RE.pattern + r")\s?$", re.IGNORECASE)
_CURRENCY_AFTER_RE = re.compile(r"^\s?(?:" + cues.CURRENCY_RE.pattern + r")(?![^\W\d_])", re.IGNORECASE)
# A word and a small number (SAVE10, WELCOME20): how discount codes are made, unlike random codes.
_PROMO_SHAPE_RE = re.compile(r"^(?=[A-Z]*[AEIOUY])[A-Z]{4,}[0-9]{1,3}$")
SENTENCE_END_RE = re.compile(r"[.!?](?:\s|$)|[。！？\n]")


def is_letter_or_digit(ch: str) -> bool:
    """Latin, Cyrillic, Arabic... letters and digits; CJK and kana are not word-joining here."""
    return ch.isalnum() and ch < "\u2e80"


class DecoyChecks:
    """The decoy rules over one source text (URLs blanked) and its cue words."""

    def __init__(self, text: str, lowered: str, cue_list: list[Cue]) -> None:
        self.text = text
        self.lowered = lowered
        self.cues = cue_list
        self.cue_starts = [c[0] for c in cue_list]

    def check(self, token: str, start: int, end: int) -> str | None:
        """Why this token is not a code ("" when it is simply not a token), or None."""
        text = self.text
        before = text[max(0, start - 3) : start]
        after = text[end : end + 3]
        prev = before[-1:] or " "
        nxt = after[:1] or " "
        if is_letter_or_digit(prev) or is_letter_or_digit(nxt) or nxt in "_" or prev in "_":
            return "part of a longer number" if (prev.isdigit() or nxt.isdigit()) else ""
        if prev in "#№" or before.lower().endswith(("n°", "nº", "no.", "nr.")):
            return "order number"
        if prev == "+" or before.endswith("+ ") or (prev == "(" and token[:1] == "0"):
            return "phone number"
        if nxt == "%":
            return "percentage"
        if _CURRENCY_BEFORE_RE.search(text[max(0, start - 5) : start]) or _CURRENCY_AFTER_RE.search(
            text[end : end + 6]
        ):
            return "price"
        if nxt in ".," and after[1:2].isdigit():
            return "date" if _DATE_AROUND_RE.fullmatch(self._number_around(start, end)) else "price"
        digit_before = before[-2:-1].isdigit()
        digit_after = after[1:2].isdigit()
        if (nxt == ":" and digit_after) or (prev == ":" and digit_before):
            return "time"
        if (prev in "./-," and digit_before) or (nxt in "/-" and digit_after):
            is_date = _DATE_AROUND_RE.fullmatch(self._number_around(start, end))
            return "date" if is_date else "part of a longer number"
        if (prev == " " and digit_before) or (nxt == " " and digit_after and " " not in token):
            return "part of a longer number"
        digits = token.replace(" ", "").replace("-", "")
        if digits.isdigit():
            if "-" in token:
                if _DATE_AROUND_RE.fullmatch(token):
                    return "date"
                groups = token.split("-")
                if len(groups) > 3 or not all(2 <= len(g) <= 4 for g in groups) or len(digits) < 6:
                    return "phone number"
            if len(digits) == 4 and 1900 <= int(digits) <= 2100 and not self._direct_cue(start, end):
                return "year"
        label = self._label_before(start)
        if label:
            return label
        postcode = self._postcode(token, start, end)
        if postcode:
            return postcode
        if self._promo_near(start, end) or _PROMO_SHAPE_RE.match(token):
            return "discount code"
        non_login = self._non_login_code(start)
        if non_login:
            return non_login
        return None

    def _direct_cue(self, start: int, end: int) -> bool:
        """A cue right before ("code: 2025") or right after ("1903 is your OTP") the token."""
        i = bisect.bisect_left(self.cue_starts, start)
        if i > 0 and self.cues[i - 1][1] <= start:
            gap = self.text[self.cues[i - 1][1] : start]
            if len(gap) <= 12 and re.fullmatch(r"[\s:：=]*[:：][\s]*", gap):
                return True
        if i < len(self.cues) and self.cues[i][0] >= end:
            between = self.text[end : self.cues[i][0]]
            words = between.split()
            fillers_only = len(words) <= 3 and all(w.lower() in cues.COPULAS for w in words)
            if fillers_only and not SENTENCE_END_RE.search(between):
                return True
        return False

    def _non_login_code(self, start: int) -> str:
        """A cue that names another kind of code: "Kod odbioru", "pickup code", "gift card code"."""
        i = bisect.bisect_left(self.cue_starts, start)
        if i == 0:
            return ""
        c_start, c_end, _, _ = self.cues[i - 1]
        if start - c_end > 30:
            return ""
        around = self.lowered[max(0, c_start - 20) : min(start, c_end + 20)]
        return "pickup, booking or gift code" if _NON_LOGIN.search(around) else ""

    def _number_around(self, start: int, end: int) -> str:
        lo, hi = start, end
        while lo > 0 and (self.text[lo - 1].isdigit() or self.text[lo - 1] in "./-") and start - lo < 12:
            lo -= 1
        while hi < len(self.text) and (self.text[hi].isdigit() or self.text[hi] in "./-") and hi - end < 12:
            hi += 1
        return self.text[lo:hi].strip("./-")

    def _label_before(self, start: int) -> str:
        """A decoy label (order, phone, card...) shortly before on the line, with no cue after it."""
        line_start = self.text.rfind("\n", 0, start) + 1
        lo = max(line_start, start - 40)
        last = None
        for hit in _DECOY_LABELS.finditer(self.lowered, lo, start):
            last = hit
        if last is None:
            return ""
        label_end = last[1]
        i = bisect.bisect_left(self.cue_starts, label_end)
        if i < len(self.cues) and self.cues[i][0] < start:
            return ""  # "Order confirmation code: ..." - the cue is nearer
        if re.search(r"\d", self.text[label_end:start]):
            return ""  # the label names the number in between: "account 2000123456/2010: 63817204"
        return _DECOY_LABELS.label(last[2])

    def _postcode(self, token: str, start: int, end: int) -> str:
        if not token.isdigit() or not 4 <= len(token) <= 6:
            return ""
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        if _STATE_BEFORE_RE.search(text[max(line_start, start - 4) : start]):
            return "postcode"  # CA 94107
        if _CITY_AFTER_RE.match(text[end : end + 20]) and ("," in line or "·" in line or "|" in line):
            return "postcode"  # 10243 Berlin, in an address line
        if (
            text[max(0, start - 2) : start] == ", "
            and not text[end:line_end].strip()
            and re.search(r"\d", text[line_start : start - 2])
        ):
            return "postcode"  # ..., 13561 at the end of an address line
        return ""

    def _promo_near(self, start: int, end: int) -> bool:
        """A discount word in the token's sentence."""
        lo = max(0, start - 60)
        hi = min(len(self.text), end + 40)
        for previous in SENTENCE_END_RE.finditer(self.text, lo, start):
            lo = previous.end()
        following = SENTENCE_END_RE.search(self.text, end, hi)
        if following is not None:
            hi = following.start()
        return any(True for _ in _PROMO.finditer(self.lowered, lo, hi))
