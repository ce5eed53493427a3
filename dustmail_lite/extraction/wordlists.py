"""Word lists compiled into matchers: whole words for spaced scripts, substrings for the rest."""

from __future__ import annotations

import re
from typing import Iterable, Iterator


def _boundless(word: str) -> bool:
    """Scripts where a word is not set off by spaces or takes attached particles."""
    first = word[0]
    return "\u0600" <= first <= "\u06ff" or "\u0900" <= first <= "\u097f" or first >= "\u2e80"


class WordList:
    """Finds the words of a list in lower-cased text; `*` at a word's end allows inflections."""

    def __init__(self, words: Iterable[str], labels: dict[str, str] | None = None) -> None:
        self.labels = labels or {}
        exact: dict[str, str] = {}
        self.stems: list[tuple[str, str]] = []
        parts = []
        for word in sorted(set(words), key=lambda w: len(w.rstrip("*")), reverse=True):
            stem = word.endswith("*")
            bare = word.rstrip("*")
            label = self.labels.get(word, "")
            if stem:
                self.stems.append((bare, label))
            else:
                exact[bare] = label
            body = re.escape(bare).replace("\\ ", r"\s+")
            parts.append(body + (r"\w*" if stem else ""))
        self.exact = exact
        # No capturing groups: the engine can then skip ahead by the words' first characters.
        self.regex = re.compile("|".join(parts))

    def finditer(self, lowered: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, str]]:
        """(start, end, matched text) of each whole-word hit."""
        end = len(lowered) if end is None else end
        for match in self.regex.finditer(lowered, start, end):
            s, e = match.span()
            word = match.group(0)
            if not _boundless(word):
                if s > 0 and lowered[s - 1].isalnum():
                    continue
                if e < len(lowered) and lowered[e].isalnum() and not _boundless(lowered[e]):
                    continue
            yield s, e, word

    def label(self, matched: str) -> str:
        key = " ".join(matched.split())
        if key in self.exact:
            return self.exact[key]
        for stem, label in self.stems:
            if key.startswith(stem):
                return label
        return ""


def lower_same_length(text: str) -> str:
    """`text.lower()`, keeping positions when a character would lower-case to two."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower()[:1] for ch in text)
