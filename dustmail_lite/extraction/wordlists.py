"""Word lists compiled into matchers: whole words for spaced scripts, substrings for the rest."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any


def _boundless(word: str) -> bool:
    """Scripts where a word is not set off by spaces or takes attached particles."""
    first = word[0]
    return "\u0600" <= first <= "\u06ff" or "\u0900" <= first <= "\u097f" or first >= "\u2e80"


def _trie_pattern(node: dict[str, Any]) -> str:
    """Longest match first: longer continuations are tried before a word may end here."""
    branches = []
    for ch in sorted(k for k in node if k not in ("", "*")):
        piece = r"\s+" if ch == " " else re.escape(ch)
        branches.append(piece + _trie_pattern(node[ch]))
    if "*" in node:
        branches.append(r"\w*")
    elif "" in node:
        branches.append("")
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


class WordList:
    """Finds the words of a list in lower-cased text; `*` at a word's end allows inflections."""

    def __init__(self, words: Iterable[str], labels: dict[str, str] | None = None) -> None:
        self.labels = labels or {}
        exact: dict[str, str] = {}
        self.stems: list[tuple[str, str]] = []
        trie: dict[str, Any] = {}
        for word in sorted(set(words), key=lambda w: len(w.rstrip("*")), reverse=True):
            stem = word.endswith("*")
            bare = word.rstrip("*")
            label = self.labels.get(word, "")
            if stem:
                self.stems.append((bare, label))
            else:
                exact[bare] = label
            node = trie
            for ch in bare:
                node = node.setdefault(ch, {})
            node["*" if stem else ""] = True
        self.exact = exact
        # One regex shaped like a trie of the words: each position costs one branch per character,
        # not one per word. No capturing groups, so the engine can skip ahead by first characters.
        self.regex = re.compile(_trie_pattern(trie))

    def finditer(
        self, lowered: str, start: int = 0, end: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
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

    def search(self, lowered: str) -> bool:
        """Whether any word of the list is in the text (whole words where that applies)."""
        if self.regex.search(lowered) is None:
            return False
        return next(self.finditer(lowered), None) is not None

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
