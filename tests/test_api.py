"""The DustMail API in process: contract shapes, every status code, plans, ownership."""

from __future__ import annotations

import re

import pytest
from helpers import FakeClock

from dustmail_lite import keys
from dustmail_lite.ratelimit import LocalWindows, WindowCounter
from dustmail_lite.store import now_ms

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
UUID4_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def assert_error(response, status: int, code: str) -> dict:
    """The one error shape, pinned."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body == {"success": False, "error": {"code": code, "message": body["error"]["message"]}}
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body


def test_create_inbox_matches_the_contract(harness):
    key = harness.key()
    r = harness.http.post("/api/v1/inbox", headers=harness.auth(key))
    assert r.status_code == 201
    body = r.json()
    assert set(body) == {"success", "data", "meta"} and body["success"] is True
    data = body["data"]
    assert set(data) == {"id", "email", "domain", "created_at", "expires_at"}
    assert UUID4_RE.match(data["id"])
    assert re.match(r"^[a-z]+\.[a-z]+\d{4}@dustmail\.test$", data["email"])
    assert data["domain"] == "dustmail.test"
    assert TIME_RE.match(data["created_at"]) and TIME_RE.match(data["expires_at"])
    assert body["meta"] == {
        "plan": "free",
        "rate_limit": {"limit": 100, "used": 1},
        "available_domains": ["dustmail.test"],
    }


def test_free_inbox_lives_30_minutes_premium_a_year(harness):
    from datetime import datetime

    def lifetime(data):
        parse = lambda s: datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")  # noqa: E731
        return (parse(data["expires_at"]) - parse(data["created_at"])).total_seconds()

    assert lifetime(harness.create_inbox(harness.key("f"))) == 30 * 60
    assert lifetime(harness.create_inbox(harness.key("p", "premium"))) == 365 * 86400


def test_both_auth_headers_work_and_every_bad_key_gets_the_same_401(harness):
    key = harness.key()
    assert harness.http.get("/api/v1/inbox", headers={"X-API-Key": key}).status_code == 200
    assert harness.http.get("/api/v1/inbox", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    revoked = harness.key("bob")
    harness.env.cli("keys", "revoke", "--stdin", input=revoked)
    forged = keys.generate()  # well formed, never issued
    junk = key[:-1] + ("A" if key[-1] != "A" else "B")  # checksum broken
    bodies = set()
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic abc"},
        {"X-API-Key": "nope"},
        {"X-API-Key": forged},
        {"X-API-Key": junk},
        {"X-API-Key": revoked},
    ):
        r = harness.http.get("/api/v1/inbox", headers=headers)
        assert_error(r, 401, "unauthorized")
        bodies.add(r.text)
    assert len(bodies) == 1


def test_list_inboxes_newest_first_with_counts(harness):
    key = harness.key()
    first = harness.create_inbox(key)
    second = harness.create_inbox(key)
    harness.send(second["email"])
    r = harness.http.get("/api/v1/inbox", headers=harness.auth(key))
    assert r.status_code == 200
    body = r.json()
    assert [i["id"] for i in body["data"]] == [second["id"], first["id"]]
    assert body["data"][0]["email_count"] == 1 and body["data"][1]["email_count"] == 0
    assert set(body["data"][0]) == {"id", "email", "domain", "created_at", "expires_at", "email_count"}
    assert body["meta"]["total"] == 2 and body["meta"]["plan"] == "free"
    assert body["meta"]["rate_limit"] == {"limit": 100, "used": 3}


def test_list_is_capped_at_50_but_total_counts_all(harness):
    key = harness.key("lots", "premium")
    for _ in range(52):
        harness.create_inbox(key)
    body = harness.http.get("/api/v1/inbox", headers=harness.auth(key)).json()
    assert len(body["data"]) == 50 and body["meta"]["total"] == 52


def test_inbox_view_shows_emails_newest_first(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    harness.send(inbox["email"], subject="first")
    harness.send(inbox["email"], subject="=?utf-8?b?0J/RgNC40LLQtdGC?= second", html="<p>hi</p>")
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key))
    assert r.status_code == 200
    body = r.json()
    assert body["data"]["inbox"] == inbox
    emails = body["data"]["emails"]
    assert [e["subject"] for e in emails] == ["Привет second", "first"]
    assert set(emails[0]) == {"id", "from", "subject", "text", "html", "received_at"}
    assert emails[0]["from"] == "sender@example.com"
    assert emails[0]["html"].strip() == "<p>hi</p>"
    assert emails[1]["text"].strip() == "Hello there" and emails[1]["html"] == ""
    assert UUID4_RE.match(emails[0]["id"]) and TIME_RE.match(emails[0]["received_at"])
    assert body["meta"]["email_count"] == 2


def test_inbox_view_is_capped_at_100_emails(make_harness):
    h = make_harness()
    key = h.key()
    inbox = h.create_inbox(key)
    with h.smtp() as s:
        for n in range(105):
            s.sendmail("a@example.com", inbox["email"], f"Subject: n{n}\r\n\r\nbody\r\n".encode())
    body = h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()
    assert len(body["data"]["emails"]) == 100
    assert body["data"]["emails"][0]["subject"] == "n104"
    assert body["meta"]["email_count"] == 105


def test_delete_inbox(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    r = harness.http.delete(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key))
    assert r.status_code == 200
    assert r.json() == {"success": True, "message": "Inbox deleted", "meta": {"rate_limit": {"limit": 100, "used": 2}}}
    assert_error(harness.http.get(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key)), 404, "inbox_not_found")
    assert harness.http.get("/api/v1/inbox", headers=harness.auth(key)).json()["data"] == []
    assert_error(harness.http.delete(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key)), 404, "inbox_not_found")
    with pytest.raises(Exception) as refused:
        harness.send(inbox["email"])
    assert "5.1.1" in str(refused.value)


def test_other_accounts_inboxes_are_404_and_same_account_keys_share(harness):
    alice, alice2, bob = harness.key("alice"), harness.key("alice"), harness.key("bob")
    inbox = harness.create_inbox(alice)
    harness.send(inbox["email"])
    path = f"/api/v1/inbox/{inbox['id']}"
    assert harness.http.get(path, headers=harness.auth(alice2)).status_code == 200
    unknown = "/api/v1/inbox/00000000-0000-4000-8000-000000000000"
    for method in ("get", "delete"):
        theirs = getattr(harness.http, method)(path, headers=harness.auth(bob))
        missing = getattr(harness.http, method)(unknown, headers=harness.auth(bob))
        assert_error(theirs, 404, "inbox_not_found")
        assert theirs.json() == missing.json()
    assert harness.http.get("/api/v1/inbox", headers=harness.auth(bob)).json()["data"] == []
    assert_error(harness.http.get("/api/v1/inbox/not-a-uuid", headers=harness.auth(bob)), 404, "inbox_not_found")


def test_free_keys_get_403_for_username_or_other_domain(harness):
    key = harness.key()
    r = harness.http.post("/api/v1/inbox", json={"username": "me"}, headers=harness.auth(key))
    assert_error(r, 403, "premium_required")
    r = harness.http.post("/api/v1/inbox", json={"domain": "shared.test"}, headers=harness.auth(key))
    assert_error(r, 403, "premium_required")
    r = harness.http.post("/api/v1/inbox", json={"domain": "DUSTMAIL.test."}, headers=harness.auth(key))
    assert r.status_code == 201 and r.json()["data"]["domain"] == "dustmail.test"


def test_premium_username_and_shared_domain(harness):
    key = harness.key("p", "premium")
    r = harness.http.post(
        "/api/v1/inbox", json={"username": "Swift.Fox4291", "domain": "shared.test"}, headers=harness.auth(key)
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["data"]["email"] == "swift.fox4291@shared.test"
    assert body["meta"]["plan"] == "premium"
    assert body["meta"]["rate_limit"] == {"limit": None, "used": 1}
    assert body["meta"]["available_domains"] == ["dustmail.test", "shared.test"]
    r = harness.http.post(
        "/api/v1/inbox", json={"username": "swift.fox4291", "domain": "shared.test"}, headers=harness.auth(key)
    )
    assert_error(r, 409, "username_taken")
    other = harness.key("q", "premium")
    r = harness.http.post(
        "/api/v1/inbox", json={"username": "swift.fox4291", "domain": "shared.test"}, headers=harness.auth(other)
    )
    assert_error(r, 409, "username_taken")
    r = harness.http.post("/api/v1/inbox", json={"domain": "elsewhere.example"}, headers=harness.auth(key))
    assert_error(r, 422, "domain_unavailable")


@pytest.mark.parametrize(
    "username",
    ["", ".dot", "dot.", "a..b", "UPPER CASE", "x" * 65, "postmaster", "abuse", "ünï", "a@b", 5, ["x"]],
)
def test_invalid_usernames_get_422(harness, username):
    key = harness.key("p", "premium")
    r = harness.http.post("/api/v1/inbox", json={"username": username}, headers=harness.auth(key))
    assert_error(r, 422, "invalid_username")


@pytest.mark.parametrize(
    "body,status,code",
    [
        (b"{not json", 400, "invalid_json"),
        (b"[1, 2]", 400, "invalid_json"),
        (b'"text"', 400, "invalid_json"),
        (b"\xff\xfe", 400, "invalid_json"),
        (b"\r\n", 400, "invalid_json"),  # whitespace alone is not JSON (found by schemathesis)
        (b'{"colour": "red"}', 422, "invalid_field"),
        (b'{"domain": 7}', 422, "invalid_domain"),
        (b'{"domain": "not a domain"}', 422, "invalid_domain"),
    ],
)
def test_bad_bodies(harness, body, status, code):
    key = harness.key()
    r = harness.http.post(
        "/api/v1/inbox", content=body, headers={**harness.auth(key), "Content-Type": "application/json"}
    )
    assert_error(r, status, code)


def test_large_bodies_get_413(harness):
    key = harness.key()
    r = harness.http.post(
        "/api/v1/inbox", content=b'{"x": "' + b"a" * 70_000 + b'"}', headers=harness.auth(key)
    )
    assert_error(r, 413, "body_too_large")

    def chunks():
        for _ in range(100):
            yield b"a" * 1000

    r = harness.http.post("/api/v1/inbox", content=chunks(), headers=harness.auth(key))
    assert_error(r, 413, "body_too_large")


def test_unknown_paths_and_methods_use_the_error_shape(harness):
    key = harness.key()
    assert_error(harness.http.get("/api/v1/nothing", headers=harness.auth(key)), 404, "not_found")
    assert_error(harness.http.put("/api/v1/inbox", headers=harness.auth(key)), 405, "method_not_allowed")


def test_rate_limit_counts_every_request_and_answers_429(make_harness):
    h = make_harness(plans={"free": {"rate_limit": 3, "rate_window": "1h"}})
    key = h.key()
    r1 = h.http.get("/api/v1/inbox", headers=h.auth(key))
    assert r1.json()["meta"]["rate_limit"] == {"limit": 3, "used": 1}
    assert r1.headers["X-RateLimit-Limit"] == "3" and r1.headers["X-RateLimit-Remaining"] == "2"
    assert 3590 <= int(r1.headers["X-RateLimit-Reset"]) <= 3600
    r2 = h.http.get("/api/v1/inbox/00000000-0000-4000-8000-000000000000", headers=h.auth(key))
    assert r2.status_code == 404 and r2.headers["X-RateLimit-Remaining"] == "1"  # errors count too
    r3 = h.http.delete(f"/api/v1/inbox/{'0' * 8}-0000-4000-8000-{'0' * 12}", headers=h.auth(key))
    assert r3.headers["X-RateLimit-Used"] == "3"
    r4 = h.http.get("/api/v1/inbox", headers=h.auth(key))
    assert_error(r4, 429, "rate_limited")
    assert 3590 <= int(r4.headers["Retry-After"]) <= 3600
    # Limits are per account: a second key of the same account is limited too.
    assert h.http.get("/api/v1/inbox", headers=h.auth(h.key())).status_code == 429
    # Another account is not.
    assert h.http.get("/api/v1/inbox", headers=h.auth(h.key("bob"))).status_code == 200


def test_premium_has_no_limit(make_harness):
    h = make_harness(plans={"free": {"rate_limit": 1}})
    key = h.key("p", "premium")
    for n in range(1, 6):
        r = h.http.get("/api/v1/inbox", headers=h.auth(key))
        assert r.status_code == 200
        assert r.json()["meta"]["rate_limit"] == {"limit": None, "used": n}
        assert "X-RateLimit-Limit" not in r.headers


def test_rate_window_resets(make_harness):
    h = make_harness(plans={"free": {"rate_limit": 1, "rate_window": "1s"}})
    clock = FakeClock()
    h.server.api.auth.requests = LocalWindows(WindowCounter(clock))
    key = h.key()
    assert h.http.get("/api/v1/inbox", headers=h.auth(key)).status_code == 200
    assert h.http.get("/api/v1/inbox", headers=h.auth(key)).status_code == 429
    clock.advance(1.1)
    r = h.http.get("/api/v1/inbox", headers=h.auth(key))
    assert r.status_code == 200 and r.json()["meta"]["rate_limit"]["used"] == 1


def test_repeated_auth_failures_are_throttled(make_harness):
    h = make_harness(http={"auth_failures": 3})
    good = h.key()
    for _ in range(3):
        assert h.http.get("/api/v1/inbox", headers={"X-API-Key": "junk"}).status_code == 401
    r = h.http.get("/api/v1/inbox", headers={"X-API-Key": "junk"})
    assert_error(r, 429, "too_many_auth_failures")
    assert r.headers["Retry-After"] == "60"
    # Only failures are refused: a good key from the same address is served at once,
    # and the bad ones are still throttled after it.
    r = h.http.get("/api/v1/inbox", headers=h.auth(good))
    assert r.status_code == 200, r.text
    assert_error(h.http.get("/api/v1/inbox", headers={"X-API-Key": "junk"}), 429, "too_many_auth_failures")


def test_expired_inbox_disappears_before_purge(make_harness):
    h = make_harness(plans={"free": {"inbox_ttl": "1s"}})
    key = h.key()
    inbox = h.create_inbox(key)
    h.server.store.now = lambda: now_ms() + 1050  # the inbox's second has passed
    assert_error(h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)), 404, "inbox_not_found")
    assert h.http.get("/api/v1/inbox", headers=h.auth(key)).json()["meta"]["total"] == 0
    with pytest.raises(Exception) as refused:
        h.send(inbox["email"])
    assert "5.1.1" in str(refused.value)


def test_internal_errors_are_clean_500s(harness):
    key = harness.key()

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    harness.server.store.list_inboxes = broken
    r = harness.http.get("/api/v1/inbox", headers=harness.auth(key))
    assert_error(r, 500, "internal_error")
    assert "secret" not in r.text and "Traceback" not in r.text


def test_health_needs_no_key(harness):
    assert harness.http.get("/api/v1/health").json() == {"success": True, "data": {"status": "ok"}}


def test_timestamps_are_utc_milliseconds():
    from dustmail_lite.api import timestamp

    assert timestamp(1774872000000) == "2026-03-30T12:00:00.000Z"
    assert timestamp(1774872330123) == "2026-03-30T12:05:30.123Z"
    assert TIME_RE.match(timestamp(now_ms()))


def test_auth_throttle_sees_clients_behind_a_local_reverse_proxy(make_live):
    """uvicorn trusts X-Forwarded-For from 127.0.0.1 (its default), so the throttle keys on
    the real client and one bad client behind Caddy/nginx does not lock out the others."""
    live = make_live(http={"auth_failures": 2})
    bad = {"X-API-Key": "junk", "X-Forwarded-For": "203.0.113.9"}
    for _ in range(2):
        assert live.http.get("/api/v1/inbox", headers=bad).status_code == 401
    assert live.http.get("/api/v1/inbox", headers=bad).status_code == 429
    other = {"X-API-Key": live.key(), "X-Forwarded-For": "198.51.100.4"}
    assert live.http.get("/api/v1/inbox", headers=other).status_code == 200
