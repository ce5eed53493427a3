"""Word lists compiled into matchers: whole words for spaced scripts, substrings for the rest."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any


def _boundless(word: str) -> bool:
    """Scripts where a word is not set off by spaces or takes attached particles."""
    first = word[0]
    return "\u0600" <= first <= "\u06ff" or "\u0900" <= first <= "\u097f" or first >= "\u2e80"


def _trie(words: Iterable[str]) -> dict[str, Any]:
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word.rstrip("*"):
            node = node.setdefault(ch, {})
        node["*" if word.endswith("*") else ""] = True
    return trie


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


def substring_regex(words: Iterable[str]) -> re.Pattern[str]:
    """A regex finding the words anywhere, shaped as a trie (half the work of an alternation on
    a URL). No word may start another: at a position, the one word there is then what the
    alternation of the words would find, whatever their order."""
    words = list(words)
    for word in words:
        longer = [other for other in words if other != word and other.startswith(word)]
        assert not longer, f"{word!r} starts {longer}: the trie would find the longer one"
    return re.compile(_trie_pattern(_trie(words)))


class WordList:
    """Finds the words of a list in lower-cased text; `*` at a word's end allows inflections."""

    def __init__(self, words: Iterable[str], labels: dict[str, str] | None = None) -> None:
        words = list(words)
        self.labels = labels or {}
        exact: dict[str, str] = {}
        self.stems: list[tuple[str, str]] = []
        for word in sorted(set(words), key=lambda w: len(w.rstrip("*")), reverse=True):
            stem = word.endswith("*")
            bare = word.rstrip("*")
            label = self.labels.get(word, "")
            if stem:
                self.stems.append((bare, label))
            else:
                exact[bare] = label
        self.exact = exact
        # One regex shaped like a trie of the words: each position costs one branch per character,
        # not one per word. No capturing groups, so the engine can skip ahead by first characters.
        self.regex = re.compile(_trie_pattern(_trie(words)))
        self._word_starts = _WordStarts.of(words)

    def finditer(
        self, lowered: str, start: int = 0, end: int | None = None
    ) -> Iterator[tuple[int, int, str]]:
        """(start, end, matched text) of each whole-word hit."""
        if start == 0 and (end is None or end == len(lowered)) and self._word_starts is not None:
            matches = self._word_starts.finditer(lowered, self.regex)
            if matches is not None:
                yield from matches
                return
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


class _WordStarts:
    """The hits of `WordList.finditer` over a whole text, found faster: the regex of the list
    tries a match at nearly every letter (most letters start some word), a third of a 20,000
    character body's extraction time. This one first matches the character before a spaced
    script's word (no letter or digit can be, so the engine skips every letter) and tries the
    rest anywhere. It gives the same hits as long as a rejected hit inside a word, which the
    plain scan steps over, holds nowhere a word could start: that is checked, and when it may
    not hold the plain scan is used."""

    def __init__(
        self,
        spaced_words: str,
        unspaced: re.Pattern[str] | None,
        inside: dict[str, list[str]],
        ends: list[str],
    ) -> None:
        self.spaced = re.compile(_MARK + spaced_words)  # a mark, then a word of a spaced script
        # The same on ASCII text: every character not in [0-9A-Za-z] is then a mark, so the mark
        # is one class, without the look-behind at each one (0.39 against 0.57 ms over the dense
        # bench mail's 20,000 characters), and no word of an unspaced script can be there.
        self.spaced_ascii = re.compile(_ASCII_MARK + spaced_words)
        self.unspaced = unspaced  # a word of an unspaced script, anywhere
        # prefix -> a word that, started inside another word, holds a mark
        self.inside = {prefix: re.compile(_trie_pattern(_trie(ws))) for prefix, ws in inside.items()}
        self.ends = [re.compile(_trie_pattern(_trie([w]))) for w in ends]  # words ending with a mark
        # The same for ASCII text, without the words it cannot hold (they need a non-ASCII
        # character): fewer prefixes to look for in it ("code de sécurité" is not there).
        inside_ascii = {prefix: [w for w in ws if w.isascii()] for prefix, ws in inside.items()}
        self.inside_ascii = {p: re.compile(_trie_pattern(_trie(ws))) for p, ws in inside_ascii.items() if ws}
        self.ends_ascii = [re.compile(_trie_pattern(_trie([w]))) for w in ends if w.isascii()]

    @classmethod
    def of(cls, words: list[str]) -> _WordStarts | None:
        if not all(word[0].isalnum() for word in words):
            return None  # the mark before a word could be the end of another
        spaced = [w for w in words if not _boundless(w)]
        unspaced = [w for w in words if _boundless(w)]
        inside_words: dict[str, list[str]] = {}
        for word in spaced:
            cut = len(word.rstrip("*"))
            if not word.endswith("*"):
                cut = next((i for i, c in enumerate(word) if not c.isalnum() or _boundless(c)), cut)
            if cut < len(word):
                inside_words.setdefault(word[:cut], []).append(word)
        for prefix in sorted(inside_words, key=len):  # "log" is looked for, so "login" need not be
            shorter = next((p for p in inside_words if p != prefix and prefix.startswith(p)), None)
            if shorter is not None:
                inside_words[shorter] += inside_words.pop(prefix)
        ends = [w for w in words if not w.rstrip("*")[-1].isalnum()]
        # Two regexes, not one with two branches: each keeps its first characters, by which the
        # engine skips ahead (a mark for the first, the unspaced scripts' letters for the second).
        return cls(
            "(?:" + _trie_pattern(_trie(spaced)) + ")",
            re.compile(_trie_pattern(_trie(unspaced))) if unspaced else None,
            inside_words,
            ends,
        )

    def finditer(self, lowered: str, plain: re.Pattern[str]) -> list[tuple[int, int, str]] | None:
        """The hits, or None when the plain scan must be used."""
        if self._may_differ(lowered):
            return None
        hits = []
        position = 0
        first = plain.match(lowered)  # a word at the very start has no character before it
        if first is not None and not _boundless(first.group(0)):
            position = first.end()
            if _ends_word(lowered, position):
                hits.append((0, position, first.group(0)))
        for match in self._matches(lowered, position):
            s, e = match.span()
            word = match.group(0)
            if word[0].isalnum():  # a word of an unspaced script: it needs no boundary
                hits.append((s, e, word))
            elif _ends_word(lowered, e):
                hits.append((s + 1, e, word[1:]))
        return hits

    def _may_differ(self, lowered: str) -> bool:
        """Whether a word with a space or a mark in it starts inside another word (the plain
        scan steps over it, and over any word starting within it), or a word ending in a mark
        is there (the next word may start right after it)."""
        ascii_text = lowered.isascii()
        for prefix, inside in (self.inside_ascii if ascii_text else self.inside).items():
            found = lowered.find(prefix, 1)
            while found >= 0:
                if lowered[found - 1].isalnum() and inside.match(lowered, found):
                    return True
                found = lowered.find(prefix, found + 1)
        return any(ending.search(lowered) for ending in (self.ends_ascii if ascii_text else self.ends))

    def _matches(self, lowered: str, position: int) -> Iterator[re.Match[str]]:
        """What one regex with both as branches would find: leftmost first, none overlapping. A
        match at a position does not depend on where the search began, so a match found ahead
        stands until one ending past its start is taken."""
        spaced_re = self.spaced_ascii if lowered.isascii() else self.spaced  # isascii(): a flag, O(1)
        unspaced_re = None if lowered.isascii() else self.unspaced
        spaced = spaced_re.search(lowered, position)
        unspaced = unspaced_re.search(lowered, position) if unspaced_re else None
        while spaced is not None or unspaced is not None:
            if unspaced is None or (spaced is not None and spaced.start() < unspaced.start()):
                match = spaced
            else:
                match = unspaced
            assert match is not None
            yield match
            end = match.end()
            if spaced is not None and spaced.start() < end:
                spaced = spaced_re.search(lowered, end)
            if unspaced is not None and unspaced.start() < end:
                assert unspaced_re is not None
                unspaced = unspaced_re.search(lowered, end)


# "[\W_]" (no letter or digit), spelt as a cheap class first: re's skip then tests a bitmap for
# each character instead of a Unicode category. On ASCII text, the class alone.
_MARK = r"[^0-9a-z](?<=[\W_])"
_ASCII_MARK = r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"


def _ends_word(lowered: str, end: int) -> bool:
    return not (end < len(lowered) and lowered[end].isalnum() and not _boundless(lowered[end]))


def lower_same_length(text: str) -> str:
    """`text.lower()`, keeping positions when a character would lower-case to two."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(ch.lower()[:1] for ch in text)
