"""Issue 15 (1, 2): one per-account event cursor for SSE, wait and listings; claims for
parallel workers sharing one inbox. Over real sockets (uvicorn in a thread, smtplib)."""

from __future__ import annotations

import concurrent.futures
import threading

import httpx2 as httpx
import pytest
from cursor_streams import stream_in_thread
from helpers import wait_until


def test_event_ids_increase_per_account_and_resume_gets_exactly_the_missed(live):
    key = live.key("alice")
    other = live.key("bob")
    a, b = live.create_inbox(key), live.create_inbox(key)
    bobs = live.create_inbox(other)
    live.send(bobs["email"], subject="bob's own")  # another account's ids do not move ours

    # A client reads two events, then goes away.
    thread, result = stream_in_thread(live, "/api/v1/events", key, 2)
    wait_until(lambda: live.server.events.subscriber_count == 1)
    live.send(a["email"], subject="seen 1")
    live.send(b["email"], subject="seen 2")
    thread.join(10)
    seen = result["events"]
    assert [s[2]["subject"] for s in seen] == ["seen 1", "seen 2"]
    assert seen[0][0] == 1 and seen[1][0] == 2  # per account, from 1
    wait_until(lambda: live.server.events.subscriber_count == 0)

    # Five emails arrive while it is away.
    for n in range(5):
        live.send((a if n % 2 else b)["email"], subject=f"missed {n}")

    # It reconnects with Last-Event-ID: exactly the five, then live ones, none twice.
    thread, result = stream_in_thread(live, "/api/v1/events", key, 6, {"Last-Event-ID": str(seen[-1][0])})
    wait_until(lambda: live.server.events.subscriber_count == 1)
    live.send(a["email"], subject="live after resume")
    thread.join(10)
    events = result["events"]
    assert [e[2]["subject"] for e in events] == [f"missed {n}" for n in range(5)] + ["live after resume"]
    assert [e[0] for e in events] == [3, 4, 5, 6, 7, 8]

    # The inbox stream resumes the same way, with only its inbox's events.
    thread, result = stream_in_thread(
        live, f"/api/v1/inbox/{a['id']}/events", key, 3, {"Last-Event-ID": "2"}
    )
    thread.join(10)
    assert [e[2]["subject"] for e in result["events"]] == ["missed 1", "missed 3", "live after resume"]

    # wait and the inbox view accept the same cursor; `after=` still takes an email id.
    r = live.http.get(f"/api/v1/inbox/{a['id']}/wait", params={"after": 3, "timeout": 0}, headers=live.auth(key))
    assert r.json()["data"]["subject"] == "missed 1" and r.json()["meta"]["event_id"] == 4
    r = live.http.get(f"/api/v1/inbox/{a['id']}/wait", params={"after": 4, "timeout": 0}, headers=live.auth(key))
    assert r.json()["data"]["subject"] == "missed 3"
    email_id = r.json()["data"]["id"]
    r = live.http.get(f"/api/v1/inbox/{a['id']}/wait", params={"after": email_id, "timeout": 0}, headers=live.auth(key))
    assert r.json()["data"]["subject"] == "live after resume"
    r = live.http.get(f"/api/v1/inbox/{a['id']}", params={"after": 4}, headers=live.auth(key))
    body = r.json()
    assert [e["subject"] for e in body["data"]["emails"]] == ["live after resume", "missed 3"]
    assert body["meta"]["last_event_id"] == 8
    r = live.http.get(f"/api/v1/inbox/{a['id']}/wait", params={"after": "x1"}, headers=live.auth(key))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_after"
    r = live.http.get("/api/v1/events", headers={**live.auth(key), "Last-Event-ID": "nope"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_after"


@pytest.mark.slow  # a restart under ten claimers (4 s): .ci/run runs it
def test_ten_concurrent_claimers_on_thirty_emails_get_thirty_distinct_even_across_restart(make_env, make_live):
    env = make_env()
    live = make_live(env)
    key = live.key()
    inbox = live.create_inbox(key)
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(stop_after: int | None) -> None:
        with httpx.Client(base_url=live.base_url, timeout=30) as client:
            taken = 0
            while stop_after is None or taken < stop_after:
                r = client.get(
                    f"/api/v1/inbox/{inbox['id']}/wait",
                    params={"claim": "true", "timeout": 3},
                    headers=live.auth(key),
                )
                assert r.status_code == 200, r.text
                if r.json()["meta"]["timed_out"]:
                    return
                with lock:
                    claimed.append(r.json()["data"]["id"])
                taken += 1

    # Ten workers park on the empty inbox, then 20 emails arrive while they claim.
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        futures = [pool.submit(worker, 2) for _ in range(10)]
        wait_until(lambda: live.server.events.subscriber_count == 10)
        with live.smtp() as s:
            for n in range(20):
                s.sendmail("s@example.com", [inbox["email"]], f"Subject: claim {n}\r\n\r\nbody {n}\r\n".encode())
        for f in futures:
            f.result(30)
    assert len(claimed) == 20 and len(set(claimed)) == 20

    # Restart: claims are in the store, so the next workers only get the ten new emails.
    live.stop()
    live = make_live(env)
    with live.smtp() as s:
        for n in range(20, 30):
            s.sendmail("s@example.com", [inbox["email"]], f"Subject: claim {n}\r\n\r\nbody {n}\r\n".encode())
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        for f in [pool.submit(worker, None) for _ in range(10)]:
            f.result(60)
    assert len(claimed) == 30 and len(set(claimed)) == 30
    r = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key))
    assert {e["id"] for e in r.json()["data"]["emails"]} == set(claimed)
