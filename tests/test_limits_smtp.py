"""Abuse of the public SMTP port, over real sockets: slots held by idling, connection
floods, recipient probing, filling the disk, and catch-all taking other tenants' mail."""

from __future__ import annotations

import concurrent.futures
import json
import logging
import smtplib
import subprocess
import sys
import time

import pytest
from dnsserver import DnsServer
from helpers import write_toml
from test_hardening import RawSession

from dustmail_lite.config import ConfigError, from_dict
from dustmail_lite.limits import check_open_mail_drop


def body_of(size: int) -> bytes:
    """A message of about `size` bytes."""
    line = b"x" * 76 + b"\r\n"
    return b"Subject: filler\r\n\r\n" + line * max(1, size // len(line))


def stored(h, key, inbox):
    return h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()["data"]["emails"]


def storage_of(h, key):
    return h.http.get("/api/v1/account", headers=h.auth(key)).json()["data"]["storage"]


# --- sessions that idling cannot keep open ----------------------------------------


@pytest.mark.parametrize("keepalive", [b"NOOP", b"RSET"])
def test_noop_or_rset_cannot_hold_a_slot_past_the_session_lifetime(make_harness, keepalive):
    h = make_harness(smtp={"max_session_time": "2s", "idle_timeout": "60s"})
    session = RawSession(h.smtp_port)
    try:
        assert session.command(b"EHLO slowloris.example").startswith(b"250")
        last = b""
        for _ in range(40):  # 40 x 0.2 s: far past the 2 s lifetime
            session.send(keepalive + b"\r\n")
            last = session.reply()
            if not last.startswith(b"250"):
                break
            time.sleep(0.2)
        assert last.startswith(b"421 4.4.2"), last
        assert session.closed()
    finally:
        session.close()


def test_command_budget_counts_noop_and_rset(make_harness):
    h = make_harness(smtp={"max_commands": 6, **NOT_SPARED})
    session = RawSession(h.smtp_port)
    try:
        assert session.command(b"EHLO x").startswith(b"250")
        for command in (b"NOOP", b"RSET", b"NOOP", b"RSET", b"NOOP"):
            assert session.command(command).startswith(b"250")
        assert session.command(b"NOOP").startswith(b"421 4.7.0")
        assert session.closed()
    finally:
        session.close()


def test_a_transaction_within_the_budgets_is_delivered(make_harness):
    h = make_harness(smtp={"max_commands": 8, "max_session_time": "30s"})
    key = h.key()
    inbox = h.create_inbox(key)
    h.send(inbox["email"], subject="fits")  # EHLO MAIL RCPT DATA QUIT
    assert [e["subject"] for e in stored(h, key, inbox)] == ["fits"]


# The per-client rates spare local clients by default (`smtp.unlimited_clients`); the
# tests connect from 127.0.0.1, so they make it an ordinary client with `NOT_SPARED`.
NOT_SPARED = {"unlimited_clients": []}


def test_connection_rate_per_client_address(make_harness):
    h = make_harness(smtp={"max_connections_per_minute": 3, **NOT_SPARED})
    for _ in range(3):
        s = RawSession(h.smtp_port)
        assert s.banner.startswith(b"220")
        s.command(b"QUIT")
        s.close()
    flood = RawSession(h.smtp_port)
    try:
        assert flood.banner.startswith(b"421 4.7.0")
        assert flood.closed()
    finally:
        flood.close()


def test_local_clients_are_spared_by_the_per_client_rates_by_default(make_harness):
    h = make_harness(smtp={"max_connections_per_minute": 1, "probe_tarpit_after": 1, "probe_tarpit_delay": "5s",
                           "probe_max": 2, "catch_all_owner": "sink", "catch_all_max_per_client": 1,
                           "max_commands": 3})
    for n in range(3):
        session = RawSession(h.smtp_port)
        try:
            assert session.banner.startswith(b"220")
            session.command(b"EHLO ci.local")
            session.command(b"MAIL FROM:<ci@example.com>")
            started = time.monotonic()
            assert session.command(b"RCPT TO:<a%d@dustmail.test>" % n).startswith(b"250")  # created
            assert session.command(b"RCPT TO:<postmaster@dustmail.test>").startswith(b"550 5.1.1")
            assert time.monotonic() - started < 5  # no tarpit
            assert session.command(b"NOOP").startswith(b"250")  # past max_commands
        finally:
            session.close()


# --- recipient probing --------------------------------------------------------------


def test_recipient_probing_is_slowed_then_refused_and_mail_before_it_is_kept(make_harness):
    h = make_harness(smtp={"probe_tarpit_after": 2, "probe_tarpit_delay": "0.4s", "probe_max": 4, **NOT_SPARED})
    key = h.key()
    inbox = h.create_inbox(key)
    session = RawSession(h.smtp_port)
    try:
        assert session.command(b"EHLO prober.example").startswith(b"250")
        assert session.command(b"MAIL FROM:<p@example.com>").startswith(b"250")
        assert session.command(f"RCPT TO:<{inbox['email']}>".encode()).startswith(b"250")
        assert session.command(b"DATA").startswith(b"354")
        assert session.command(b"Subject: real\r\n\r\nkept\r\n.").startswith(b"250")
        assert session.command(b"MAIL FROM:<p@example.com>").startswith(b"250")
        started = time.monotonic()
        assert session.command(b"RCPT TO:<guess1@dustmail.test>").startswith(b"550 5.1.1")
        assert time.monotonic() - started < 0.4  # below the threshold: answered at once
        timings = []
        for n in (2, 3):
            started = time.monotonic()
            assert session.command(b"RCPT TO:<guess%d@dustmail.test>" % n).startswith(b"550 5.1.1")
            timings.append(time.monotonic() - started)
        assert min(timings) >= 0.4, timings  # tarpitted
        started = time.monotonic()
        # Past it, even a live address is held back: the delay says nothing about existence.
        assert session.command(f"RCPT TO:<{inbox['email']}>".encode()).startswith(b"250")
        assert time.monotonic() - started >= 0.4
        assert session.command(b"RCPT TO:<guess4@dustmail.test>").startswith(b"421 4.7.0")
        assert session.closed()
    finally:
        session.close()
    again = RawSession(h.smtp_port)  # a new session from the same address is refused too
    try:
        assert again.banner.startswith(b"421 4.7.0")
    finally:
        again.close()
    assert [e["subject"] for e in stored(h, key, inbox)] == ["real"]


def test_client_key_counts_ipv6_per_64():
    from dustmail_lite.limits import client_key
    from dustmail_lite.smtp import Connections

    assert client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("::ffff:192.0.2.7") == client_key("192.0.2.7") == "192.0.2.7"
    assert client_key("192.0.2.7") != client_key("192.0.2.8")
    connections = Connections(max_total=100, max_per_ip=2)
    sessions = [object() for _ in range(3)]
    assert connections.admit(sessions[0], client_key("2001:db8::1"))  # type: ignore[arg-type]
    assert connections.admit(sessions[1], client_key("2001:db8::2"))  # type: ignore[arg-type]
    assert not connections.admit(sessions[2], client_key("2001:db8::3:4"))  # type: ignore[arg-type]


# --- storage quotas ---------------------------------------------------------------


def test_inbox_quota_refuses_at_data_with_452_and_writes_nothing(make_harness):
    h = make_harness(plans={"free": {"max_inbox_storage": 6000}})
    key = h.key()
    inbox = h.create_inbox(key)
    h.send_raw(inbox["email"], body_of(4000))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        h.send_raw(inbox["email"], body_of(4000))
    assert refused.value.smtp_code == 452 and b"4.3.1" in refused.value.smtp_error
    assert len(stored(h, key, inbox)) == 1
    assert storage_of(h, key)["used_bytes"] < 6000
    h.send_raw(inbox["email"], body_of(1500))  # what still fits is taken
    assert len(stored(h, key, inbox)) == 2


def test_account_quota_spans_inboxes_and_a_refused_message_reaches_no_one(make_harness):
    h = make_harness(plans={"free": {"max_storage": 6000, "max_inbox_storage": 0}})
    key, other = h.key("alice"), h.key("bob")
    first, second = h.create_inbox(key), h.create_inbox(key)
    bystander = h.create_inbox(other)
    h.send_raw(first["email"], body_of(4000))
    with pytest.raises(smtplib.SMTPDataError) as refused:
        h.send_raw([second["email"], bystander["email"]], body_of(4000))
    assert refused.value.smtp_code == 452
    assert stored(h, key, second) == [] and stored(h, other, bystander) == []  # nothing half-written
    [email] = stored(h, key, first)
    size = h.http.get(f"/api/v1/inbox/{first['id']}/emails/{email['id']}", headers=h.auth(key)).json()["data"]["size"]
    usage = {"used_bytes": size, "max_bytes": 6000, "max_inbox_bytes": None}
    assert storage_of(h, key) == usage
    assert h.http.get("/api/v1/inbox", headers=h.auth(key)).json()["meta"]["storage"] == usage


def test_a_full_inbox_refuses_rcpt_with_452(make_harness):
    h = make_harness(plans={"free": {"max_inbox_storage": 2000}})
    key = h.key("fam", "premium")
    inbox = h.create_inbox(key)
    h.send_raw(inbox["email"], body_of(5000))  # Premium's quota lets it in...
    h.env.cli("accounts", "set-plan", "fam", "free")  # ...and Free's is already past
    with h.smtp() as s:
        s.ehlo()
        s.mail("a@example.com")
        code, message = s.rcpt(inbox["email"])
    assert code == 452 and b"4.3.1" in message
    assert len(stored(h, key, inbox)) == 1


def test_concurrent_senders_cannot_together_pass_a_quota(make_harness):
    limit = 20_000
    h = make_harness(plans={"free": {"max_inbox_storage": limit}})
    key = h.key()
    inbox = h.create_inbox(key)

    def attempt(_):
        try:
            h.send_raw(inbox["email"], body_of(3000))
            return 250
        except smtplib.SMTPResponseException as exc:
            return exc.smtp_code

    with concurrent.futures.ThreadPoolExecutor(12) as pool:
        codes = list(pool.map(attempt, range(24)))
    kept = stored(h, key, inbox)
    assert set(codes) == {250, 452}, codes
    assert len(kept) == codes.count(250)  # every 250 is stored, every 452 is not
    assert storage_of(h, key)["used_bytes"] <= limit


@pytest.mark.sqlite_only(reason="the floor watches the SQLite file's disk; PostgreSQL's disk is its server's")
def test_free_disk_floor_answers_452_at_rcpt(make_harness):
    h = make_harness(storage={"min_free_disk": "1000000GB"})
    key = h.key()
    inbox = h.create_inbox(key)
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        h.send(inbox["email"])
    code, message = refused.value.recipients[inbox["email"]]
    assert code == 452 and b"4.3.1" in message and b"storage" in message
    assert stored(h, key, inbox) == []


# --- catch-all --------------------------------------------------------------------


@pytest.fixture
def dns_server():
    server = DnsServer()
    yield server
    server.close()


def verify_domain(h, dns_server, domain, owner):
    added = json.loads(h.env.cli("domains", "add", domain, "--owner", owner, "--json").stdout)
    for record in added["records"]:
        if record["type"] == "TXT":
            dns_server.set(record["name"], "TXT", f'"{record["value"]}"')
        else:
            dns_server.set(record["name"], "MX", f'{record["priority"]} {record["value"]}.')
    h.env.cli("domains", "verify", domain)


def test_catch_all_never_takes_a_tenants_custom_domain(make_harness, dns_server):
    h = make_harness(
        smtp={"catch_all_owner": "sink", "accept_any_domain": True},
        dns={"nameservers": [dns_server.address], "timeout": "1s"},
    )
    sink = h.key("sink")
    h.key("fam", "premium")
    verify_domain(h, dns_server, "brand.example", "fam")
    h.key("squat", "premium")
    h.env.cli("domains", "add", "pending.example", "--owner", "squat")
    for address in ("ceo@brand.example", "ceo@pending.example"):
        with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
            h.send(address)
        assert refused.value.recipients[address][0] == 550
    # Served and any other domain still work in sink mode.
    h.send("dev@dustmail.test")
    h.send("dev@anything.example")
    inboxes = h.http.get("/api/v1/inbox", headers=h.auth(sink)).json()["data"]
    assert sorted(i["email"] for i in inboxes) == ["dev@anything.example", "dev@dustmail.test"]


def test_catch_all_creations_are_capped_per_client_and_in_total(make_harness):
    h = make_harness(smtp={"catch_all_owner": "sink", "catch_all_max_per_client": 2, "catch_all_max_inboxes": 50,
                           **NOT_SPARED})
    h.send(["a@dustmail.test", "b@dustmail.test"])
    with h.smtp() as s:
        s.ehlo()
        s.mail("x@example.com")
        code, message = s.rcpt("c@dustmail.test")
        assert code == 450 and b"4.7.1" in message
        assert s.rcpt("a@dustmail.test")[0] == 250  # existing inboxes still receive

    total = make_harness(smtp={"catch_all_owner": "sink", "catch_all_max_inboxes": 2})
    total.send(["a@dustmail.test", "b@dustmail.test"])
    with total.smtp() as s:
        s.ehlo()
        s.mail("x@example.com")
        code, message = s.rcpt("c@dustmail.test")
    assert code == 452 and b"4.3.1" in message


def test_accept_any_domain_on_a_public_listener_refuses_to_start(tmp_path):
    path = tmp_path / "open.toml"
    write_toml(path, {
        "storage": {"path": str(tmp_path / "db.sqlite3")},
        "smtp": {"host": "0.0.0.0", "catch_all_owner": "sink", "accept_any_domain": True},
    })
    result = subprocess.run(
        [sys.executable, "-m", "dustmail_lite", "--config", str(path), "serve"],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 1
    assert "accept_any_domain_on_public_listener" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "db.sqlite3").exists()


def test_acknowledged_open_mail_drop_starts_with_a_warning(caplog):
    config = from_dict({"smtp": {"host": "0.0.0.0", "catch_all_owner": "sink", "accept_any_domain": True,
                                 "accept_any_domain_on_public_listener": True}})
    with caplog.at_level(logging.WARNING):
        check_open_mail_drop(config)
    assert "anyone who can reach it" in caplog.text
    for host in ("127.0.0.1", "::1", "localhost"):
        check_open_mail_drop(from_dict({"smtp": {"host": host, "catch_all_owner": "s", "accept_any_domain": True}}))
    with pytest.raises(ConfigError):
        check_open_mail_drop(from_dict({"smtp": {"host": "", "catch_all_owner": "s", "accept_any_domain": True}}))



def test_upgrading_a_database_counts_the_mail_it_already_holds(tmp_path):
    """Migrations 0003/0004 on a database written by the previous schema."""
    import asyncio
    import sqlite3

    from dustmail_lite.store import Store
    from dustmail_lite.store.schema import MIGRATIONS, split_sql

    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)")
        for name, script in MIGRATIONS[:2]:
            for statement in split_sql(script):
                db.execute(statement)
            db.execute("INSERT INTO migrations VALUES (?, 0)", (name,))
        db.execute("INSERT INTO accounts VALUES (1, 'old', 'premium', 0)")
        db.execute("INSERT INTO inboxes (pk, id, account_id, address, domain, created_at, expires_at)"
                   " VALUES (1, 'i', 1, 'a@dustmail.test', 'dustmail.test', 0, 99999999999999)")
        for n, size in enumerate((1000, 2345)):
            db.execute("INSERT INTO emails (id, inbox_pk, received_at, mail_from, subject, text, html, size,"
                       " details, raw) VALUES (?, 1, 0, '', '', '', '', ?, '{}', x'00')", (f"e{n}", size))
        db.execute("INSERT INTO custom_domains (name, account_id, status, token, created_at)"
                   " VALUES ('brand.example', 1, 'verified', 't', 0)")

    async def check():
        async with Store(path) as store:
            assert await store.storage_usage(1, 1) == (3345, 3345, "premium")
            assert (await store.get_domain("brand.example")).status == "verified"
            assert await store.expire_domain_claims(10**15) == 0  # a verified domain never expires

    asyncio.run(check())


def test_the_purge_gives_an_accounts_quota_back(make_harness):
    h = make_harness(plans={"free": {"max_storage": 6000, "max_inbox_storage": 0}})
    key = h.key()
    full = h.create_inbox(key)
    h.send_raw(full["email"], body_of(5000))
    fresh = h.create_inbox(key)
    with pytest.raises(smtplib.SMTPDataError):
        h.send_raw(fresh["email"], body_of(3000))
    assert h.http.delete(f"/api/v1/inbox/{full['id']}", headers=h.auth(key)).status_code == 200
    assert storage_of(h, key)["used_bytes"] > 5000  # deleted, not yet purged
    h.run(h.server.store.purge)
    assert storage_of(h, key)["used_bytes"] == 0
    h.send_raw(fresh["email"], body_of(3000))
    assert len(stored(h, key, fresh)) == 1
