"""Migration 0005 (issue 15) on a database written by the previous schema: old mail gets
event ids in storing order, per account; search, quotas' byte counts and new deliveries keep
working on the rebuilt table."""

from __future__ import annotations

import asyncio
import json
import sqlite3

from dustmail_lite.search import parse
from dustmail_lite.store import NewEmail, Store
from dustmail_lite.store.schema import MIGRATIONS, split_sql


def old_database(path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
    before = [name for name, _ in MIGRATIONS].index("0006_email_events")
    for name, script in MIGRATIONS[:before]:  # the schema as it was before issue 15
        for statement in split_sql(script):
            db.execute(statement)
        db.execute("INSERT INTO migrations VALUES (?, 0)", (name,))
    db.execute("INSERT INTO accounts (id, name, plan, created_at) VALUES (1, 'a', 'free', 0), (2, 'b', 'free', 0)")
    far = 4_000_000_000_000
    db.execute("INSERT INTO inboxes (pk, id, account_id, address, domain, created_at, expires_at)"
               " VALUES (1, 'i1', 1, 'x@d.test', 'd.test', 0, ?), (2, 'i2', 2, 'y@d.test', 'd.test', 0, ?)",
               (far, far))
    for seq, inbox in [(10, 1), (11, 2), (12, 1), (13, 1)]:
        details = {"to": [f"{'x' if inbox == 1 else 'y'}@d.test"], "attachments": [{"id": "1"}] if seq == 12 else []}
        db.execute("INSERT INTO emails (seq, id, inbox_pk, received_at, mail_from, subject, text, html, size,"
                   " details, raw) VALUES (?, ?, ?, ?, 's@e.test', ?, 'old body words', '', 100, ?, x'00')",
                   (seq, f"e{seq}", inbox, seq, f"old mail {seq}", json.dumps(details)))
    db.commit()
    db.close()


def test_old_mail_gets_event_ids_and_stays_searchable(tmp_path):
    path = tmp_path / "old.sqlite3"
    old_database(path)

    async def run():
        async with Store(path) as store:
            inbox = await store.get_inbox("i1", 1)
            replay = await store.events_after(1, 0)
            assert [(e.id, e.event_id) for e in replay] == [("e10", 10), ("e12", 12), ("e13", 13)]
            assert await store.last_event_id(1) == 13 and await store.last_event_id(2) == 11
            found = await store.search_emails(1, parse("words has:attachment"))
            assert [e.id for e in found] == ["e12"]
            assert [e.id for e in await store.search_emails(1, parse("to:x@d.test"))] == ["e13", "e12", "e10"]
            before = await store.account_storage(1)
            raw = b"Subject: new\r\n\r\nfresh\r\n"
            [new_id] = await store.deliver([inbox], NewEmail("s@e.test", "new", "fresh", "", len(raw), raw, {}))
            assert await store.account_storage(1) == before + len(raw)
            [new] = await store.events_after(1, 13)
            assert new.id == new_id and new.event_id == 14
            assert [e.id for e in await store.search_emails(1, parse("fresh"))] == [new_id]

    asyncio.run(run())
