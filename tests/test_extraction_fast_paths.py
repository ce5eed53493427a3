"""The shortcuts taken for speed (issue 18: a 100 KB mail in < 5 ms) give what the plain
versions gave: digests of every corpus mail's results, taken before the speed-up, and each
shortcut against the standard-library or regex behaviour it replaces."""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote

from hypothesis import given, settings
from hypothesis import strategies as st
from selectolax.lexbor import LexborHTMLParser

from dustmail_lite.extraction import cues, extract
from dustmail_lite.extraction import html as html_module
from dustmail_lite.extraction import links as links_module
from dustmail_lite.extraction.codes import _CUES
from dustmail_lite.extraction.decoys import _DECOY_LABELS, _NON_LOGIN, _PROMO
from dustmail_lite.extraction.links import (
    _UNSUBSCRIBE_WORDS,
    _URL_RE,
    _VERIFY_WORDS,
    find_links,
    is_tracking,
    percent_decoded,
    unwrap,
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


@settings(max_examples=1000, deadline=None)
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


_URL_WORD_ALTERNATIONS = {
    "VERIFY_URL_WORDS": (
        r"verif|confirm|activat|activate|validat|magic|reset|passw|pwd|login|log-in|signin|sign-in|sign_in|"
        r"callback|auth|otp|token|bevestig|bestaetig|bestätig|aktivac|aktywac|restablec|redefin|sifre|"
        r"herstel|aterstall|obnova|restore|recover"
    ),
    "UNSUBSCRIBE_URL_RE": (
        r"unsub|opt-?out|abmelden|afmelden|desinscri|baja|wypisz|abonelik-iptal|unsubscribe|avregistr|"
        r"odhlasit|mailmagazine/stop"
    ),
}
_URL_WORD_PIECES = [
    *(word for words in _URL_WORD_ALTERNATIONS.values() for word in words.replace("-?", "-").split("|")),
    *(
        "optout",
        "activate",
        "unsubscribe",
        "act",
        "ver",
        "res",
        "sign",
        "log",
        "opt-",
        "b",
        "a",
        "/",
        "?",
        "=",
        "-",
    ),
]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_URL_WORD_PIECES) | st.text(max_size=3), max_size=8).map("".join))
def test_url_words_found_by_a_trie_are_those_the_alternation_finds(url):
    for name, alternation in _URL_WORD_ALTERNATIONS.items():
        expected = re.search(alternation, url)
        found = getattr(cues, name).search(url)
        assert (found and (found.span(), found.group(0))) == (
            expected and (expected.span(), expected.group(0))
        )


def test_formatting_tags_with_attributes_are_matched_as_with_re_ignorecase():
    plain = re.compile(r"<(?:b|big|code|em|font|i|s|small|strike|strong|tt|u)[\t\n\f\r /]", re.IGNORECASE)
    folding = _chars_folding_to_ascii_letters()
    for tag in html_module._FORMATTING_TAGS + ("a", "br", "bdi", "span", "sup", "table", "td", "ul", "img"):
        for i, char in enumerate(tag):
            spellings = [c for c in folding if re.fullmatch(re.escape(char), c, re.IGNORECASE)] or [char]
            for spelling in spellings:
                name = f"{tag[:i]}{spelling}{tag[i + 1 :]}"
                for markup in (
                    f"<{name} x>",
                    f"<{name}/>",
                    f"<{name}\tx>",
                    f"<{name}>",
                    f"<{name}x y>",
                    f"</{name} x>",
                ):
                    found = re.match(html_module._FORMATTING_WITH_ATTRIBUTES, markup)
                    assert bool(found) == bool(plain.match(markup)), markup


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


def _every_spelling(samples: list[str]) -> list[str]:
    """Each sample, and each with one of its letters spelt as each character re.IGNORECASE takes
    for it (upper case, "ſ" for "s", "K" for "k", "İ" and "ı" for "i")."""
    folding = _chars_folding_to_ascii_letters()
    out = []
    for sample in samples:
        out.append(sample)
        for i, char in enumerate(sample):
            for spelling in (c for c in folding if re.fullmatch(re.escape(char), c, re.IGNORECASE)):
                out.append(sample[:i] + spelling + sample[i + 1 :])
    return out


def test_link_patterns_spelt_case_by_case_match_as_with_re_ignorecase():
    names = "|".join(cues.REDIRECT_PARAMS)
    paths = "|".join(links_module._TRACKING_PATHS)
    old_param = re.compile(r"(?:^|&)(?:" + names + r")=(https?(?::|%3a)[^&]*)", re.IGNORECASE)
    queries = _every_spelling(
        [f"{name}={value}" for name in cues.REDIRECT_PARAMS for value in ("http:x", "https%3ax")]
    )
    queries += [
        "a=1&url=http:x&u=https%3Ax",
        "url=ftp:x&to=http:y",
        "xurl=http:x",
        "url=http:x&",
        "&&q=http:a&b",
    ]
    for query in queries:
        new = [m.group(1) for m in links_module._REDIRECT_PARAM_RE.finditer("&" + query)]
        assert new == [m.group(1) for m in old_param.finditer(query)], query
    old_path = re.compile(r"^/(?:" + paths + ")", re.IGNORECASE)
    for path in _every_spelling(
        ["/" + p + "x" for p in links_module._TRACKING_PATHS] + ["/p/1", "/", "/clic"]
    ):
        assert bool(links_module._TRACKING_PATH_RE.match(path)) == bool(old_path.match(path)), path
    urls = _every_spelling(["https://x", "http://x/a b", "https:///x", "http:/x", "httpx://x", "https://x/y"])
    old_absolute = re.compile(r"^https?://[^/\s]", re.IGNORECASE)
    old_no_space = re.compile(r"https?://[^/\s]\S*", re.IGNORECASE)
    old_target = re.compile(r"=(?:https?(?::|%3a)|http)", re.IGNORECASE)
    for url in urls + ["a=" + url for url in urls]:
        assert bool(links_module._ABSOLUTE_RE.match(url)) == bool(old_absolute.match(url)), url
        assert bool(links_module._ABSOLUTE_NO_SPACE_RE.fullmatch(url)) == bool(old_no_space.fullmatch(url)), (
            url
        )
        assert bool(links_module._HAS_TARGET_RE.search(url)) == bool(old_target.search(url)), url


def _unwrap_parameter_by_parameter(url: str) -> str:
    """`unwrap` as it was before the usual tracked link was read in one match."""
    for _ in range(3):
        if not links_module._HAS_TARGET_RE.search(url) or not is_tracking(url):
            break
        query = url.partition("?")[2].partition("#")[0]
        for match in links_module._REDIRECT_PARAM_RE.finditer("&" + query):
            target = percent_decoded(match.group(1).replace("+", " ")).strip()
            if links_module._ABSOLUTE_NO_SPACE_RE.fullmatch(target):
                url = target
                break
        else:
            break
    return url


def _random_tracked_link(rng: random.Random) -> str:
    """A link shaped like a tracked one (scheme, host, path, query, fragment), its parts drawn
    from tracking and other hosts and paths, parameters before, between and after redirect ones,
    targets good, bad (spaces, another scheme) and nested; then a few pieces put anywhere, "?",
    "#", "&" and "://" included, where the one-match reading could take them for something else."""
    nested = "https%3A%2F%2Fclick.x.example%2Fls%2Fclick%3Furl%3Dhttps%253A%252F%252Fw.example%252Fv"
    params = [
        "a=1",
        "upn=2",
        "url=https%3A%2F%2Fy.example%2Fv",
        "U=http:x",
        "redirect_uri=https://y.example/a b",
        "to=ftp:x",
        f"url={nested}",
        "q=http%3a//z.example",
        "",
        "Url=https+%3A%2F%2Fy.example",
        "x=http:y",
        "url=https:/y",
        "next=HTTPS%3A%2F%2FY.example%2F%3Fa%3D1%26b%3D2",
    ]
    url = (
        rng.choice(["https://", "HTTP://", "httpſ://", "ftp://", ""])
        + rng.choice(["click.x.example", "x.example", "user@t.y.example:80", "r.x.example", ""])
        + rng.choice(["/ls/click", "/p", "/c/", "/", "", "/Track/Click"])
        + rng.choice(["?", "?", "?", "#", ""])
        + "&".join(rng.choice(params) for _ in range(rng.randint(0, 4)))
        + rng.choice(["", "", "#", "#f?url=http://z.example", "#a&url=https%3A%2F%2Fz.example"])
    )
    for _ in range(rng.choice([0, 0, 1, 2])):
        i = rng.randint(0, len(url))
        url = url[:i] + rng.choice(["?", "#", "&", "=", "://", "/", "url=http:x", " ", "%2F"]) + url[i:]
    return url


def test_a_tracked_link_read_in_one_match_is_unwrapped_as_parameter_by_parameter():
    rng = random.Random(20)
    one_match = 0
    for _ in range(40_000):
        url = _random_tracked_link(rng)
        assert unwrap(url) == _unwrap_parameter_by_parameter(url), url
        one_match += links_module._FIRST_REDIRECT_RE.match(url) is not None
    assert one_match > 5_000  # the one-match reading was taken, not only the general one


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


def _words_and_junk(
    rng: random.Random, vocabulary: list[str], word_chance: float, junk: Callable[[], str]
) -> str:
    """One to twelve pieces: a word of the list (cut short three times in ten), else `junk()`."""
    parts = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < word_chance:
            word = rng.choice(vocabulary)
            parts.append(word[: rng.randint(1, len(word))] if rng.random() < 0.3 else word)
        else:
            parts.append(junk())
    return "".join(parts)


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
        lowered = _words_and_junk(rng, vocabulary, 0.45, lambda: rng.choice(junk)).lower()
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
        text = _words_and_junk(
            rng, vocabulary, 0.5, lambda: "".join(rng.choices(ascii_chars, k=rng.randint(1, 3)))
        )
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
