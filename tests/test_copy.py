"""`dustmail-lite storage copy`: every table accounted for; SQLite -> PostgreSQL -> SQLite
with identical API answers; a non-empty target refused unless --force."""

from __future__ import annotations

import json
import smtplib
from email.message import EmailMessage

import pytest
from helpers import query, wait_until
from webhook_receiver import Receiver

import pgcluster
from dustmail_lite.store.copy import NOT_COPIED, TABLES
from dustmail_lite.store.schema import MIGRATIONS as SQLITE_MIGRATIONS
from dustmail_lite.store.schema_postgres import MIGRATIONS as PG_MIGRATIONS


def test_every_sqlite_migration_has_its_postgresql_twin():
    postgres = [name for name, _ in PG_MIGRATIONS]
    for name, _ in SQLITE_MIGRATIONS:
        assert name in postgres, f"schema_postgres.py has no twin of {name}"
    shared = [name for name in postgres if not name.startswith("pg_")]
    assert shared == [name for name, _ in SQLITE_MIGRATIONS], "same order on both engines"


def test_the_copy_accounts_for_every_table(make_env):
    env = make_env(storage={"url": ""})
    env.key()  # opens (and so creates) the SQLite store
    tables = {row[0] for row in query(env.config, "SELECT name FROM sqlite_master WHERE type = 'table'")}
    copied = {t.name for t in TABLES}
    assert tables - {"sqlite_sequence"} <= copied | set(NOT_COPIED), tables - copied - set(NOT_COPIED)
    assert copied <= tables


@pytest.mark.postgres
def test_the_copy_accounts_for_every_postgresql_table(make_env):
    url = pgcluster.shared_server().create_db()
    env = make_env(storage={"url": url})
    env.key()
    tables = {row[0] for row in query(
        env.config, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    copied = {t.name for t in TABLES}
    assert tables <= copied | set(NOT_COPIED), tables - copied - set(NOT_COPIED)
    assert copied <= tables


def populate(h, receiver: Receiver) -> tuple[str, dict]:
    """Accounts, keys (one revoked), inboxes with mail and an attachment, a claimed domain,
    a quarantined address, a claimed email, a webhook and its deliveries, a refusal; returns
    a Premium key and the ids to read back."""
    premium, free = h.key("fam", "premium"), h.key("solo")
    revoked = h.key("solo")
    listed = json.loads(h.env.cli("keys", "list", "--json").stdout)
    [revoked_id] = [k["id"] for k in listed if revoked.startswith(k["prefix"].rstrip("."))]
    h.env.cli("keys", "revoke", revoked_id)
    h.env.cli("domains", "add", "brand.example", "--owner", "fam")
    inbox = h.create_inbox(premium, username="copyme")
    other = h.create_inbox(free)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", inbox["email"], "Your code 123456"
    message.set_content("Your verification code is 123456\nhttps://example.com/confirm?t=1")
    message.add_attachment(bytes(range(256)) * 40, maintype="application", subtype="octet-stream",
                           filename="blob.bin")
    with h.smtp() as s:
        s.send_message(message)
    h.send(inbox["email"], subject="second", html="<p>Hi <a href='https://example.org/x'>there</a></p>")
    h.send(other["email"], subject="free mail")
    ended = h.create_inbox(premium, username="gone")
    h.http.delete(f"/api/v1/inbox/{ended['id']}", headers=h.auth(premium))
    h.run(h.server.store.purge)  # "gone" is now quarantined
    # A claim (the oldest email), a webhook with its delivered outbox rows, a refusal.
    claimed = h.http.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"claim": "true", "timeout": 0},
                         headers=h.auth(premium)).json()["data"]
    assert claimed["subject"] == "Your code 123456"
    hook = h.http.post("/api/v1/webhooks", json={"url": receiver.url}, headers=h.auth(premium))
    assert hook.status_code == 201, hook.text
    receiver.secret = hook.json()["data"]["secret"]
    h.send(inbox["email"], subject="third")
    wait_until(lambda: len(receiver.accepted) == 1, timeout=20)
    wait_until(lambda: h.http.get("/api/v1/webhooks", headers=h.auth(premium)).json()["data"][0]["pending"] == 0)
    closed = h.create_inbox(premium, username="closed")
    h.http.delete(f"/api/v1/inbox/{closed['id']}", headers=h.auth(premium))
    with pytest.raises(smtplib.SMTPRecipientsRefused), h.smtp() as s:
        s.sendmail("late@example.com", [closed["email"]], b"Subject: too late\r\n\r\nhi\r\n")
    wait_until(lambda: h.http.get("/api/v1/refusals", headers=h.auth(premium)).json()["data"], timeout=10)
    return premium, {"inbox": inbox["id"]}


def answers(h, key: str, ids: dict) -> dict:
    """What the API says about everything, without the per-server request counts."""
    auth = h.auth(key)
    out = {}

    def get(path: str):
        r = h.http.get("/api/v1" + path, headers=auth)
        if r.headers["content-type"].startswith("application/json"):
            body = r.json()
            body.get("meta", {}).pop("rate_limit", None)
            return r.status_code, body
        return r.status_code, r.content

    out["list"] = get("/inbox")
    out["inbox"] = get(f"/inbox/{ids['inbox']}")
    for email in out["inbox"][1]["data"]["emails"]:
        base = f"/inbox/{ids['inbox']}/emails/{email['id']}"
        out[email["id"]] = get(base)
        out[email["id"] + "/raw"] = get(base + "/raw")
        for attachment in out[email["id"]][1]["data"]["attachments"]:
            out[attachment["download_url"]] = h.http.get(attachment["download_url"], headers=auth).content
    out["domains"] = get("/domains")
    out["account"] = get("/account")
    out["webhooks"] = get("/webhooks")
    for hook in out["webhooks"][1]["data"]:
        out[hook["id"] + "/deliveries"] = get(f"/webhooks/{hook['id']}/deliveries")
    out["refusals"] = get("/refusals")
    out["emails"] = get("/emails")  # across inboxes, newest event first
    taken = h.http.post("/api/v1/inbox", json={"username": "gone"}, headers=auth)
    out["quarantine"] = taken.status_code
    h.http.delete(f"/api/v1/inbox/{taken.json()['data']['id']}", headers=auth) if taken.status_code == 201 else None
    return out


@pytest.mark.postgres
def test_round_trip_sqlite_postgresql_sqlite_gives_identical_answers(make_env, make_harness, tmp_path):
    receiver = Receiver()
    options = {"inboxes": {"username_quarantine": "1h"}, "webhooks": {"allow_private_targets": True}}
    source = make_env(storage={"url": ""}, **options)
    h1 = make_harness(source)
    try:
        key, ids = populate(h1, receiver)
    finally:
        receiver.close()
    before = answers(h1, key, ids)
    assert before["quarantine"] == 409
    assert len(before["inbox"][1]["data"]["emails"]) == 3
    assert any(k.endswith("/attachments/1") or "attachments" in k for k in before)
    [hook] = before["webhooks"][1]["data"]
    assert [d["status"] for d in before[hook["id"] + "/deliveries"][1]["data"]] == ["delivered"]
    assert [r["reason"] for r in before["refusals"][1]["data"]] == ["inbox_ended"]
    event_ids = [e["event_id"] for e in before["emails"][1]["data"]]
    assert event_ids == [3, 2, 1], event_ids  # the Free account's email has its own counter

    url = pgcluster.shared_server().create_db()
    out = source.cli("storage", "copy", "--to", url)
    assert out.stdout.split() == [
        "accounts=2", "api_keys=3", "inboxes=3", "emails=4", "email_previews=0", "address_quarantine=1",
        "custom_domains=1", "webhooks=1", "webhook_deliveries=1", "smtp_refusals=1",
        f"raw_bytes={query(source.config, 'SELECT sum(length(raw)) FROM emails')[0][0]}",
    ], out.stdout
    assert "Verified" in out.stderr

    # A second copy into the same database is refused; --force replaces it.
    refused = source.cli("storage", "copy", "--to", url, expect=1)
    assert "not empty" in refused.output + refused.stderr
    source.cli("storage", "copy", "--to", url, "--force")

    on_postgres = make_env(storage={"url": url}, **options)
    h2 = make_harness(on_postgres)
    assert answers(h2, key, ids) == before
    # The claim came along: the next claimer gets the next email.
    assert claim(h2, key, ids)["subject"] == "second"

    back = tmp_path / "back.sqlite3"
    on_postgres.cli("storage", "copy", "--to", str(back))
    on_sqlite = make_env(storage={"url": "", "path": str(back)}, **options)
    h3 = make_harness(on_sqlite)
    assert answers(h3, key, ids) == before
    assert claim(h3, key, ids)["subject"] == "third"  # the claim made on PostgreSQL came back
    # New rows continue after the copied keys and event ids.
    assert h3.create_inbox(key)["id"] and h2.create_inbox(key)["id"]
    for h in (h2, h3):
        h.send(h.create_inbox(key)["email"], subject="after the copy")
        found = h.http.get("/api/v1/emails", headers=h.auth(key)).json()["data"][0]
        assert found["subject"] == "after the copy" and found["event_id"] == 4


def claim(h, key: str, ids: dict) -> dict | None:
    return h.http.get(f"/api/v1/inbox/{ids['inbox']}/wait", params={"claim": "true", "timeout": 0},
                      headers=h.auth(key)).json()["data"]
