"""One-time codes: candidates near cue words, decoys rejected with a reason, the rest ranked.

A token is a candidate only within a short window of a cue word (code, OTP, PIN, código,
код, 验证码, ...), so a long body costs little. Each candidate is first checked against the
decoy classes (dates, times, prices, phone numbers, order and account numbers, years,
postcodes, discount codes); what survives is scored on how it relates to its cue (right
after it, after a colon, alone on the next line) and on its shape.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from typing import Any

from . import cues
from .wordlists import WordList, lower_same_length

SCAN_LIMIT = 20_000  # characters of a body searched: codes sit near the top
MAX_CANDIDATES = 200  # tokens examined per source, whatever the body holds

_CUES = WordList(
    cues.STRONG_CODE_CUES + cues.WEAK_CODE_CUES,
    {**dict.fromkeys(cues.WEAK_CODE_CUES, "weak"), **dict.fromkeys(cues.STRONG_CODE_CUES, "strong")},
)
_DECOY_LABELS = WordList(
    [w for words in cues.DECOY_LABELS.values() for w in words],
    {w: kind for kind, words in cues.DECOY_LABELS.items() for w in words},
)
_PROMO = WordList(cues.PROMO_WORDS)
_NON_LOGIN = WordList(cues.NON_LOGIN_CODE_WORDS)

_TOKEN_RE = re.compile(
    r"[a-z]{2,10}(?:-[a-z]{2,10}){1,4}-[0-9]{2,6}"  # word code: glad-tiger-sleepy-8214
    r"|[0-9A-Z](?: [0-9A-Z]){3,9}(?![0-9A-Za-z])"  # letter-spaced: 7 2 9 0 4 1
    r"|[0-9A-Z]{1,6}(?:-[0-9A-Z]{1,6}){1,3}"  # hyphen groups: K7P-2QX, 123-456
    r"|[0-9]{2,4}(?: [0-9]{2,4}){1,3}"  # space groups: 804 217, 27 19 55
    r"|[0-9A-Z]{4,12}"  # plain: 318402, AB12CD
)
# URLs and addresses are blanked before looking for codes. The address pattern starts only
# at a token's start and never backtracks: linear on a hostile run without spaces.
_URL_STRIP_RE = re.compile(r"(?:https?|ftp)://\S+|www\.\S+", re.IGNORECASE)
_ADDRESS_STRIP_RE = re.compile(r"(?<![^\s@])[^\s@]++@\S+")
_DATE_AROUND_RE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")
_FILLER_RE = re.compile(r"[\s:：=\-–—\[\]()（）「」『』【】\"'«»*.,،]+")
_STATE_BEFORE_RE = re.compile(r"\b[A-Z]{2} $")
_CITY_AFTER_RE = re.compile(r"^ [A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ]{2,}")
_CURRENCY_BEFORE_RE = re.compile(r"(?:" + cues.CURRENCY_RE.pattern + r")\s?$", re.IGNORECASE)
_CURRENCY_AFTER_RE = re.compile(r"^\s?(?:" + cues.CURRENCY_RE.pattern + r")(?![^\W\d_])", re.IGNORECASE)
# A word and a small number (SAVE10, WELCOME20): how discount codes are made, unlike random codes.
_PROMO_SHAPE_RE = re.compile(r"^(?=[A-Z]*[AEIOUY])[A-Z]{4,}[0-9]{1,3}$")
_SENTENCE_END_RE = re.compile(r"[.!?](?:\s|$)|[。！？\n]")
_WINDOW_AFTER_CUE = 200
_WINDOW_BEFORE_CUE = 40


@dataclass
class CodeCandidate:
    value: str
    score: float
    source: str
    position: int
    context: str
    cues: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "value": self.value,
            "confidence": round(min(0.99, max(0.05, self.score / 130)), 2),
            "source": self.source,
            "context": self.context,
            "cues": self.cues,
            "reasons": self.reasons,
        }


@dataclass(frozen=True)
class Decoy:
    value: str
    source: str
    context: str
    decoy: str

    def as_json(self) -> dict[str, Any]:
        return {"value": self.value, "source": self.source, "context": self.context, "decoy": self.decoy}


def _blank(match: re.Match[str]) -> str:
    return " " * len(match.group(0))


def _is_letter_or_digit(ch: str) -> bool:
    """Latin, Cyrillic, Arabic... letters and digits; CJK and kana are not word-joining here."""
    return ch.isalnum() and ch < "\u2e80"


def _context(text: str, start: int, end: int) -> str:
    return " ".join(text[max(0, start - 60) : end + 30].split())


class _Scanner:
    """Candidates of one source (subject, text or HTML text)."""

    def __init__(self, text: str, source: str) -> None:
        if "://" in text or "www." in text:
            text = _URL_STRIP_RE.sub(_blank, text)
        if "@" in text:
            text = _ADDRESS_STRIP_RE.sub(_blank, text)
        self.text = text
        self.lowered = lower_same_length(text)
        self.source = source
        self.cues = [(s, e, w, _CUES.label(w)) for s, e, w in _CUES.finditer(self.lowered)]
        self.cue_starts = [c[0] for c in self.cues]

    def windows(self) -> list[tuple[int, int]]:
        spans: list[tuple[int, int]] = []
        for start, end, _, _ in self.cues:
            lo = max(0, start - _WINDOW_BEFORE_CUE)
            while lo > 0 and not self.text[lo - 1].isspace() and start - lo < _WINDOW_BEFORE_CUE + 20:
                lo -= 1
            hi = min(len(self.text), end + _WINDOW_AFTER_CUE)
            while hi < len(self.text) and not self.text[hi].isspace() and hi - end < _WINDOW_AFTER_CUE + 20:
                hi += 1
            if spans and lo <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(spans[-1][1], hi))
            else:
                spans.append((lo, hi))
        return spans

    def scan(self) -> tuple[list[CodeCandidate], list[Decoy]]:
        found: list[CodeCandidate] = []
        decoys: list[Decoy] = []
        examined = 0
        for lo, hi in self.windows():
            for match in _TOKEN_RE.finditer(self.text, lo, hi):
                examined += 1
                if examined > MAX_CANDIDATES:
                    return found, decoys
                token = match.group(0)
                start, end = match.span()
                value = _value_of(token)
                if value is None:
                    continue
                why = self.decoy(token, start, end)
                if why is not None:
                    if why:
                        decoys.append(Decoy(token, self.source, _context(self.text, start, end), why))
                    continue
                candidate = self.rate(token, value, start, end)
                if candidate is not None:
                    found.append(candidate)
        return found, decoys

    # --- decoys --------------------------------------------------------------------------

    def decoy(self, token: str, start: int, end: int) -> str | None:
        """Why this token is not a code ("" when it is simply not a token), or None."""
        text = self.text
        before = text[max(0, start - 3) : start]
        after = text[end : end + 3]
        prev = before[-1:] or " "
        nxt = after[:1] or " "
        if _is_letter_or_digit(prev) or _is_letter_or_digit(nxt) or nxt in "_" or prev in "_":
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
            if fillers_only and not _SENTENCE_END_RE.search(between):
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
        for previous in _SENTENCE_END_RE.finditer(self.text, lo, start):
            lo = previous.end()
        following = _SENTENCE_END_RE.search(self.text, end, hi)
        if following is not None:
            hi = following.start()
        return any(True for _ in _PROMO.finditer(self.lowered, lo, hi))

    # --- ranking -------------------------------------------------------------------------

    def rate(self, token: str, value: str, start: int, end: int) -> CodeCandidate | None:
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end == -1 else line_end
        alone = text[line_start:start].strip(" :*[](") == "" and text[end:line_end].strip(" .:*[])") == ""
        i = bisect.bisect_left(self.cue_starts, start)
        score = 50.0
        reasons: list[str] = []
        found_cues: list[str] = []
        best = 0.0
        # The nearest cues before the token (a phrase like "verification code" can be two cues).
        for _, c_end, word, strength in reversed(self.cues[max(0, i - 3) : i]):
            if c_end > start:
                continue
            gap = text[c_end:start]
            newlines = gap.count("\n")
            bonus = 10.0 if strength == "strong" else 0.0
            if newlines == 0:
                leftover = _FILLER_RE.sub(" ", gap).split()
                if all(w.lower() in cues.COPULAS for w in leftover):
                    rel, why = 70.0, f"right after the cue word '{word}'"
                elif len(gap) <= (100 if strength == "strong" else 40):
                    rel, why = 40.0 - 0.4 * len(gap), f"after the cue word '{word}' on the same line"
                elif (
                    strength == "strong"
                    and len(gap) <= 200
                    and leftover[-1:]
                    and leftover[-1].lower() in cues.COPULAS
                ):
                    rel, why = 20.0, f"closes the sentence of the cue word '{word}' (\"... is {token}\")"
                else:
                    continue
            elif alone and newlines <= 3 and len(gap) <= 200:
                rel, why = 55.0 - 4 * (newlines - 1), f"on its own line below the cue word '{word}'"
            else:
                continue
            if rel + bonus > best:
                best = rel + bonus
                reasons[:] = [why]
            found_cues.append(word)
        if i < len(self.cues):
            c_start, c_end, word, strength = self.cues[i]
            gap = text[end:c_start]
            if c_start >= end and "\n" not in gap and len(gap) <= 40:
                rel = 40.0 - 0.5 * len(gap) + (10.0 if strength == "strong" else 0.0)
                if rel > best:
                    best = rel
                    reasons[:] = [f"before the cue word '{word}' on the same line"]
                found_cues.append(word)
        if best <= 0:
            return None
        score += best
        if alone:
            score += 10
            reasons.append("on a line of its own")
        if re.search(r"[:：]\s*$", text[max(0, start - 4) : start]):
            score += 5
            reasons.append("after a colon")
        shape, shape_bonus = _shape(token, value)
        score += shape_bonus
        reasons.append(shape)
        if self.source == "subject":
            score += 3
        return CodeCandidate(
            value,
            score,
            self.source,
            start,
            _context(text, start, end),
            list(dict.fromkeys(reversed(found_cues))),
            reasons,
        )


def _value_of(token: str) -> str | None:
    """The code as typed, or None when the token cannot be one."""
    compact = token.replace(" ", "")
    if token[:1].islower():  # word code
        return token
    has_digit = any(ch.isdigit() for ch in compact)
    has_letter = any(ch.isalpha() for ch in compact)
    if not has_digit:
        return None
    bare = compact.replace("-", "")
    if not has_letter:
        return bare if 4 <= len(bare) <= 10 else None
    if not 4 <= len(bare) <= 12:
        return None
    if "-" in compact:
        groups = compact.split("-")
        if not all(2 <= len(g) <= 6 for g in groups):
            return None
        return compact
    return bare if len(bare) >= 5 else None


def _shape(token: str, value: str) -> tuple[str, float]:
    if token[:1].islower():
        return "shape: words and digits", 0.0
    if value.isdigit():
        spaced = " " in token and all(len(p) == 1 for p in token.split(" "))
        if spaced:
            return f"shape: {len(value)} letter-spaced digits", 4.0
        bonus = 6.0 if len(value) == 6 else 3.0 if 4 <= len(value) <= 8 else 0.0
        return f"shape: {len(value)} digits", bonus
    if "-" in value:
        return "shape: letters and digits in groups", 3.0
    return "shape: letters and digits", 0.0


def find_codes(sources: list[tuple[str, str]]) -> tuple[list[CodeCandidate], list[Decoy]]:
    """Candidates from (source name, normalised text) pairs, merged by value, best first."""
    by_value: dict[str, CodeCandidate] = {}
    seen_in: dict[str, list[str]] = {}
    decoys: list[Decoy] = []
    for source, text in sources:
        if not text:
            continue
        found, rejected = _Scanner(text[:SCAN_LIMIT], source).scan()
        decoys.extend(rejected)
        for candidate in found:
            seen_in.setdefault(candidate.value, [])
            if source not in seen_in[candidate.value]:
                seen_in[candidate.value].append(source)
            kept = by_value.get(candidate.value)
            if kept is None or candidate.score > kept.score:
                by_value[candidate.value] = candidate
    ranked = list(by_value.values())
    for candidate in ranked:
        others = [s for s in seen_in[candidate.value] if s != candidate.source]
        if others:
            candidate.score += 4 * len(others)
            candidate.reasons.append("also in the " + " and ".join(others))
    ranked.sort(key=lambda c: (-c.score, c.position))
    unique_decoys = list({(d.value, d.decoy): d for d in decoys}.values())
    return ranked, unique_decoys
