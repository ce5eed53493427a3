"""The shortcuts taken for speed (issue 18: a 100 KB mail in < 5 ms) give what the plain
versions gave: digests of every corpus mail's results, taken before the speed-up, and each
shortcut against the standard-library or regex behaviour it replaces."""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from dustmail_lite.extraction import extract
from dustmail_lite.extraction import html as html_module
from dustmail_lite.extraction.codes import _CUES
from dustmail_lite.extraction.decoys import _DECOY_LABELS, _NON_LOGIN, _PROMO
from dustmail_lite.extraction.links import (
    _UNSUBSCRIBE_WORDS,
    _URL_RE,
    _VERIFY_WORDS,
    find_links,
    percent_decoded,
)
from dustmail_lite.extraction.wordlists import WordList, _boundless

CORPUS = Path(__file__).parent / "extraction_corpus"
sys.path.insert(0, str(CORPUS))

import golden


def test_every_corpus_and_bench_mail_gives_the_results_it_gave_before_the_speed_up():
    expected = json.loads(golden.GOLDEN.read_text())
    current = golden.current_digests()
    assert len(current) >= 150
    changed = sorted(name for name in expected if current.get(name) != expected[name])
    assert current.keys() == expected.keys() and not changed, (
        f"extraction results changed for {changed}; if meant, rewrite tests/extraction_corpus/golden.json "
        "with tests/extraction_corpus/golden.py"
    )


_ESCAPE_PIECES = [
    "%",
    "3A",
    "3a",
    "2F",
    "2f",
    "%3A",
    "%2F",
    "%2f",
    "%25",
    "%C3%A9",
    "%E9",
    "%zz",
    "%3D",
    "%26",
    "%7e",
    "%80",
    "%FF",
    "%F0%9F%98%80",
    "é",
    "x",
    "+",
    "%2",
    "/",
    ":",
]


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.sampled_from(_ESCAPE_PIECES), max_size=12).map("".join) | st.text(max_size=30))
def test_percent_decoding_is_unquote(value):
    assert percent_decoded(value) == unquote(value)


def _chars_folding_to_ascii_letters() -> str:
    """Every character re.IGNORECASE takes for an ASCII letter (a-z, A-Z and a few others)."""
    letter = re.compile("[a-z]", re.IGNORECASE)
    return "".join(chr(cp) for cp in range(0x110000) if letter.fullmatch(chr(cp)))


def test_block_tags_are_matched_as_with_re_ignorecase():
    plain = re.compile(
        r"<(?=/?(?:p|div|br|tr|li|h[1-6]|table|section|article|header|footer|blockquote|pre|hr|td|th|ul|ol|"
        r"center|dd|dt|tbody|thead|tfoot)\b)",
        re.IGNORECASE,
    )
    folding = _chars_folding_to_ascii_letters()
    assert {"\u017f", "\u212a", "\u0130", "\u0131"} <= set(folding)
    for tag in html_module.BLOCK_TAGS + ("a", "img", "span", "tbodyx", "headers", "pi", "b"):
        for i, char in enumerate(tag):
            spellings = [c for c in folding if re.fullmatch(re.escape(char), c, re.IGNORECASE)] or [char]
            for spelling in spellings:
                for markup in (
                    f"<{tag[:i]}{spelling}{tag[i + 1 :]}>",
                    f"</{tag[:i]}{spelling}{tag[i + 1 :]} x>",
                ):
                    assert bool(html_module._BLOCK_TAG_RE.match(markup)) == bool(plain.match(markup)), markup


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "http",
                "HTTP",
                "hTtPs",
                "httpſ",
                "https",
                "://",
                "x.example/a",
                " ",
                "<",
                "ftp",
                "\n",
                "é",
                "(",
                ")",
                '"',
            ]
        ),
        max_size=20,
    ).map("".join)
)
def test_urls_in_text_are_found_as_with_re_ignorecase(text):
    plain = re.compile(r"https?://[^\s<>\"'`\]\[{}|\\^]+", re.IGNORECASE)
    assert [m.span() for m in _URL_RE.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_an_anchors_image_is_the_one_a_selector_finds_however_deep():
    for before in ("", " text ", "<span></span>" * 5, "<span><i>x</i></span>" * 40, "<b>" * 50):
        tree = LexborHTMLParser(
            f"<a href='x'>{before}<img alt='first'><img alt='second'></a><img alt='after'>"
        )
        anchor = tree.css_first("a")
        assert (
            html_module._first_image(anchor).attrs["alt"] == anchor.css_first("img").attrs["alt"] == "first"
        )
    tree = LexborHTMLParser("<a href='x'>" + "<span></span>" * 40 + "</a><img alt='after'>")
    assert html_module._first_image(tree.css_first("a")) is None


def test_the_words_before_each_url_of_a_long_line_are_those_since_the_url_before():
    line = " ".join(f"item {i} https://shop.example/p/{i}" for i in range(150))
    links = {
        link.url: link.text for link in find_links("Verify below\n" + line + "\nhttps://last.example/x", [])
    }
    assert links["https://shop.example/p/0"] == "item 0"
    assert links["https://shop.example/p/75"] == "item 75"
    assert links["https://shop.example/p/149"] == "item 149"
    assert links["https://last.example/x"] == line[-120:]  # a URL starting a line: the line above
    top = find_links("Confirm your account:\nhttps://app.example/confirm?token=Zt9xQ81kLm", [])[0]
    assert top.text == "Confirm your account:" and top.kind == "verification"


def test_a_tracked_link_is_unwrapped_with_its_escapes_decoded():
    href = "https://click.shop.example/ls/click?upn=1&url=https%3A%2F%2Fshop.example%2Fverify%3Ftoken%3DAb12Cd34Ef"
    details = extract("", "", f"<a href='{href}'>Verify your email</a>").as_details()
    [link] = details["link_details"]
    assert link["url"] == "https://shop.example/verify?token=Ab12Cd34Ef" and link["href"] == href
    assert link["kind"] == "verification"


def _plain_word_hits(words: WordList, lowered: str) -> list[tuple[int, int, str]]:
    """`WordList.finditer` as it was: the list's regex at every position, then the boundaries."""
    hits = []
    for match in words.regex.finditer(lowered):
        start, end = match.span()
        word = match.group(0)
        if not _boundless(word):
            if start > 0 and lowered[start - 1].isalnum():
                continue
            if end < len(lowered) and lowered[end].isalnum() and not _boundless(lowered[end]):
                continue
        hits.append((start, end, word))
    return hits


def test_word_lists_found_from_word_starts_give_the_hits_of_the_plain_scan():
    lists = [_CUES, _VERIFY_WORDS, _UNSUBSCRIBE_WORDS, _PROMO, _NON_LOGIN, _DECOY_LABELS]
    # Words cut short, glued to letters and marks, in scripts with and without spaces: a word
    # starting inside another, a word ending in a combining mark, "_" in an inflection.
    junk = list("xa_ \n-.。〒验证1éſİK:ी№")
    junk += ["phone", "de", "ओटीपी", "x_", "\t"]
    rng = random.Random(18)
    fast = 0
    for _ in range(12_000):
        words = rng.choice(lists)
        vocabulary = list(words.exact) + [stem for stem, _ in words.stems]
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.45:
                word = rng.choice(vocabulary)
                parts.append(word[: rng.randint(1, len(word))] if rng.random() < 0.3 else word)
            else:
                parts.append(rng.choice(junk))
        lowered = "".join(parts).lower()
        assert list(words.finditer(lowered)) == _plain_word_hits(words, lowered), lowered
        fast += (
            words._word_starts is not None and words._word_starts.finditer(lowered, words.regex) is not None
        )
    assert fast > 4000  # the word-start scan was taken, not only the plain one


def test_word_lists_on_ascii_text_give_the_hits_of_the_plain_scan():
    # ASCII text is read with a mark class of its own (every ASCII character but [0-9A-Za-z]):
    # words glued to each ASCII character, upper-case letters included.
    lists = [_CUES, _VERIFY_WORDS, _UNSUBSCRIBE_WORDS, _PROMO, _NON_LOGIN, _DECOY_LABELS]
    ascii_chars = [chr(code) for code in range(128)]
    rng = random.Random(19)
    fast = 0
    for _ in range(8_000):
        words = rng.choice(lists)
        vocabulary = [w for w in [*words.exact, *(stem for stem, _ in words.stems)] if w.isascii()]
        parts = []
        for _ in range(rng.randint(1, 12)):
            if rng.random() < 0.5:
                word = rng.choice(vocabulary)
                parts.append(word[: rng.randint(1, len(word))] if rng.random() < 0.3 else word)
            else:
                parts.append("".join(rng.choices(ascii_chars, k=rng.randint(1, 3))))
        text = "".join(parts)
        assert text.isascii()
        assert list(words.finditer(text)) == _plain_word_hits(words, text), text
        fast += words._word_starts is not None and words._word_starts.finditer(text, words.regex) is not None
    assert fast > 4000  # the word-start scan was taken, not only the plain one


def _tidy_block_by_block(raw: str, mark: str) -> str:
    for char in html_module._INVISIBLE:
        raw = raw.replace(char, "")
    out: list[str] = []
    for block in raw.split(mark):
        line = " ".join(block.split())
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def test_text_tidied_at_once_is_the_text_tidied_block_by_block():
    pieces = ["a", "bc", " ", "  ", "\n", "\t", "\x1c", "\u00a0", "\u200b", "\u3000", "x y", "\x85", "\u2028"]
    rng = random.Random(11)
    for mark in ("\x07", "\ue000"):
        for _ in range(20_000):
            raw = "".join(rng.choice([*pieces, mark, f" {mark} "]) for _ in range(rng.randint(0, 14)))
            assert html_module._tidy(raw, mark) == _tidy_block_by_block(raw, mark), repr(raw)
