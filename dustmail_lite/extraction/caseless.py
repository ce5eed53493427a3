"""Case-insensitive patterns spelt by hand: the strings re.IGNORECASE matches, for less work.

With re.IGNORECASE, re folds the case of each character it compares and cannot skip ahead to a
pattern's first character. Spelt as character classes (`[pP]`), a pattern matches the same
strings, and alternatives that start with a literal (`p...|P...`) are skipped by re without a
call. Used for the patterns tried at every "<" of a mail and on every link.
"""

from __future__ import annotations

import re
from typing import Any

# The other characters re.IGNORECASE takes for these ASCII letters (Unicode simple case folding).
CASE_EXTRAS = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def _cases(char: str) -> str:
    """Every character re.IGNORECASE takes for this lower-case ASCII letter, or the character."""
    return char + char.upper() + CASE_EXTRAS.get(char, "") if "a" <= char <= "z" else char


def caseless(text: str) -> str:
    """A pattern for the lower-case ASCII `text` in any case: "http" -> "[hH][tT][tT][pP]"."""
    return "".join(f"[{_cases(c)}]" if len(_cases(c)) > 1 else re.escape(c) for c in text)


def first_letters(words: tuple[str, ...]) -> str:
    """A class of every character re.IGNORECASE takes for the words' first letters: put in a
    look-ahead before `caseless_trie(words)`, it turns away most positions with one test."""
    return "[" + "".join(sorted({case for word in words for case in _cases(word[0])})) + "]"


def caseless_trie(words: tuple[str, ...], word_end: str = "", literal_depth: int = 2) -> str:
    """A pattern for any of the lower-case ASCII words in any case, each followed by `word_end`,
    shaped as a trie: re reads a position with a few checks instead of trying every word. The
    first `literal_depth` characters are spelt as one alternative per case ("p...|P..." rather
    than "[pP]..."), which re skips without calling its class test."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any], depth: int) -> str:
        branches = []
        for char in sorted(node):
            if not char:
                continue
            rest = pattern(node[char], depth + 1)
            if depth < literal_depth:
                branches += [re.escape(case) + rest for case in _cases(char)]
            else:
                branches.append(caseless(char) + rest)
        if "" in node:
            branches.append(word_end)
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return pattern(trie, 0)
