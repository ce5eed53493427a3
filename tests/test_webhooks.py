"""Issue 15 (3): signed webhooks from a durable outbox, over real sockets: a loopback receiver
verifies each request with the `standardwebhooks` package."""

from __future__ import annotations

import json

import pytest
from helpers import query, wait_until
from webhook_receiver import Receiver

FAST = {"webhooks": {"allow_private_targets": True, "retry_initial": "0.2s", "retry_max_interval": "0.5s"}}


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def create_webhook(live, key, url, **extra):
    r = live.http.post("/api/v1/webhooks", json={"url": url, **extra}, headers=live.auth(key))
    assert r.status_code == 201, r.text
    return r.json()["data"]


def test_every_email_arrives_once_in_order_through_failures_and_a_restart(make_env, make_live, receiver):
    env = make_env(**FAST)
    live = make_live(env)
    key = live.key(plan="premium")  # the test polls the API: no hourly request budget
    inbox = live.create_inbox(key)
    hook = create_webhook(live, key, receiver.url)
    assert hook["secret"].startswith("whsec_") and hook["enabled"] is True
    receiver.secret = hook["secret"]
    listed = live.http.get("/api/v1/webhooks", headers=live.auth(key)).json()["data"]
    assert [h["id"] for h in listed] == [hook["id"]] and "secret" not in listed[0]

    # 500 twice, then 200: the first email is retried, the next ones wait for it (in order).
    receiver.failures_left = 2
    for n in range(3):
        live.send(inbox["email"], subject=f"mail {n}", body=f"Your code is 48213{n}")
    wait_until(lambda: len(receiver.accepted) == 3, timeout=20)

    # The receiver goes down; two more emails queue up; the server restarts mid-way.
    receiver.always_fail = True
    live.send(inbox["email"], subject="mail 3")
    live.send(inbox["email"], subject="mail 4")
    wait_until(lambda: len(receiver.attempts) >= 5, timeout=20)  # mail 3 was tried and failed
    live.stop()
    receiver.always_fail = False
    live = make_live(env)
    live.send(inbox["email"], subject="mail 5")
    wait_until(lambda: len(receiver.accepted) == 6, timeout=30)

    subjects = [a["data"]["subject"] for a in receiver.accepted]
    assert subjects == [f"mail {n}" for n in range(6)]
    assert len({a["id"] for a in receiver.accepted}) == 6  # each email accepted exactly once
    assert receiver.bad_signatures == 0
    first = receiver.accepted[0]
    assert first["type"] == "email.received"
    assert first["data"]["codes"] == ["482130"] and first["data"]["inbox_id"] == inbox["id"]
    assert first["data"]["url"].endswith(f"/api/v1/inbox/{inbox['id']}/emails/{first['data']['id']}")
    assert [a["data"]["event_id"] for a in receiver.accepted] == sorted(a["data"]["event_id"] for a in receiver.accepted)
    # The first email's two failures are in its record; retries reuse the same webhook-id.
    assert receiver.attempts[:3] == [first["id"]] * 3

    def all_recorded():
        # The receiver counts an email before the server records its answer.
        r = live.http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.auth(key))
        deliveries = r.json()["data"]
        return {d["status"] for d in deliveries} == {"delivered"} and deliveries

    deliveries = wait_until(all_recorded, interval=0.1)
    assert len(deliveries) == 6
    oldest = deliveries[-1]
    assert oldest["attempts"] == 3 and oldest["last_status"] == 200 and oldest["next_attempt_at"] is None
    assert any(d["attempts"] >= 2 for d in deliveries[:3])  # mail 3 failed before the restart
    [(kept,)] = query(env.config, "SELECT count(*) FROM webhook_deliveries WHERE payload != ''")
    assert kept == 0, "a delivered payload (subject, codes) must not be kept"

    # Another account sees none of it.
    other = live.key("mallory")
    assert live.http.get("/api/v1/webhooks", headers=live.auth(other)).json()["data"] == []
    r = live.http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.auth(other))
    assert r.status_code == 404 and r.json()["error"]["code"] == "webhook_not_found"
    r = live.http.delete(f"/api/v1/webhooks/{hook['id']}", headers=live.auth(other))
    assert r.status_code == 404
    r = live.http.delete(f"/api/v1/webhooks/{hook['id']}", headers=live.auth(key))
    assert r.status_code == 200 and r.json()["success"] is True
    assert live.http.get("/api/v1/webhooks", headers=live.auth(key)).json()["data"] == []


def test_private_targets_are_refused_without_the_config_key(make_live, receiver):
    live = make_live()
    key = live.key(plan="premium")  # the test polls the API: no hourly request budget
    for url in (receiver.url, "http://10.1.2.3/hook", "http://169.254.169.254/latest", "http://[::1]:9/x",
                "http://localhost:9/x"):
        r = live.http.post("/api/v1/webhooks", json={"url": url}, headers=live.auth(key))
        assert r.status_code == 422, (url, r.text)
        assert r.json()["error"]["code"] == "webhook_target_refused"
    for url in ("ftp://example.com/", "not a url", "http://user:pw@example.com/"):
        r = live.http.post("/api/v1/webhooks", json={"url": url}, headers=live.auth(key))
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_webhook_url", url
    assert receiver.attempts == []


def test_the_target_is_checked_again_on_every_attempt(make_env, make_live, receiver):
    """Allowed when created; after a restart without the key, attempts are refused, not sent."""
    env = make_env(**FAST)
    live = make_live(env)
    key = live.key(plan="premium")  # the test polls the API: no hourly request budget
    inbox = live.create_inbox(key)
    hook = create_webhook(live, key, receiver.url)
    live.stop()
    strict = make_env(storage={"path": env.config.storage.path, "url": env.config.storage.url},
                      webhooks={"retry_initial": "0.2s", "retry_max_interval": "0.5s"})
    live = make_live(strict)
    live.send(inbox["email"], subject="not to a private address")

    def last_error():
        [d] = live.http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.auth(key)).json()["data"]
        return d["attempts"] >= 1 and d["last_error"]

    error = wait_until(last_error, timeout=15, interval=0.1)
    assert "loopback, private or link-local" in error
    assert receiver.attempts == []


def test_an_endpoint_that_keeps_failing_is_disabled_with_its_reason(make_live, receiver):
    live = make_live(webhooks={**FAST["webhooks"], "disable_after": "1s"})
    key = live.key(plan="premium")  # the test polls the API: no hourly request budget
    inbox = live.create_inbox(key)
    hook = create_webhook(live, key, receiver.url)
    receiver.secret = hook["secret"]
    receiver.always_fail = True
    live.send(inbox["email"], subject="never accepted")

    def disabled():
        [h] = live.http.get("/api/v1/webhooks", headers=live.auth(key)).json()["data"]
        return not h["enabled"] and h

    h = wait_until(disabled, timeout=20, interval=0.1)
    assert "HTTP 500" in h["disabled_reason"] and h["pending"] == 1
    tries = len(receiver.attempts)
    [d] = live.http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.auth(key)).json()["data"]
    assert d["status"] == "pending" and d["last_status"] == 500  # kept, not dropped
    live.send(inbox["email"], subject="after disabling")
    # The outbox row would have been written in the email's own transaction: none was.
    r = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key))
    assert r.json()["meta"]["email_count"] == 2
    deliveries = live.http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.auth(key)).json()["data"]
    assert len(deliveries) == 1
    assert len(receiver.attempts) == tries  # a disabled endpoint is not called


def test_cli_manages_webhooks(make_env, receiver):
    env = make_env(**FAST)
    env.key("carol")
    hook_id, secret = env.cli("webhooks", "create", receiver.url, "--owner", "carol").stdout.split()
    assert hook_id.startswith("wh_") and secret.startswith("whsec_")
    [row] = json.loads(env.cli("webhooks", "list", "--owner", "carol", "--json").stdout)
    assert row["id"] == hook_id and row["enabled"] is True and row["url"] == receiver.url
    assert json.loads(env.cli("webhooks", "deliveries", hook_id, "--owner", "carol", "--json").stdout) == []
    env.cli("webhooks", "delete", hook_id, "--owner", "carol")
    assert json.loads(env.cli("webhooks", "list", "--owner", "carol", "--json").stdout) == []
    strict = make_env()
    strict.key("dave")
    result = strict.cli("webhooks", "create", receiver.url, "--owner", "dave", expect=1)
    assert "loopback, private or link-local" in result.output + result.stderr


def test_an_attempt_that_ends_after_its_endpoint_was_deleted_leaves_the_row_cancelled(env):
    """The sender read the row, the endpoint was deleted (its pending rows cancelled), then the
    attempt's outcome is recorded: the row stays cancelled, not pending again for ever."""
    import asyncio

    from dustmail_lite.store import NewEmail, Store

    async def run() -> None:
        async with Store.from_config(env.config) as store:
            account = await store.ensure_account("gil")
            inbox = await store.create_inbox(account.id, "late", "dustmail.test", 3_600_000)
            hook, _ = await store.create_webhook(account.id, "https://hooks.example.org/x", None)
            raw = b"Subject: s\r\n\r\nbody\r\n"
            await store.deliver([inbox], NewEmail("s@e.test", "s", "body", "", len(raw), raw, {}))
            [(delivery, _, _, _)] = await store.due_deliveries()
            assert await store.delete_webhook(hook.id, account.id)
            disabled = await store.record_attempt(
                delivery, delivered=False, status=500, error="HTTP 500", retry_at=store.now(), disable_after_ms=0
            )
            assert not disabled
            [row] = await store.webhook_deliveries(hook.id)
            assert row.status == "cancelled" and row.attempts == 0
            assert await store.count_pending_deliveries() == 0

    asyncio.run(run())
