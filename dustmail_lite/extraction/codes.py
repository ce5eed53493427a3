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
from .decoys import FILLER_RE, DecoyChecks
from .wordlists import WordList, lower_same_length

SCAN_LIMIT = 20_000  # characters of a body searched: codes sit near the top
MAX_CANDIDATES = 200  # tokens examined per source, whatever the body holds

_CUES = WordList(
    cues.STRONG_CODE_CUES + cues.WEAK_CODE_CUES,
    {**dict.fromkeys(cues.WEAK_CODE_CUES, "weak"), **dict.fromkeys(cues.STRONG_CODE_CUES, "strong")},
)

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
        self.decoys = DecoyChecks(self.text, self.lowered, self.cues)

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
                why = self.decoys.check(token, start, end)
                if why is not None:
                    if why:
                        decoys.append(Decoy(token, self.source, _context(self.text, start, end), why))
                    continue
                candidate = self.rate(token, value, start, end)
                if candidate is not None:
                    found.append(candidate)
        return found, decoys

    # --- ranking -------------------------------------------------------------------------

    def rate(self, token: str, value: str, start: int, end: int) -> CodeCandidate | None:
        text = self.text
        line_start = text.rfind("\n", 0, start) + 1
        line_end = text.find("\n", end)
        line_end = len(text) if line_end == -1 else line_end
        alone = text[line_start:start].strip(" :*[](") == "" and text[end:line_end].strip(" .:*[])") == ""
        best, reasons, found_cues = self._cue_relation(token, start, end, alone)
        if best <= 0:
            return None
        score = 50.0 + best
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
        cue_words = list(dict.fromkeys(reversed(found_cues)))
        return CodeCandidate(value, score, self.source, start, _context(text, start, end), cue_words, reasons)

    def _cue_relation(
        self, token: str, start: int, end: int, alone: bool
    ) -> tuple[float, list[str], list[str]]:
        """How strongly the nearest cue words name this token: (score, why, the cues)."""
        text = self.text
        i = bisect.bisect_left(self.cue_starts, start)
        best = 0.0
        reasons: list[str] = []
        found_cues: list[str] = []
        # The nearest cues before the token (a phrase like "verification code" can be two cues).
        for _, c_end, word, strength in reversed(self.cues[max(0, i - 3) : i]):
            if c_end > start:
                continue
            gap = text[c_end:start]
            relation = _relation_before(gap, word, strength, token, alone)
            if relation is None:
                continue
            rel, why = relation
            if rel > best:
                best, reasons = rel, [why]
            found_cues.append(word)
        if i < len(self.cues):
            c_start, _, word, strength = self.cues[i]
            gap = text[end:c_start]
            if c_start >= end and "\n" not in gap and len(gap) <= 40:
                rel = 40.0 - 0.5 * len(gap) + (10.0 if strength == "strong" else 0.0)
                if rel > best:
                    best, reasons = rel, [f"before the cue word '{word}' on the same line"]
                found_cues.append(word)
        return best, reasons, found_cues


def _relation_before(gap: str, word: str, strength: str, token: str, alone: bool) -> tuple[float, str] | None:
    """Score and reason of a cue word standing `gap` before the token, or None if too far."""
    bonus = 10.0 if strength == "strong" else 0.0
    newlines = gap.count("\n")
    if newlines:
        if alone and newlines <= 3 and len(gap) <= 200:
            return 55.0 - 4 * (newlines - 1) + bonus, f"on its own line below the cue word '{word}'"
        return None
    leftover = FILLER_RE.sub(" ", gap).split()
    if all(w.lower() in cues.COPULAS for w in leftover):
        return 70.0 + bonus, f"right after the cue word '{word}'"
    if len(gap) <= (100 if strength == "strong" else 40):
        return 40.0 - 0.4 * len(gap) + bonus, f"after the cue word '{word}' on the same line"
    if strength == "strong" and len(gap) <= 200 and leftover[-1].lower() in cues.COPULAS:
        return 20.0 + bonus, f"closes the sentence of the cue word '{word}' (\"... is {token}\")"
    return None


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
