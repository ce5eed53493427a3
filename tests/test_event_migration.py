"""Migration 0006 (issue 15) on a database written by the previous schema: old mail gets
event ids in storing order, per account; search, quotas' byte counts and new deliveries keep
working on the rebuilt table."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

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


async def old_postgres_database(url: str) -> None:
    """The same old mail in a PostgreSQL database migrated up to the schema before issue 15."""
    import asyncpg

    from dustmail_lite.store.schema_postgres import MIGRATIONS as PG_MIGRATIONS

    conn = await asyncpg.connect(url)
    try:
        await conn.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)")
        before = [name for name, _ in PG_MIGRATIONS].index("0006_email_events")
        for name, script in PG_MIGRATIONS[:before]:
            await conn.execute(script)
            await conn.execute("INSERT INTO migrations VALUES ($1, 0)", name)
        await conn.execute("INSERT INTO accounts (id, name, plan, created_at) VALUES (1, 'a', 'free', 0),"
                           " (2, 'b', 'free', 0)")
        far = 4_000_000_000_000
        await conn.execute("INSERT INTO inboxes (pk, id, account_id, address, domain, created_at, expires_at)"
                           " VALUES (1, 'i1', 1, 'x@d.test', 'd.test', 0, $1), (2, 'i2', 2, 'y@d.test', 'd.test', 0, $1)",
                           far)
        for seq, inbox in [(10, 1), (11, 2), (12, 1), (13, 1)]:
            to = ["x@d.test", "z@d.test"] if inbox == 1 else ["y@d.test"]
            details = {"to": to, "attachments": [{"id": "1"}] if seq == 12 else []}
            await conn.execute(
                "INSERT INTO emails (seq, id, inbox_pk, received_at, mail_from, subject, text, html, size,"
                " details, raw) VALUES ($1, $2, $3, $1, 's@e.test', $4, 'old body words', '', 100, $5, '\\x00')",
                seq, f"e{seq}", inbox, f"old mail {seq}", json.dumps(details))
        await conn.execute("SELECT setval(pg_get_serial_sequence('emails', 'seq'), 13)")
    finally:
        await conn.close()


@pytest.mark.postgres
def test_old_postgresql_mail_gets_event_ids_recipients_and_byte_counts():
    import pgcluster

    url = pgcluster.shared_server().create_db()
    pgcluster.run_async(old_postgres_database(url))

    async def run():
        async with Store(url) as store:
            inbox = await store.get_inbox("i1", 1)
            replay = await store.events_after(1, 0)
            assert [(e.id, e.event_id) for e in replay] == [("e10", 10), ("e12", 12), ("e13", 13)]
            assert await store.last_event_id(1) == 13 and await store.last_event_id(2) == 11
            rows = await store._all("SELECT id, account_id, rcpt, has_attachment, claimed_at FROM emails"
                                    " ORDER BY seq")
            assert [tuple(r) for r in rows] == [
                ("e10", 1, "x@d.test z@d.test", 0, None),
                ("e11", 2, "y@d.test", 0, None),
                ("e12", 1, "x@d.test z@d.test", 1, None),
                ("e13", 1, "x@d.test z@d.test", 0, None),
            ]
            before = await store.account_storage(1)
            assert before == 300
            raw = b"Subject: new\r\n\r\nfresh\r\n"
            [new_id] = await store.deliver([inbox], NewEmail("s@e.test", "new", "fresh", "", len(raw), raw, {}))
            assert await store.account_storage(1) == before + len(raw)  # the trigger reads emails.account_id
            [new] = await store.events_after(1, 13)
            assert new.id == new_id and new.event_id == 14
            claimed = await store.claim_next(inbox)
            assert claimed is not None and claimed.id == "e10"
            assert await store.delete_email(inbox, new_id)
            assert await store.account_storage(1) == before

    asyncio.run(run())
