"""The purge: expired and deleted inboxes and their mail go, in short batches."""

from __future__ import annotations

import time

import pytest
from helpers import query

from dustmail_lite.store import now_ms


def counts(h):
    """Rows left in the store's inboxes and emails tables (either backend)."""
    return tuple(query(h.env.config, f"SELECT count(*) FROM {t}")[0][0] for t in ("inboxes", "emails"))


def test_purge_removes_expired_and_deleted_inboxes_with_their_mail(make_harness):
    h = make_harness(plans={"premium": {"inbox_ttl": "1s"}}, inboxes={"username_quarantine": "0s"})
    free, premium = h.key("f"), h.key("p", "premium")
    keep = h.create_inbox(free)
    doomed = h.create_inbox(premium)
    deleted = h.create_inbox(free)
    for inbox in (keep, doomed, deleted):
        h.send(inbox["email"])
    h.http.delete(f"/api/v1/inbox/{deleted['id']}", headers=h.auth(free))
    h.server.store.now = lambda: now_ms() + 1050  # the premium inbox's second has passed
    assert counts(h) == (3, 3)
    stats = h.run(h.server.store.purge)
    assert (stats.inboxes, stats.emails) == (2, 2)
    assert counts(h) == (1, 1)
    assert h.http.get(f"/api/v1/inbox/{keep['id']}", headers=h.auth(free)).json()["meta"]["email_count"] == 1


def test_purge_works_in_batches(make_harness):
    h = make_harness(plans={"free": {"inbox_ttl": "5s"}})  # 25 mails must arrive within it
    key = h.key()
    inbox = h.create_inbox(key)
    with h.smtp() as s:
        for _ in range(25):
            s.sendmail("a@example.com", inbox["email"], b"Subject: x\r\n\r\nx\r\n")
    h.server.store.now = lambda: now_ms() + 5050  # the inbox's five seconds have passed

    async def purge_small_batches(store):
        return await store.purge(batch_size=10)

    stats = h.run(purge_small_batches, h.server.store)
    assert (stats.inboxes, stats.emails) == (1, 25) and stats.batches >= 3
    assert counts(h) == (0, 0)


def test_ended_address_is_quarantined(make_harness):
    h = make_harness(inboxes={"username_quarantine": "1h"})
    key = h.key("p", "premium")
    inbox = h.create_inbox(key, username="resetme")
    h.http.delete(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key))
    # Deleted but not purged: still taken.
    r = h.http.post("/api/v1/inbox", json={"username": "resetme"}, headers=h.auth(h.key("q", "premium")))
    assert r.status_code == 409
    h.run(h.server.store.purge)
    r = h.http.post("/api/v1/inbox", json={"username": "resetme"}, headers=h.auth(h.key("q", "premium")))
    assert r.status_code == 409, "a purged address must stay reserved for the quarantine"

    async def purge_later(store):
        return await store.purge(now=now_ms() + 2 * 3600 * 1000)

    h.run(purge_later, h.server.store)
    r = h.http.post("/api/v1/inbox", json={"username": "resetme"}, headers=h.auth(h.key("q", "premium")))
    assert r.status_code == 201


@pytest.mark.slow  # waits for two purge intervals: .ci/run runs it
def test_background_purge_runs_on_its_interval(make_harness):
    h = make_harness(plans={"free": {"inbox_ttl": "1s"}}, inboxes={"purge_interval": "1s"})
    key = h.key()
    h.create_inbox(key)
    deadline = time.monotonic() + 5
    while counts(h)[0] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert counts(h)[0] == 0


@pytest.mark.sqlite_only(reason="the SQLite file's size and its freed pages (PostgreSQL: autovacuum)")
def test_file_shrinks_after_purge(make_harness):
    import os

    h = make_harness()
    key = h.key()
    inbox = h.create_inbox(key)
    big = b"Subject: big\r\n\r\n" + (b"y" * 76 + b"\r\n") * 20000
    with h.smtp() as s:
        for _ in range(3):
            s.sendmail("a@example.com", inbox["email"], big)
    path = h.env.config.storage.path

    async def checkpoint(store):
        await store._writer.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    h.run(checkpoint, h.server.store)
    full = os.path.getsize(path)
    h.http.delete(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key))
    h.run(h.server.store.purge)
    h.run(checkpoint, h.server.store)
    assert os.path.getsize(path) < full / 2
    with open(path, "rb") as f:
        assert b"y" * 76 not in f.read(), "secure_delete must overwrite deleted mail"
