"""The test-automation features: one email, raw, attachments, wait, events, catch-all."""

from __future__ import annotations

import json
import threading
import time
from email.message import EmailMessage

import httpx2 as httpx
import pytest
from helpers import split_trace, wait_until


def first_email(h, key, inbox):
    body = h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()
    return body["data"]["emails"][0]


def test_one_email_has_everything(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    message = EmailMessage()
    message["From"] = "Shop <shop@example.com>"
    message["To"] = f"Me <{inbox['email']}>"
    message["Cc"] = "other@example.org"
    message["Subject"] = "Confirm your account"
    message.set_content("Your confirmation code: 774411\nOr open https://shop.example/confirm?c=774411")
    message.add_alternative(
        '<p>Code <b>774411</b> <a href="https://shop.example/confirm?c=774411&amp;u=1">Confirm</a></p>',
        subtype="html",
    )
    message.add_attachment(b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="invoice.pdf")
    with harness.smtp() as s:
        s.send_message(message)
    summary = first_email(harness, key, inbox)
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{summary['id']}", headers=harness.auth(key))
    assert r.status_code == 200
    email = r.json()["data"]
    assert {k: email[k] for k in summary} == summary
    assert email["to"] == [inbox["email"]] and email["cc"] == ["other@example.org"]
    assert {"name": "Subject", "value": "Confirm your account"} in email["headers"]
    assert email["size"] > 0
    assert email["codes"] == ["774411"]
    assert email["links"] == ["https://shop.example/confirm?c=774411&u=1", "https://shop.example/confirm?c=774411"]
    [attachment] = email["attachments"]
    assert attachment["filename"] == "invoice.pdf" and attachment["content_type"] == "application/pdf"
    assert attachment["size"] == len(b"%PDF-1.4 fake")
    download = harness.http.get(attachment["download_url"], headers=harness.auth(key))
    assert download.status_code == 200 and download.content == b"%PDF-1.4 fake"
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"].startswith('attachment; filename="invoice.pdf"')

    raw = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{summary['id']}/raw", headers=harness.auth(key))
    assert raw.headers["content-type"] == "message/rfc822"
    assert split_trace(raw.content)[1].startswith(b"From: Shop <shop@example.com>\r\n")
    assert b"%PDF" not in raw.content  # base64 as sent, not decoded

    gone = harness.http.delete(f"/api/v1/inbox/{inbox['id']}/emails/{summary['id']}", headers=harness.auth(key))
    assert gone.json()["message"] == "Email deleted"
    again = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{summary['id']}", headers=harness.auth(key))
    assert again.status_code == 404 and again.json()["error"]["code"] == "email_not_found"


def test_raw_is_byte_exact(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = (
        b"From: a@example.com\r\nSubject: =?iso-8859-1?q?caf=E9?=\r\nX-Odd:   spaced\t\r\n"
        b"\r\n..leading dot line\r\nbody \xe9 8bit\r\n"
    )
    harness.send_raw(inbox["email"], raw)
    email = first_email(harness, key, inbox)
    assert email["subject"] == "café"
    got = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}/raw", headers=harness.auth(key))
    assert split_trace(got.content)[1] == raw


@pytest.mark.parametrize(
    "filename",
    ["../../etc/passwd", "evil\r\nSet-Cookie: x=1.txt", 'quote"d.txt', "ünïcødé.txt", "..\\..\\win.ini", ".hidden"],
)
def test_hostile_attachment_names_cannot_inject(harness, filename):
    from urllib.parse import quote

    key = harness.key()
    inbox = harness.create_inbox(key)
    # RFC 2231 lets a sender smuggle any character, CR and LF included, into a filename.
    raw = (
        "From: a@example.com\r\nSubject: att\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "--b\r\nContent-Type: application/octet-stream\r\n"
        f"Content-Disposition: attachment; filename*=utf-8''{quote(filename, safe='')}\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nZGF0YQ==\r\n--b--\r\n"
    ).encode()
    harness.send_raw(inbox["email"], raw)
    summary = first_email(harness, key, inbox)
    email = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{summary['id']}", headers=harness.auth(key)).json()["data"]
    r = harness.http.get(email["attachments"][0]["download_url"], headers=harness.auth(key))
    assert r.status_code == 200 and r.content == b"data"
    disposition = r.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    assert "set-cookie" not in {k.lower() for k in r.headers}
    fallback = disposition.split('filename="')[1].split('"')[0]
    assert "/" not in fallback and "\\" not in fallback and not fallback.startswith(".")


def test_unknown_attachment_is_404(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    harness.send(inbox["email"])
    email = first_email(harness, key, inbox)
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}/attachments/1", headers=harness.auth(key))
    assert r.status_code == 404 and r.json()["error"]["code"] == "attachment_not_found"


def test_other_accounts_cannot_reach_emails_raw_attachments_or_waits(harness):
    alice, bob = harness.key("alice"), harness.key("bob")
    inbox = harness.create_inbox(alice)
    harness.send(inbox["email"])
    email = first_email(harness, alice, inbox)
    base = f"/api/v1/inbox/{inbox['id']}"
    for path in (
        f"{base}/emails/{email['id']}",
        f"{base}/emails/{email['id']}/raw",
        f"{base}/emails/{email['id']}/html",
        f"{base}/emails/{email['id']}/attachments/2",
        f"{base}/wait?timeout=0",
        f"{base}/events",
    ):
        r = harness.http.get(path, headers=harness.auth(bob))
        assert r.status_code == 404 and r.json()["error"]["code"] == "inbox_not_found", path
    r = harness.http.delete(f"{base}/emails/{email['id']}", headers=harness.auth(bob))
    assert r.status_code == 404
    # An email id of another inbox, through one's own inbox, is unknown too.
    own = harness.create_inbox(bob)
    r = harness.http.get(f"/api/v1/inbox/{own['id']}/emails/{email['id']}", headers=harness.auth(bob))
    assert r.status_code == 404 and r.json()["error"]["code"] == "email_not_found"


# --- wait --------------------------------------------------------------------


def test_wait_returns_at_once_when_mail_is_already_there(live):
    key = live.key()
    inbox = live.create_inbox(key)
    live.send(inbox["email"], subject="early bird")
    start = time.monotonic()
    r = live.http.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"timeout": 10}, headers=live.auth(key))
    assert time.monotonic() - start < 2
    body = r.json()
    assert body["data"]["subject"] == "early bird" and body["meta"]["timed_out"] is False
    assert "codes" in body["data"] and "links" in body["data"]


def test_wait_is_woken_by_delivery(live):
    key = live.key()
    inbox = live.create_inbox(key)
    result = {}

    def waiter():
        with httpx.Client(base_url=live.base_url, timeout=30) as client:
            r = client.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"timeout": 20}, headers=live.auth(key))
            result["body"] = r.json()
            result["at"] = time.monotonic()

    thread = threading.Thread(target=waiter)
    thread.start()
    wait_until(lambda: live.server.events.subscriber_count == 1)  # the waiter is parked
    live.send(inbox["email"], subject="wake up")
    sent = time.monotonic()
    thread.join(10)
    assert result["body"]["data"]["subject"] == "wake up"
    assert result["at"] - sent < 1.0  # woken by the commit, not by polling


def test_wait_after_returns_the_next_email_in_order(live):
    key = live.key()
    inbox = live.create_inbox(key)
    for n in range(3):
        live.send(inbox["email"], subject=f"m{n}")
    seen, after = [], None
    for _ in range(3):
        params = {"timeout": 5, **({"after": after} if after else {})}
        data = live.http.get(f"/api/v1/inbox/{inbox['id']}/wait", params=params, headers=live.auth(key)).json()["data"]
        seen.append(data["subject"])
        after = data["id"]
    assert seen == ["m0", "m1", "m2"]
    r = live.http.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"after": after, "timeout": 0.3}, headers=live.auth(key))
    body = r.json()
    assert r.status_code == 200 and body["success"] is True
    assert body["data"] is None and body["meta"]["timed_out"] is True


@pytest.mark.parametrize("value", ["-1", "abc", "301", "nan", "inf"])
def test_wait_timeout_is_bounded(harness, value):
    key = harness.key()
    inbox = harness.create_inbox(key)
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"timeout": value}, headers=harness.auth(key))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_timeout"


def test_wait_after_unknown_email_is_404(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    r = harness.http.get(
        f"/api/v1/inbox/{inbox['id']}/wait",
        params={"after": "00000000-0000-4000-8000-000000000000", "timeout": 0},
        headers=harness.auth(key),
    )
    assert r.status_code == 404 and r.json()["error"]["code"] == "email_not_found"


def test_many_concurrent_waiters_all_wake(live):
    import asyncio

    key = live.key("ci", "premium")
    inboxes = [live.create_inbox(key) for _ in range(5)]

    async def wait_all():
        limits = httpx.Limits(max_connections=300)
        async with httpx.AsyncClient(base_url=live.base_url, timeout=150, limits=limits) as client:
            async def one(inbox):
                r = await client.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"timeout": 120}, headers=live.auth(key))
                return r.json()["data"]["subject"]

            tasks = [asyncio.create_task(one(inboxes[n % 5])) for n in range(250)]
            deadline = time.monotonic() + 20
            while live.server.events.subscriber_count < 250 and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            subscribers = live.server.events.subscriber_count
            await asyncio.to_thread(lambda: [live.send(i["email"], subject=i["id"]) for i in inboxes])
            return subscribers, await asyncio.gather(*tasks)

    subscribers, subjects = asyncio.run(wait_all())
    assert subscribers == 250
    assert sorted(subjects) == sorted(inboxes[n % 5]["id"] for n in range(250))
    assert live.server.events.subscriber_count == 0


# --- events ------------------------------------------------------------------


def read_events(live, path, key, count, ready):
    events = []
    with httpx.Client(base_url=live.base_url, timeout=10) as client:
        with client.stream("GET", path, headers=live.auth(key)) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            ready.set()
            current = {}
            for line in response.iter_lines():
                if line.startswith("event:"):
                    current["event"] = line.split(":", 1)[1].strip()
                elif line.startswith("data:"):
                    current["data"] = json.loads(line.split(":", 1)[1])
                elif line == "" and current:
                    events.append(current)
                    current = {}
                    if len(events) == count:
                        return events
    return events


def test_inbox_and_account_event_streams(live):
    key = live.key()
    a, b = live.create_inbox(key), live.create_inbox(key)
    results = {}
    ready_inbox, ready_account = threading.Event(), threading.Event()
    t1 = threading.Thread(target=lambda: results.update(inbox=read_events(live, f"/api/v1/inbox/{a['id']}/events", key, 1, ready_inbox)))
    t2 = threading.Thread(target=lambda: results.update(account=read_events(live, "/api/v1/events", key, 2, ready_account)))
    t1.start(), t2.start()
    assert ready_inbox.wait(5) and ready_account.wait(5)
    wait_until(lambda: live.server.events.subscriber_count == 2)
    live.send(b["email"], subject="to b")
    live.send(a["email"], subject="to a")
    t1.join(10), t2.join(10)
    [event] = results["inbox"]
    assert event["event"] == "email" and event["data"]["subject"] == "to a"
    assert set(event["data"]) == {"id", "inbox_id", "from", "subject", "received_at",
                                  "preview", "has_html", "size", "seq", "email_count", "tls", "tag"}
    assert event["data"]["tls"] is False and event["data"]["tag"] is None  # plain SMTP, no +tag
    # Enough for a live view to add the row without asking: its place (seq), the new count.
    assert event["data"]["email_count"] == 1 and event["data"]["preview"].startswith("Hello there")
    assert [e["data"]["subject"] for e in results["account"]] == ["to b", "to a"]
    seqs = [e["data"]["seq"] for e in results["account"]]
    assert seqs[0] < seqs[1] and seqs[1] == event["data"]["seq"]


def test_event_stream_sends_keepalives(make_live):
    live = make_live(wait={"keepalive": "1s"})
    key = live.key()
    inbox = live.create_inbox(key)
    with httpx.Client(base_url=live.base_url, timeout=10) as client:
        with client.stream("GET", f"/api/v1/inbox/{inbox['id']}/events", headers=live.auth(key)) as response:
            lines = []
            for line in response.iter_lines():
                lines.append(line)
                if line == ": keep-alive":
                    break
    assert ": connected" in lines and lines[-1] == ": keep-alive"


# --- catch-all sink ------------------------------------------------------------


def test_catch_all_creates_inboxes_on_served_domains(make_harness):
    h = make_harness(smtp={"catch_all_owner": "dev"})
    h.send("Anything.Goes@dustmail.test", subject="sink")
    h.send("anything.goes@dustmail.test", subject="again")
    key = h.key("dev")
    inboxes = h.http.get("/api/v1/inbox", headers=h.auth(key)).json()["data"]
    assert [(i["email"], i["email_count"]) for i in inboxes] == [("anything.goes@dustmail.test", 2)]
    with pytest.raises(Exception) as refused:
        h.send("someone@gmail.com")
    assert "5.7.1" in str(refused.value)


def test_accept_any_domain_captures_everything(make_harness):
    h = make_harness(smtp={"catch_all_owner": "dev", "accept_any_domain": True})
    h.send(["user@gmail.com", "billing@customer.example"], subject="captured")
    key = h.key("dev")
    emails = sorted(i["email"] for i in h.http.get("/api/v1/inbox", headers=h.auth(key)).json()["data"])
    assert emails == ["billing@customer.example", "user@gmail.com"]
    # Other accounts' inboxes are not taken over by the sink.
    other = h.key("other", "premium")
    mine = h.create_inbox(other, username="mine")
    h.send(mine["email"], subject="private")
    assert h.http.get(f"/api/v1/inbox/{mine['id']}", headers=h.auth(other)).json()["meta"]["email_count"] == 1
