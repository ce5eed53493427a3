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
