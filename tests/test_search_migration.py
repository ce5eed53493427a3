"""Migration 0010 (prefix indexes for search) on a database written by the previous schema,
with mail in it: the index is made again from the stored emails, old mail is still found
(words, prefixes, fields, within an account or an inbox), new and deleted mail keep the
index in step."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from dustmail_lite.search import parse
from dustmail_lite.store import NewEmail, Store
from dustmail_lite.store.schema import MIGRATIONS, split_sql

OLD_MAIL = [  # seq, inbox pk, subject, text
    (10, 1, "Your verification code", "use 123456 to verify"),
    (11, 2, "Other account", "verification for someone else"),
    (12, 1, "Version notes", "the new version of the invoice tool"),
    (13, 1, "Lunch", "nothing to see"),
    (14, 3, "Verbatim", "quoted in the other inbox"),
]
ACCOUNT_OF_INBOX = {1: 1, 2: 2, 3: 1}


def previous_schema_database(path) -> None:
    """Every migration before 0010, then mail stored as that schema's triggers index it."""
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
    before = [name for name, _ in MIGRATIONS].index("0010_search_prefix")
    for name, script in MIGRATIONS[:before]:
        for statement in split_sql(script):
            db.execute(statement)
        db.execute("INSERT INTO migrations VALUES (?, 0)", (name,))
    db.execute("INSERT INTO accounts (id, name, plan, created_at) VALUES (1, 'a', 'free', 0), (2, 'b', 'free', 0)")
    far = 4_000_000_000_000
    db.execute("INSERT INTO inboxes (pk, id, account_id, address, domain, created_at, expires_at)"
               " VALUES (1, 'i1', 1, 'x@d.test', 'd.test', 0, ?), (2, 'i2', 2, 'y@d.test', 'd.test', 0, ?),"
               " (3, 'i3', 1, 'z@d.test', 'd.test', 0, ?)", (far, far, far))
    for seq, inbox, subject, text in OLD_MAIL:
        db.execute("INSERT INTO emails (seq, id, inbox_pk, account_id, event_id, received_at, mail_from, rcpt,"
                   " subject, text, html, size, details, raw)"
                   " VALUES (?, ?, ?, ?, ?, ?, 'billing@shop.example', ?, ?, ?, '', 100, ?, x'00')",
                   (seq, f"e{seq}", inbox, ACCOUNT_OF_INBOX[inbox], seq, seq, f"{'xyz'[inbox - 1]}@d.test",
                    subject, text, json.dumps({"to": [], "attachments": []})))
    db.commit()
    # The old index answers prefix queries too (without a prefix index): the baseline.
    assert db.execute("SELECT count(*) FROM email_search WHERE email_search MATCH 'ver*'").fetchone() == (4,)
    assert "prefix" not in db.execute("SELECT sql FROM sqlite_master WHERE name = 'email_search'").fetchone()[0]
    db.close()


def found(store: Store, q: str, account: int = 1, inbox_pk: int | None = None):
    async def ids() -> list[str]:
        return [e.id for e in await store.search_emails(account, parse(q), inbox_pk)]

    return ids()


def test_prefix_migration_keeps_old_mail_searchable(tmp_path):
    path = tmp_path / "old.sqlite3"
    previous_schema_database(path)

    async def run():
        async with Store(path) as store:
            assert await found(store, "verification") == ["e10"]
            assert await found(store, "ver*") == ["e14", "e12", "e10"]
            assert await found(store, "ver*", inbox_pk=1) == ["e12", "e10"]
            assert await found(store, "ver*", inbox_pk=3) == ["e14"]
            assert await found(store, "ve*", inbox_pk=1) == ["e12", "e10"]
            assert await found(store, "veri*") == ["e10"]
            assert await found(store, "inv*") == ["e12"]
            assert await found(store, "subject:ver*") == ["e14", "e12", "e10"]
            assert await found(store, "from:billing@shop.example") == ["e14", "e13", "e12", "e10"]
            assert await found(store, "to:z@d.test") == ["e14"]
            assert await found(store, "ver*", account=2) == ["e11"]
            inbox = await store.get_inbox("i1", 1)
            raw = b"Subject: verbose\r\n\r\nfresh\r\n"
            [new_id] = await store.deliver([inbox], NewEmail("s@e.test", "verbose", "fresh", "", len(raw), raw, {}))
            assert await found(store, "ver*", inbox_pk=1) == [new_id, "e12", "e10"]
            assert await store.delete_email(inbox, "e12")
            assert await found(store, "ver*") == [new_id, "e14", "e10"]
            assert await found(store, "ver*", account=2) == ["e11"]

    asyncio.run(run())
    db = sqlite3.connect(path)
    assert "prefix = '2 3'" in db.execute("SELECT sql FROM sqlite_master WHERE name = 'email_search'").fetchone()[0]
    assert db.execute("SELECT count(*) FROM migrations WHERE name = '0010_search_prefix'").fetchone() == (1,)
    # The rebuilt index agrees with the emails table, entry for entry.
    db.execute("INSERT INTO email_search(email_search, rank) VALUES ('integrity-check', 1)")
    db.close()
