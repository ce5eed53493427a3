"""Issue 15 (4): GET /api/v1/emails?q=... over known mail (real SMTP and HTTP sockets)."""

from __future__ import annotations

import pytest

from dustmail_lite.search import QueryError, parse
from dustmail_lite.store.search import fts_expression

ATTACHED = (
    b"From: Billing <billing@shop.example>\r\nTo: {to}\r\nSubject: Invoice 7781 for March\r\n"
    b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nPlease find the invoice attached.\r\n"
    b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=i.pdf\r\n\r\n%PDF-1\r\n"
    b"--b--\r\n"
)


@pytest.fixture
def mail(live):
    key = live.key("alice")
    a, b = live.create_inbox(key), live.create_inbox(key)
    live.send(a["email"], subject="Your verification code", body="Use 123456 to verify your account",
              sender="noreply@accounts.example")
    live.send(b["email"], subject="Weekly newsletter", body="Nothing about codes here, only news",
              sender="news@letters.example")
    live.send_raw(b["email"], ATTACHED.replace(b"{to}", b["email"].encode()), sender="billing@shop.example")
    live.send(a["email"], subject="Reset your password", body="Click the link to reset; verification not needed",
              sender="security@accounts.example")
    other = live.key("bob")
    c = live.create_inbox(other)
    live.send(c["email"], subject="Your verification code", body="bob's own code 999999")
    return live, key, a, b, other


def search(live, key, **params):
    r = live.http.get("/api/v1/emails", params=params, headers=live.auth(key))
    assert r.status_code == 200, r.text
    return r.json()


def subjects(body):
    return [e["subject"] for e in body["data"]]


def test_words_fields_and_filters(mail):
    live, key, a, b, other = mail
    assert subjects(search(live, key, q="verification")) == ["Reset your password", "Your verification code"]
    assert subjects(search(live, key, q="verification", inbox_id=a["id"])) == [
        "Reset your password", "Your verification code"]
    assert subjects(search(live, key, q="verification", inbox_id=b["id"])) == []
    assert subjects(search(live, key, q="subject:verification")) == ["Your verification code"]
    assert subjects(search(live, key, q="from:accounts.example")) == ["Reset your password", "Your verification code"]
    assert subjects(search(live, key, q="from:noreply@accounts.example code")) == ["Your verification code"]
    assert subjects(search(live, key, q=f"to:{b['email']}")) == ["Invoice 7781 for March", "Weekly newsletter"]
    assert subjects(search(live, key, q="has:attachment")) == ["Invoice 7781 for March"]
    assert subjects(search(live, key, q="invoice has:attachment")) == ["Invoice 7781 for March"]
    assert subjects(search(live, key, q='"only news"')) == ["Weekly newsletter"]
    assert subjects(search(live, key, q="verif*")) == ["Reset your password", "Your verification code"]
    assert subjects(search(live, key, q="123456")) == ["Your verification code"]
    assert subjects(search(live, key, q="after:2000-01-01 before:2999-01-01 newsletter")) == ["Weekly newsletter"]
    assert subjects(search(live, key, q="before:2000-01-01")) == []
    assert subjects(search(live, key, q="nomatchword")) == []
    hit = search(live, key, q="newsletter")["data"][0]
    assert hit["inbox_id"] == b["id"] and hit["from"] == "news@letters.example"
    assert set(hit) == {"id", "inbox_id", "from", "subject", "preview", "received_at", "size", "event_id"}
    # Another account's mail is never found, and its inboxes cannot be named.
    assert subjects(search(live, other, q="verification")) == ["Your verification code"]
    assert search(live, other, q="verification")["data"][0]["preview"].startswith("bob's own")
    r = live.http.get("/api/v1/emails", params={"inbox_id": a["id"]}, headers=live.auth(other))
    assert r.status_code == 404 and r.json()["error"]["code"] == "inbox_not_found"


def test_newest_first_and_paginated(mail):
    live, key, *_ = mail
    everything = search(live, key)
    assert len(everything["data"]) == 4 and everything["meta"]["next_cursor"] is None
    seen, cursor = [], None
    while True:
        page = search(live, key, limit=3, **({"cursor": cursor} if cursor else {}))
        seen += [e["id"] for e in page["data"]]
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in everything["data"]]
    ids = [e["event_id"] for e in everything["data"]]
    assert ids == sorted(ids, reverse=True)
    assert len(search(live, key, after=ids[1])["data"]) == 1


def test_prefix_queries_newest_first_and_paginated(live):
    """Prefixes of every length: 2 and 3 characters are served by FTS5's prefix indexes,
    others by expanding the prefix; the results must be the same kind either way."""
    key = live.key("carol")
    box = live.create_inbox(key)
    sent = [
        ("Version 2 released", "the new version is out"),
        ("Please confirm", "verify your address"),
        ("Overview of the week", "an overview, nothing else"),
        ("Vendor invoice", "from your vendor"),
        ("Your verification code", "code 123456"),
    ]
    for subject, body in sent:
        live.send(box["email"], subject=subject, body=body)
    other = live.key("dave")
    live.send(live.create_inbox(other)["email"], subject="Verify me too", body="version vendor")
    newest = ["Your verification code", "Vendor invoice", "Please confirm", "Version 2 released"]
    assert subjects(search(live, key, q="ver*")) == ["Your verification code", "Please confirm", "Version 2 released"]
    assert subjects(search(live, key, q="VER*")) == subjects(search(live, key, q="ver*"))
    assert subjects(search(live, key, q="ve*")) == newest
    assert subjects(search(live, key, q="veri*")) == ["Your verification code", "Please confirm"]
    assert subjects(search(live, key, q="verification*")) == ["Your verification code"]
    assert subjects(search(live, key, q="subject:ver*")) == ["Your verification code", "Version 2 released"]
    assert subjects(search(live, key, q="ver* code")) == ["Your verification code"]
    assert subjects(search(live, key, q="ov*")) == ["Overview of the week"]
    assert subjects(search(live, key, q="erv*")) == []  # inside a word is not a prefix
    assert subjects(search(live, other, q="ver*")) == ["Verify me too"]
    pages, cursor = [], None
    while True:
        page = search(live, key, q="ve*", limit=2, **({"cursor": cursor} if cursor else {}))
        pages.append(subjects(page))
        cursor = page["meta"]["next_cursor"]
        if cursor is None:
            break
    assert pages == [newest[:2], newest[2:]]


@pytest.mark.parametrize("q", ["has:pictures", "before:yesterday", "x" * 600, "v*", "subject:a*", "code n*"])
def test_bad_queries_are_422(live, q):
    key = live.key()
    r = live.http.get("/api/v1/emails", params={"q": q}, headers=live.auth(key))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_query"


def test_user_text_never_becomes_fts_syntax():
    import re
    import sqlite3

    query = parse('NEAR(a b) OR "x" -y ^z col:1 from:"a" "b * AND')
    expression = fts_expression(query.terms)
    outside_phrases = re.sub(r'"[^"]*"', "", expression)
    assert set(outside_phrases.split()) <= {"{subject", "text}", ":", "AND", "mail_from", "*"}
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE email_search USING fts5(subject, text, mail_from, rcpt)")
    db.execute("INSERT INTO email_search VALUES ('NEAR a b OR x y z col 1 b AND', '', 'a', '')")
    assert db.execute("SELECT count(*) FROM email_search WHERE email_search MATCH ?", (expression,)).fetchone() == (1,)
    with pytest.raises(QueryError):
        parse(" ".join(["w"] * 40))


def test_words_split_and_folded_alike_on_every_backend(live):
    """What FTS5's unicode61 tokenizer (remove_diacritics 2) does, PostgreSQL's twin does too:
    diacritics and case (not only ASCII) folded, punctuation, symbols and emoji split words,
    a phrase never runs from the subject into the text."""
    key = live.key("erin")
    box = live.create_inbox(key)
    live.send(box["email"], subject="Ünïcode Résumé attached",
              body="Crème brûlée — ÄRGER im Büro; see https://shop.example/orders/7781?x=1 or write to"
                   " help_desk@shop.example. It’s “quoted”.")
    live.send(box["email"], subject="Привет from Moscow", body="ПРИВЕТСТВИЕ and emoji 😀party time…")
    live.send(box["email"], subject="Ends with alpha", body="beta starts the body")
    live.send(box["email"], subject="Tom & Jerry's (show)", body="a | b & !c <-> d:* 'e' \\f 5€ " + "z" * 3000)
    first, cyrillic, boundary, syntax = (
        "Ünïcode Résumé attached", "Привет from Moscow", "Ends with alpha", "Tom & Jerry's (show)")
    expected = {
        "resume": [first], "RÉSUMÉ": [first], "unicode": [first], "creme brulee": [first],
        '"crème brûlée"': [first], "ärger": [first], "arger": [first], "buro": [first], "BÜRO": [first],
        "7781": [first], "orders": [first], "help": [first], "help_desk": [first], "desk@shop": [first],
        "it's": [first], '"it s quoted"': [first], "quoted": [first],
        "привет": [cyrillic], "приветствие": [cyrillic], "ПРИВ*": [cyrillic], "party": [cyrillic],
        "time": [cyrillic], "😀party": [cyrillic],
        "alpha beta": [boundary], '"alpha beta"': [], "subject:beta": [],
        "Tom & Jerry's (show)": [syntax], "jerry*": [syntax], "d:*": [syntax], "'e'": [syntax],
        "a | b": [syntax], "!c": [syntax], "<-> tom": [syntax], "\\f": [syntax], "f:*": [syntax],
        "5": [syntax], "___": [], "tom ___": [],
    }
    found = {q: subjects(search(live, key, q=q)) for q in expected}
    assert found == expected


def test_mail_with_more_words_than_an_index_row_holds(live):
    """A body of 200,000 distinct words (past PostgreSQL's 1 MB tsvector) is stored, and
    searchable at least by its start, on every backend."""
    key = live.key("frank")
    box = live.create_inbox(key)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(letters[(i // 26**k) % 26] for k in range(4)) + "q" for i in range(200_000)]
    live.send(box["email"], subject="Many words", body=" ".join(words))
    assert subjects(search(live, key, q=words[0])) == ["Many words"]
    assert subjects(search(live, key, q=f'"{words[100]} {words[101]}"')) == ["Many words"]
    assert subjects(search(live, key, q="subject:many")) == ["Many words"]


@pytest.mark.postgres
def test_postgres_migration_indexes_the_mail_already_stored():
    """0009 on a PostgreSQL database that already holds mail: the generated columns are
    filled for every stored email, so old mail is found like new."""
    import asyncio

    import asyncpg
    import helpers

    from dustmail_lite.store import NewEmail, Store
    from dustmail_lite.store.schema_postgres import MIGRATIONS

    url = helpers.new_database()

    async def run():
        conn = await asyncpg.connect(url)
        await conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        for name, script in MIGRATIONS[: [n for n, _ in MIGRATIONS].index("0009_search_fts5")]:
            await conn.execute(script)
            await conn.execute("INSERT INTO migrations VALUES ($1, 0)", name)
        await conn.execute("INSERT INTO accounts (id, name, plan, created_at, last_event_id)"
                           " VALUES (1, 'a', 'free', 0, 11)")
        await conn.execute("INSERT INTO inboxes (pk, id, account_id, address, domain, created_at, expires_at)"
                           " VALUES (1, 'i1', 1, 'x@d.test', 'd.test', 0, 4000000000000)")
        for seq, subject in [(10, "Crème brûlée recipe"), (11, "Quarterly report")]:
            await conn.execute(
                "INSERT INTO emails (seq, id, inbox_pk, account_id, event_id, received_at, mail_from, rcpt,"
                " subject, text, html, size, has_attachment, details, raw)"
                " VALUES ($1, $2, 1, 1, $1, $1, 'chef@kitchen.example', 'x@d.test', $3, 'old body words', '',"
                " 100, 0, '{}', '\\x00')", seq, f"e{seq}", subject)
        await conn.close()
        async with Store(url) as store:
            assert [e.id for e in await store.search_emails(1, parse("creme"))] == ["e10"]
            assert [e.id for e in await store.search_emails(1, parse("words"))] == ["e11", "e10"]
            assert [e.id for e in await store.search_emails(1, parse("from:kitchen to:x@d.test quart*"))] == ["e11"]
            inbox = await store.get_inbox("i1", 1)
            raw = b"Subject: new\r\n\r\nfresh\r\n"
            [new_id] = await store.deliver([inbox], NewEmail("s@e.test", "new", "fresh words", "", len(raw), raw, {}))
            assert [e.id for e in await store.search_emails(1, parse("words"))] == [new_id, "e11", "e10"]

    asyncio.run(run())
