"""Issue 15 (5, 6): refusals an account can see (and only its own), and /metrics parsed with
prometheus_client's own parser. Real SMTP and HTTP sockets."""

from __future__ import annotations

import smtplib

import pytest
from helpers import wait_until
from prometheus_client.parser import text_string_to_metric_families

from dustmail_lite.metrics import _is_loopback


def refusals(live, key, **params):
    r = live.http.get("/api/v1/refusals", params=params, headers=live.auth(key))
    assert r.status_code == 200, r.text
    return r.json()["data"]


def refuse(live, to, raw=b"Subject: x\r\n\r\nbody\r\n"):
    with pytest.raises((smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError)) as refused:
        live.send_raw(to, raw, sender="sender@outside.example")
    return refused.value


def test_refusals_are_visible_to_the_owner_only(make_live):
    live = make_live(smtp={"max_header_size": 2048})
    alice, bob = live.key("alice"), live.key("bob")
    ended = live.create_inbox(alice)
    active = live.create_inbox(alice)
    bobs = live.create_inbox(bob)
    live.http.delete(f"/api/v1/inbox/{ended['id']}", headers=live.auth(alice))

    refuse(live, ended["email"])  # RCPT: the inbox was deleted
    refuse(live, active["email"], b"Subject: big\r\n" + (b"X-Filler: " + b"a" * 900 + b"\r\n") * 5 + b"\r\nbody\r\n")  # DATA
    refuse(live, "nobody-at-all@dustmail.test")  # nobody's address: nobody sees it
    live.send(bobs["email"], subject="accepted")

    found = wait_until(lambda: len(refusals(live, alice)) == 2 and refusals(live, alice), timeout=10, interval=0.3)
    by_stage = {r["stage"]: r for r in found}
    rcpt, data = by_stage["RCPT"], by_stage["DATA"]
    assert rcpt["recipient"] == ended["email"] and rcpt["reason"] == "inbox_ended"
    assert rcpt["reply"].startswith("550") and rcpt["inbox_id"] == ended["id"]
    assert rcpt["client_address"] == "127.0.0.1" and rcpt["sender"] == "sender@outside.example"
    assert data["recipient"] == active["email"] and data["reply"].startswith("552")
    assert data["reason"] == "size" and data["inbox_id"] == active["id"]
    assert found[0]["at"] >= found[1]["at"]  # newest first
    assert [r["stage"] for r in refusals(live, alice, inbox_id=active["id"])] == ["DATA"]
    assert len(refusals(live, alice, domain="dustmail.test")) == 2

    # Bob sees nothing of Alice's, not even by naming her inbox.
    assert refusals(live, bob) == []
    assert refusals(live, bob, inbox_id=ended["id"]) == []


def test_metrics_are_off_by_default(live):
    assert live.http.get("/metrics").status_code == 404


def test_metrics_parse_and_count(make_live):
    live = make_live(metrics={"enabled": True})
    key = live.key()
    inbox = live.create_inbox(key)
    live.send(inbox["email"], subject="counted")
    refuse(live, "nobody@dustmail.test")
    r = live.http.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(r.text):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    assert samples[("dustmail_smtp_accepted_total", ())] == 1
    assert samples[("dustmail_smtp_refused_total", (("reason", "unknown_mailbox"), ("stage", "RCPT")))] == 1
    assert samples[("dustmail_ingest_seconds_count", ())] == 1
    assert samples[("dustmail_commit_seconds_count", ())] == 1
    for gauge in ("dustmail_delivery_queue", "dustmail_smtp_sessions", "dustmail_waiters", "dustmail_streams",
                  "dustmail_webhook_outbox", "dustmail_refusal_queue"):
        assert (gauge, ()) in samples, gauge
    for counter in ("dustmail_webhook_deliveries_total", "dustmail_webhook_failures_total", "dustmail_purge_runs_total"):
        assert (counter, ()) in samples, counter


def test_only_loopback_clients_by_default():
    assert _is_loopback("127.0.0.1") and _is_loopback("::1")
    assert not _is_loopback("192.168.1.5") and not _is_loopback("testclient")


def test_refusals_on_a_verified_or_suspended_domain_go_to_its_owner(make_live):
    from dustmail_lite.plans import DomainStatus

    live = make_live()
    alice, bob = live.key("alice", "premium"), live.key("bob", "premium")
    store = live.server.store

    async def claim(name, owner, status):
        account = await store.get_account(owner)
        await store.add_domain(name, account.id, "token")
        await store.record_domain_check(name, account.id, status, 0, {}, True)

    import asyncio

    loop = live.server.smtp.server.get_loop()  # the server's own loop (its store lives there)
    asyncio.run_coroutine_threadsafe(claim("alice.example", "alice", DomainStatus.VERIFIED), loop).result(10)
    asyncio.run_coroutine_threadsafe(claim("paused.example", "alice", DomainStatus.SUSPENDED), loop).result(10)
    refuse(live, "nobody@alice.example")
    refuse(live, "someone@paused.example")
    found = wait_until(lambda: len(refusals(live, alice)) == 2 and refusals(live, alice), timeout=10, interval=0.3)
    reasons = {r["recipient"]: r["reason"] for r in found}
    assert reasons == {"nobody@alice.example": "unknown_mailbox", "someone@paused.example": "domain_suspended"}
    assert [r["domain"] for r in refusals(live, alice, domain="alice.example")] == ["alice.example"]
    assert refusals(live, bob) == [] and refusals(live, bob, domain="alice.example") == []
