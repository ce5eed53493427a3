"""Parsing in supervised worker processes, over real SMTP: hostile messages never stall the
API, a parse past its time budget or a worker killed mid-parse still stores the message
(raw bytes exact, parse_error set), and the worker is replaced."""

from __future__ import annotations

import os
import signal
import threading
import time

import orjson
import pytest
from helpers import query, split_trace
from test_e2e import ServeProcess

from dustmail_lite.api.present import INBOX_VIEW_BODY_CHARS
from dustmail_lite.config import load


def lines_of(unit: bytes, total: int, width: int = 996) -> bytes:
    """`unit` repeated to `total` bytes, in CRLF lines SMTP accepts."""
    blob = unit * (total // len(unit) + 1)
    return b"\r\n".join(blob[i : i + width] for i in range(0, total, width)) + b"\r\n"


def html_message(subject: str, body: bytes, sender: str = "evil@attacker.example") -> bytes:
    head = (f"From: Attacker <{sender}>\r\nTo: someone@dustmail.test\r\nSubject: {subject}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n").encode()
    return head + body


def comment_bomb(size: int) -> bytes:
    return html_message(f"comments {size}", lines_of(b"<!--", size))


def big_html(size: int) -> bytes:
    return html_message("big html", lines_of(b"<p>lorem <b>ipsum</b> <a href='https://e.example/x'>dolor</a></p>", size))


def many_parts(count: int) -> bytes:
    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(count))
    return (b"From: evil@attacker.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n")


def detail(client, key, inbox_id, email_id):
    r = client.http.get(f"/api/v1/inbox/{inbox_id}/emails/{email_id}", headers=client.auth(key))
    assert r.status_code == 200, r.text
    return r.json()["data"]


def only_email(client, key, inbox_id):
    r = client.http.get(f"/api/v1/inbox/{inbox_id}", headers=client.auth(key))
    emails = r.json()["data"]["emails"]
    assert len(emails) == 1, emails
    return detail(client, key, inbox_id, emails[0]["id"])


def raw_of(client, key, inbox_id, email_id) -> bytes:
    """The stored message as received, without the trace header the server puts on top."""
    r = client.http.get(f"/api/v1/inbox/{inbox_id}/emails/{email_id}/raw", headers=client.auth(key))
    assert r.status_code == 200
    trace, message = split_trace(r.content)
    assert trace.startswith(b"Received: from ")
    return message


@pytest.mark.slow
def test_hostile_messages_in_flight_do_not_stall_the_api_or_ordinary_mail(tmp_path):
    """The server as `serve` (a subprocess): while the four hostile messages of issue 11 are
    delivered, the health check keeps answering and ordinary mail keeps being accepted."""
    # Room for every ordinary message, so that none of the hostile ones is pruned as the oldest.
    server = ServeProcess(tmp_path, {"inboxes": {"max_emails": 100_000}})
    server.start()
    import httpx2 as httpx

    try:
        key = server.cli("keys", "create", "--owner", "h", "--plan", "premium").strip()
        headers = {"X-API-Key": key}
        inbox = httpx.post(f"{server.base}/api/v1/inbox", headers=headers).json()["data"]
        hostile = [comment_bomb(240 * 1024), comment_bomb(5 * 1024 * 1024),
                   big_html(10 * 1024 * 1024 - 65536), many_parts(10_000)]  # 10 MB: the size limit
        replies: list[object] = []
        ordinary: list[float] = []
        done = threading.Event()

        def send_hostile(raw: bytes) -> None:
            import smtplib

            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=60) as s:
                replies.append(s.sendmail("evil@attacker.example", inbox["email"], raw))

        def send_ordinary() -> None:
            import smtplib

            while not done.is_set():
                start = time.monotonic()
                with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=30) as s:
                    s.sendmail("app@example.com", inbox["email"], b"Subject: ordinary\r\n\r\nYour code is 123456\r\n")
                ordinary.append(time.monotonic() - start)

        senders = [threading.Thread(target=send_hostile, args=(raw,)) for raw in hostile]
        steady = threading.Thread(target=send_ordinary)
        for t in [*senders, steady]:
            t.start()
        latencies = []
        with httpx.Client(base_url=server.base, timeout=30) as client:
            while any(t.is_alive() for t in senders):
                start = time.monotonic()
                assert client.get("/api/v1/health").status_code == 200
                latencies.append(time.monotonic() - start)
                time.sleep(0.01)
        done.set()
        steady.join(30)
        assert replies == [{}, {}, {}, {}]  # every hostile message accepted with a 250
        latencies.sort()
        print(f"health: {len(latencies)} checks, p50 {latencies[len(latencies) // 2] * 1000:.1f} ms,"
              f" max {latencies[-1] * 1000:.1f} ms; {len(ordinary)} ordinary messages, slowest {max(ordinary):.2f} s")
        # Generous bounds (the exact figures are in bench/RESULTS.md): before the parser pool
        # the 240 KB message alone held the loop past 60 s.
        assert len(latencies) > 10 and latencies[-1] < 1.0, latencies[-5:]
        assert len(ordinary) >= 3 and max(ordinary) < 5.0, ordinary
        subjects = [row[0] for row in query(load(server.config_path), "SELECT subject FROM emails")]
        for subject in ("comments 245760", "comments 5242880", "big html", "parts"):
            assert subject in subjects
    finally:
        server.stop(signal.SIGKILL)


def test_a_parse_past_its_budget_is_stored_raw_with_parse_error_timeout(make_harness):
    harness = make_harness(smtp={"parse_timeout": "50ms", "max_message_size": "11MB"})
    key = harness.key()
    inbox = harness.create_inbox(key)
    pool = harness.server.ingest.parser
    raw = (b"From: =?utf-8?q?Caf=C3=A9?= <shop@example.com>\r\nTo: " + inbox["email"].encode()
           + b"\r\nSubject: =?utf-8?b?0J/RgNC40LLQtdGC?= order\r\nContent-Type: text/html\r\n\r\n"
           + lines_of(b"<p>slow <b>to</b> parse</p>", 10 * 1024 * 1024))
    pids_before = set(pool.pids())
    assert harness.send_raw(inbox["email"], raw) == {}
    email = only_email(harness, key, inbox["id"])
    assert email["parse_error"] == "timeout"
    assert email["subject"] == "Привет order" and email["from"] == "shop@example.com"
    assert email["to"] == [inbox["email"]]
    assert email["text"] == "" and email["html"] == ""
    assert raw_of(harness, key, inbox["id"], email["id"]) == raw
    # The stuck worker was killed and replaced: the next message parses normally.
    assert not (pids_before - set(pool.pids())) or len(pool.pids()) <= pool.size
    harness.send(inbox["email"], subject="after", body="Your verification code is 482913")
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}/wait", headers=harness.auth(key),
                         params={"after": email["id"], "timeout": 10})
    after = r.json()["data"]
    assert after["parse_error"] is None and after["codes"] == ["482913"]


def test_a_worker_killed_mid_parse_is_replaced_and_its_message_stored(make_harness):
    harness = make_harness(smtp={"max_message_size": "11MB"})
    key = harness.key()
    inbox = harness.create_inbox(key)
    pool = harness.server.ingest.parser
    raw = big_html(10 * 1024 * 1024)
    result: list[object] = []
    sender = threading.Thread(target=lambda: result.append(harness.send_raw(inbox["email"], raw)))
    sender.start()
    deadline = time.monotonic() + 30
    while not pool.pids(parsing_only=True):
        assert time.monotonic() < deadline, "the message never reached a worker"
        time.sleep(0.002)
    victim = pool.pids(parsing_only=True)[0]
    os.kill(victim, signal.SIGKILL)
    sender.join(30)
    assert result == [{}]  # 250: stored, not lost
    email = only_email(harness, key, inbox["id"])
    assert email["parse_error"] == "worker_crashed"
    assert email["subject"] == "big html" and email["from"] == "evil@attacker.example"
    assert raw_of(harness, key, inbox["id"], email["id"]) == raw
    assert victim not in pool.pids()
    harness.send(inbox["email"], subject="next", body="Your code is 7291")
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}/wait", headers=harness.auth(key),
                         params={"after": email["id"], "timeout": 10})
    assert r.json()["data"]["codes"] == ["7291"] and r.json()["data"]["parse_error"] is None


def test_a_parse_that_raises_is_stored_with_its_own_code(monkeypatch):
    """In the worker's request handler (in process): an exception from the parser becomes
    "parse_failed", and the parent stores the message from its header block."""
    from dustmail_lite import parsing
    from dustmail_lite.mime import Limits

    def broken(*args):
        raise RecursionError("deep")

    monkeypatch.setattr(parsing, "parse_message", broken)
    raw = b"From: a@example.com\r\nSubject: boom\r\n\r\nbody\r\n"
    answer, text, html = parsing._parse_for_parent(raw, {"from": "env@example.com", "limits": [10, 5, 1000]})
    assert answer == {"error": "parse_failed"} and text == html == b""
    stored = parsing.fallback_email(raw, "env@example.com", Limits(), answer["error"])
    assert (stored.subject, stored.mail_from, stored.raw) == ("boom", "a@example.com", raw)
    assert stored.details["parse_error"] == "parse_failed"


def test_parse_error_is_null_on_success_and_a_short_code_otherwise(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    harness.send(inbox["email"], subject="fine")
    assert only_email(harness, key, inbox["id"])["parse_error"] is None
    other = harness.create_inbox(key)
    # More multipart containers than max_mime_parts: the body is left in the raw message.
    harness.send_raw(other["email"], many_parts(1_500))
    assert only_email(harness, key, other["id"])["parse_error"] == "too_complex"


def test_inbox_view_is_cut_to_its_budget_and_the_email_is_whole(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    text = "".join(f"line {i} of a long letter with a café\n" for i in range(6000))  # ~230 KB
    html = "<p>" + "ünïcode &amp; more " * 30_000 + "</p>"  # ~600 KB
    harness.send(inbox["email"], subject="long", body=text, html=html)
    harness.send(inbox["email"], subject="short", body="tiny")
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key))
    short, long = r.json()["data"]["emails"]
    assert "truncated" not in short and short["text"] == "tiny\n"
    assert long["truncated"] is True
    assert len(long["text"]) == INBOX_VIEW_BODY_CHARS and len(long["html"]) == INBOX_VIEW_BODY_CHARS
    assert len(r.content) < 2 * 4 * INBOX_VIEW_BODY_CHARS + 10_000
    full = detail(harness, key, inbox["id"], long["id"])  # large bodies: a streamed answer
    assert full["text"] == text and full["html"].rstrip("\n") == html
    assert long["text"] == text[:INBOX_VIEW_BODY_CHARS] and long["html"] == full["html"][:INBOX_VIEW_BODY_CHARS]
    assert "truncated" not in full and full["parse_error"] is None
    # The preview row goes with its email.
    r = harness.http.delete(f"/api/v1/inbox/{inbox['id']}/emails/{long['id']}", headers=harness.auth(key))
    assert r.status_code == 200
    assert query(harness.env.config, "SELECT count(*) FROM email_previews")[0][0] == 0


def test_attachments_are_read_from_the_slice_recorded_at_ingest(harness):
    from email.message import EmailMessage

    key = harness.key()
    inbox = harness.create_inbox(key)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.com", inbox["email"], "files"
    message.set_content("see attached")
    blob = os.urandom(300_000)
    message.add_attachment(blob, maintype="application", subtype="octet-stream", filename="blob.bin")
    message.add_attachment("naïve,csv\n1,2\n", subtype="csv", filename="t.csv", cte="8bit")
    message.add_attachment("quoted=printable ünï\n", subtype="plain", filename="q.txt", cte="quoted-printable")
    with harness.smtp() as s:
        s.send_message(message)
    email = only_email(harness, key, inbox["id"])
    details = orjson.loads(query(harness.env.config, "SELECT details FROM emails")[0][0])
    assert set(details["locations"]) == {a["id"] for a in email["attachments"]}
    expected = [blob, "naïve,csv\n1,2\n".encode(), "quoted=printable ünï\n".encode()]

    def downloads() -> list[bytes]:
        out = []
        for attachment in email["attachments"]:
            r = harness.http.get(attachment["download_url"], headers=harness.auth(key))
            assert r.status_code == 200
            binary = attachment["content_type"] == "application/octet-stream"
            out.append(r.content if binary else r.content.replace(b"\r\n", b"\n"))
        return out

    assert downloads() == expected
    # Rows stored without locations (older versions) still download, by a full parse.
    del details["locations"]
    query(harness.env.config, "UPDATE emails SET details = ?", (orjson.dumps(details).decode(),))
    assert downloads() == expected


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_parser_workers_end_with_serve(tmp_path, sig):
    server = ServeProcess(tmp_path)
    server.start()
    children = _children(server.proc.pid)
    assert len(children) >= 1, "serve started no parser workers"
    server.stop(sig)
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children):
        assert time.monotonic() < deadline, "parser workers outlived serve"
        time.sleep(0.05)


def _children(pid: int) -> list[int]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = []
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        if found:
            return found
        time.sleep(0.05)
    return []


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def test_without_a_parser_worker_the_sender_gets_451_never_250(make_harness):
    harness = make_harness(smtp={"parse_workers": 1})
    key = harness.key()
    inbox = harness.create_inbox(key)
    pool = harness.server.ingest.parser
    assert pool.size == 1
    pool.close()  # no worker left: nothing can be parsed, so nothing may be acknowledged
    import smtplib

    with pytest.raises(smtplib.SMTPDataError) as refused:
        harness.send(inbox["email"], subject="lost?")
    assert refused.value.smtp_code == 451
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key))
    assert r.json()["data"]["emails"] == []


def test_an_answer_larger_than_any_message_could_give_is_refused():
    """The parent trusts no length a worker announces: past 4x the message it is a crash."""
    from dustmail_lite import parsing

    read_end, write_end = os.pipe()
    os.write(write_end, parsing._RESPONSE.pack(10, 1 << 40, 0))
    with open(read_end, "rb") as stream:
        with pytest.raises(EOFError):
            parsing._read_response(stream, time.monotonic() + 5, limit=4 * 1000 + (1 << 20))
    os.close(write_end)


TAG_SOUP = {
    "unclosed <a": b"<a ",
    "open comments": b"<!--",
    "bare <": b"<",
    "unclosed end tags": b"</a ",
    "quotes in a tag": b'<a title="x"""""""""" ',
}


@pytest.mark.parametrize("name", list(TAG_SOUP))
def test_tag_soup_over_smtp_is_parsed_within_the_budget_not_cut_off(make_harness, name):
    """60 KB of unclosed "<a " took the old fallback tokenizer (html.parser) 144 s; the
    message ended as parse_error "timeout" and burnt a worker. Now it is parsed and stored
    whole, with the server's default budget (10 s), by the engine's own linear tokenizer."""
    harness = make_harness()
    key = harness.key()
    inbox = harness.create_inbox(key)
    raw = html_message(f"tag soup {name}", lines_of(TAG_SOUP[name], 60_000)
                       + b"<p>Your verification code is 482913</p>\r\n")
    assert harness.send_raw(inbox["email"], raw) == {}
    email = only_email(harness, key, inbox["id"])
    assert email["parse_error"] is None, email["parse_error"]
    assert email["subject"] == f"tag soup {name}" and email["html"]
    assert raw_of(harness, key, inbox["id"], email["id"]) == raw


def test_the_dry_run_reads_tag_soup_without_a_timeout(make_harness):
    harness = make_harness()
    key = harness.key()
    raw = html_message("tag soup", b"<p>Your verification code is 482913</p>\r\n" + lines_of(b"<a ", 60_000))
    r = harness.http.post(
        "/api/v1/extract", content=raw, headers={**harness.auth(key), "Content-Type": "message/rfc822"}
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert "parse_error" not in data, data["parse_error"]  # the field is there only on a failure
    assert data["subject"] == "tag soup" and data["codes"] == ["482913"]


def test_the_dry_run_parses_in_the_workers_within_the_budget(make_harness):
    """POST /api/v1/extract with a body slower to parse than the budget: answered after the
    budget with parse_error "timeout", never on the event loop."""
    harness = make_harness(smtp={"parse_timeout": "50ms", "max_message_size": "11MB"})
    key = harness.key()
    raw = html_message("slow", lines_of(b"<p>slow <b>to</b> parse</p>", 10 * 1024 * 1024))
    start = time.monotonic()
    r = harness.http.post(
        "/api/v1/extract", content=raw, headers={**harness.auth(key), "Content-Type": "message/rfc822"}
    )
    assert r.status_code == 200, r.text
    assert time.monotonic() - start < 30
    data = r.json()["data"]
    assert data["parse_error"] == "timeout" and data["subject"] == "slow"

