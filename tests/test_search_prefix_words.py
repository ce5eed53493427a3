"""Issue 15 (4): a prefix longer than FTS5's prefix indexes (4+ characters) is searched as an OR
of the whole words it starts (read from the index's word list), or as FTS5's own prefix query
when it starts too many words: either way the same emails, newest first (real SMTP and HTTP)."""

from __future__ import annotations

import asyncio

import pytest
from test_search import search, subjects

from dustmail_lite.search import parse
from dustmail_lite.store import Store
from dustmail_lite.store.search import MAX_PREFIX_WORDS

MANY = MAX_PREFIX_WORDS + 6  # words starting "zeta" in one email: more than are expanded


@pytest.fixture
def mail(live):
    key = live.key("gina")
    a, b = live.create_inbox(key), live.create_inbox(key)
    sent = [
        (a, "Verification needed", "please verify this"),
        (b, "Weekly digest", "the verifier ran twice"),
        (a, "Unrelated", "nothing here but a verb"),
        (b, "Your verification code", "code 5555"),
        (a, "Many zetas", " ".join(f"zeta{n:03d}" for n in range(MANY))),
        (b, "One zeta", "only zeta999 and zetas"),
    ]
    for box, subject, body in sent:
        live.send(box["email"], subject=subject, body=body)
    other = live.key("hank")
    live.send(live.create_inbox(other)["email"], subject="Verify me too", body="verification elsewhere")
    return live, key, a, b, other


def test_long_prefix_finds_its_words_newest_first(mail):
    live, key, a, b, other = mail
    newest = ["Your verification code", "Weekly digest", "Verification needed"]
    assert subjects(search(live, key, q="verif*")) == newest
    assert subjects(search(live, key, q="VERIF*")) == newest
    assert subjects(search(live, key, q="verific*")) == ["Your verification code", "Verification needed"]
    assert subjects(search(live, key, q="verification*")) == ["Your verification code", "Verification needed"]
    assert subjects(search(live, key, q="verifx*")) == []
    assert subjects(search(live, key, q="subject:verif*")) == ["Your verification code", "Verification needed"]
    assert subjects(search(live, key, q="from:verif*")) == []
    assert subjects(search(live, key, q="verif* code")) == ["Your verification code"]
    assert subjects(search(live, key, q="verif*", inbox_id=b["id"])) == ["Your verification code", "Weekly digest"]
    # A phrase ending with a prefix keeps its order; a quoted `*` is no prefix at all.
    assert subjects(search(live, key, q="your-verif*")) == ["Your verification code"]
    assert subjects(search(live, key, q="verif-your*")) == []
    assert subjects(search(live, key, q='"your verif*"')) == []
    assert subjects(search(live, other, q="verif*")) == ["Verify me too"]
    pages, cursor = [], None
    while True:
        page = search(live, key, q="verif*", limit=1, **({"cursor": cursor} if cursor else {}))
        pages.append(subjects(page))
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break
    assert pages == [[subject] for subject in newest]


def test_prefix_of_too_many_words_still_finds_them(mail):
    live, key, *_ = mail
    assert subjects(search(live, key, q="zeta*")) == ["One zeta", "Many zetas"]  # MANY + 2 words
    assert subjects(search(live, key, q="zeta0*")) == ["Many zetas"]  # MANY words
    assert subjects(search(live, key, q="zeta00*")) == ["Many zetas"]  # 10 words
    assert subjects(search(live, key, q="zeta9*")) == ["One zeta"]
    assert subjects(search(live, key, q="subject:zeta*")) == ["One zeta", "Many zetas"]
    assert subjects(search(live, key, q="subject:zeta0*")) == []
    assert subjects(search(live, key, q="zeta0* code")) == []
    assert subjects(search(live, key, q="zetas*")) == ["One zeta", "Many zetas"]
    assert subjects(search(live, key, q="zeta99*")) == ["One zeta"]


@pytest.mark.sqlite_only(reason="the word list is SQLite's FTS5 vocabulary")
def test_which_prefixes_are_expanded(mail):
    """The expansion (not the fallback) answered the long prefixes above, and the fallback the
    prefixes of too many words, short prefixes and those the tokenizer must fold."""
    live = mail[0]

    async def expanded(q: str) -> dict[int, list[str]]:
        async with Store(live.env.config.storage.path) as store:
            return await store.expand_prefixes(parse(q).terms)

    def words(q: str) -> dict[int, list[str]]:
        return asyncio.run(expanded(q))

    assert words("verif*") == {0: ["verification", "verifier", "verify"]}
    assert words("code subject:VERIF*") == {1: ["verification", "verifier", "verify"]}
    assert words("your-verif*") == {0: ["verification", "verifier", "verify"]}
    assert words("zeta00*") == {0: [f"zeta{n:03d}" for n in range(10)]}
    assert words("zeta9*") == {0: ["zeta999"]}
    assert words("zeta0*") == {}  # more than MAX_PREFIX_WORDS: FTS5's own prefix query
    assert words("zeta*") == {}
    assert words("ver*") == {}  # 3 characters: FTS5's prefix index
    assert words("verifx*") == {}  # no word: nothing to expand
    assert words("vérif*") == {}  # not plain ASCII: left to the tokenizer
    assert words("verif") == {}
