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


def attempt_after_restart_without_private_targets(make_env, make_live, url: str) -> str:
    """A webhook to `url` created while private targets are allowed (FAST), a mail sent after
    a restart without that setting: the error its first attempt records."""
    env = make_env(**FAST)
    live = make_live(env)
    key = live.key(plan="premium")  # the test polls the API: no hourly request budget
    inbox = live.create_inbox(key)
    hook = create_webhook(live, key, url)
    live.stop()
    strict = make_env(storage={"path": env.config.storage.path, "url": env.config.storage.url},
                      webhooks={"retry_initial": "0.2s", "retry_max_interval": "0.5s"})
    live = make_live(strict)
    live.send(inbox["email"], subject="not to a private address")

    def last_error():
        [d] = live.http.get(f"/api/v1/webhooks/{hook['id']}/deliveries", headers=live.auth(key)).json()["data"]
        return d["attempts"] >= 1 and d["last_error"]

    return wait_until(last_error, timeout=15, interval=0.1)


def test_the_target_is_checked_again_on_every_attempt(make_env, make_live, receiver):
    """Allowed when created; after a restart without the key, attempts are refused, not sent."""
    error = attempt_after_restart_without_private_targets(make_env, make_live, receiver.url)
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


# IPv6 forms that carry a loopback IPv4 address, and ranges Python 3.11's is_global misjudges.
HIDDEN_PRIVATE_TARGETS = (
    "http://[64:ff9b::7f00:1]/",  # NAT64 (well-known prefix) of 127.0.0.1
    "http://[64:ff9b:1::7f00:1]/",  # local-use NAT64 prefix 64:ff9b:1::/48
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[2001:0:7f00:1:0:0:80ff:fffe]/",  # Teredo, server 127.0.0.1
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::ffff:0:7f00:1]/",  # SIIT ::ffff:0:0:0/96
    "http://[::ffff:10.0.0.1]/",  # IPv4-mapped
    "http://[fec0::1]/",  # deprecated site-local
    "http://192.0.0.8/",  # IETF protocol assignments
    "http://[2a00:1450::5efe:7f00:1]/",  # ISATAP of 127.0.0.1 under a global prefix
    "http://[2600:1f18::200:5efe:a00:1]/",  # ISATAP, universal bit set, of 10.0.0.1
    "http://[2600:1f18::300:5efe:a9fe:a9fe]/",  # ISATAP, universal and group bits, of 169.254.169.254
)


def test_ipv6_forms_of_private_ipv4_addresses_are_refused(make_harness):
    h = make_harness()
    key = h.key("free-user")  # a free key, as in the report
    for url in HIDDEN_PRIVATE_TARGETS:
        r = h.http.post("/api/v1/webhooks", json={"url": url}, headers=h.auth(key))
        assert r.status_code == 422, (url, r.text)
        assert r.json()["success"] is False and r.json()["error"]["code"] == "webhook_target_refused"
        assert "loopback, private or link-local" in r.json()["error"]["message"], url
    # The same forms of a public IPv4 address stay allowed (nothing is attempted before mail arrives).
    public_forms = [
        "http://[64:ff9b::101:101]/",
        "http://[2002:101:101::]/",
        "http://[::ffff:1.1.1.1]/",
        "http://[2a00:1450::5efe:101:101]/",
    ]
    for url in public_forms:
        r = h.http.post("/api/v1/webhooks", json={"url": url}, headers=h.auth(key))
        assert r.status_code == 201, (url, r.text)
    listed = h.http.get("/api/v1/webhooks", headers=h.auth(key)).json()["data"]
    assert sorted(hook["url"] for hook in listed) == sorted(public_forms)


def test_a_name_resolving_to_a_hidden_private_address_is_refused(make_harness, monkeypatch):
    """The resolved addresses go through the same rule: the system resolver (getaddrinfo) is
    the only faked part, as the webhook sender uses it and not the [dns] nameservers."""
    import socket

    real = socket.getaddrinfo
    answers = {"nat64.hooks.test": "64:ff9b::7f00:1", "sixtofour.hooks.test": "2002:a00:1::1"}

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", (answers[host], port or 0, 0, 0))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    h = make_harness()
    key = h.key("free-user")
    for host, address in answers.items():
        r = h.http.post("/api/v1/webhooks", json={"url": f"https://{host}/hook"}, headers=h.auth(key))
        assert r.status_code == 422 and r.json()["error"]["code"] == "webhook_target_refused", r.text
        assert f"resolves to {address}" in r.json()["error"]["message"]
    assert h.http.get("/api/v1/webhooks", headers=h.auth(key)).json()["data"] == []


def test_an_attempt_to_a_hidden_private_address_is_refused_not_sent(make_env, make_live, receiver):
    """Stored while private targets were allowed; after a restart without the key, the attempt
    judges the NAT64 form of 127.0.0.1 as it judges 127.0.0.1."""
    port = receiver.url.split(":")[2].split("/")[0]
    error = attempt_after_restart_without_private_targets(make_env, make_live, f"http://[64:ff9b::7f00:1]:{port}/hook")
    assert "resolves to 64:ff9b::7f00:1" in error and "loopback, private or link-local" in error
    assert receiver.attempts == []


def test_urls_with_whitespace_or_control_characters_are_refused(make_env, make_harness):
    env = make_env()
    h = make_harness(env)
    key = h.key("free-user")
    bad = ("http://1.1.1.1/a\r\nX-Evil: 1", "http://1.1.1.1/a b", "http://1.1.1.1/a\tb", "http://1.1.1.1/a\n",
           "http://1.1.1.1/\x00", "http://1.1.1.1/a\x1b[2J", "http://1.1.1.1/\x7f", "http://1.1.1.1/\x85",
           "http://1.1.1.1/a\u2028b", "http://1.1.1.1/a\u00a0b", " http://1.1.1.1/", "http://1.1.1.1/\u202eevil")
    for url in bad:
        r = h.http.post("/api/v1/webhooks", json={"url": url}, headers=h.auth(key))
        assert r.status_code == 422, (url, r.text)
        assert r.json()["error"]["code"] == "invalid_webhook_url", url
        assert "whitespace or a control character" in r.json()["error"]["message"]
    assert h.http.get("/api/v1/webhooks", headers=h.auth(key)).json()["data"] == []
    # Percent-encoded, the same characters are fine.
    r = h.http.post("/api/v1/webhooks", json={"url": "http://1.1.1.1/a%20b%0D%0A"}, headers=h.auth(key))
    assert r.status_code == 201, r.text
    # The operator's CLI refuses them too, and its listing holds only the one URL, on one line.
    result = env.cli("webhooks", "create", "http://1.1.1.1/a\r\nX-Evil: 1", "--owner", "free-user", expect=1)
    assert "whitespace or a control character" in result.stderr
    listing = env.cli("webhooks", "list", "--owner", "free-user").stdout.splitlines()
    assert len(listing) == 2 and listing[1].endswith("  http://1.1.1.1/a%20b%0D%0A")


def test_a_wrong_typed_inbox_id_is_an_invalid_field_not_a_bad_url(make_harness):
    h = make_harness()
    key = h.key("free-user")
    for inbox_id in (123, ["x"], {"id": "x"}, True):
        r = h.http.post("/api/v1/webhooks", json={"url": "http://1.1.1.1/x", "inbox_id": inbox_id},
                        headers=h.auth(key))
        assert r.status_code == 422, r.text
        assert r.json()["error"]["code"] == "invalid_field"
        assert "inbox_id" in r.json()["error"]["message"]
    r = h.http.post("/api/v1/webhooks", json={"url": 5}, headers=h.auth(key))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_webhook_url"
    r = h.http.post("/api/v1/webhooks", json={"url": "http://1.1.1.1/x", "inbox_id": None}, headers=h.auth(key))
    assert r.status_code == 201, r.text
    assert h.http.get("/api/v1/webhooks", headers=h.auth(key)).json()["data"][0]["url"] == "http://1.1.1.1/x"
