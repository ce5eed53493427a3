"""SMTP ingest over real sockets with smtplib."""

from __future__ import annotations

import smtplib
import socket
import time

import pytest

from dustmail_lite.store import StoreError


def reply(exc: smtplib.SMTPException) -> tuple[int, str]:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, message = next(iter(exc.recipients.values()))
        return code, message.decode()
    return exc.smtp_code, exc.smtp_error.decode()  # type: ignore[attr-defined]


def emails_of(h, key, inbox):
    return h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()["data"]["emails"]


def test_banner_reveals_no_software_version(harness):
    with socket.create_connection(("127.0.0.1", harness.smtp_port)) as sock:
        banner = sock.recv(200).decode()
    assert banner == "220 mx.test.example ESMTP\r\n"


def test_delivered_mail_is_stored_and_readable(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    refused = harness.send(inbox["email"].upper(), subject="Welcome")
    assert refused == {}
    [email] = emails_of(harness, key, inbox)
    assert email["subject"] == "Welcome" and email["from"] == "sender@example.com"


def test_unknown_mailbox_is_550_5_1_1(harness):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        harness.send("nobody@dustmail.test")
    code, message = reply(exc.value)
    assert code == 550 and message.startswith("5.1.1")


@pytest.mark.parametrize("address", ["someone@gmail.com", "x@dustmail.test.evil.example", "postmaster@example.org"])
def test_never_a_relay(harness, address):
    with pytest.raises(smtplib.SMTPRecipientsRefused) as exc:
        harness.send(address)
    code, message = reply(exc.value)
    assert code == 550 and message.startswith("5.7.1")


def test_invalid_recipient_syntax(harness):
    with harness.smtp() as s:
        s.ehlo()
        s.mail("a@example.com")
        code, message = s.rcpt("no-at-sign")
        assert code == 553
        for address in ("user@bad_domain!", "a@localhost", "@dustmail.test"):
            code, _ = s.rcpt(address)
            assert code in (501, 553), address


def test_one_message_to_several_inboxes_is_stored_once_per_inbox(harness):
    alice, bob = harness.key("alice"), harness.key("bob")
    a, b = harness.create_inbox(alice), harness.create_inbox(bob)
    refused = harness.send([a["email"], b["email"], a["email"]], subject="shared")
    assert refused == {}
    assert [e["subject"] for e in emails_of(harness, alice, a)] == ["shared"]
    assert [e["subject"] for e in emails_of(harness, bob, b)] == ["shared"]


def test_good_and_bad_recipients_in_one_transaction(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    refused = harness.send([inbox["email"], "ghost@dustmail.test"])
    assert list(refused) == ["ghost@dustmail.test"] and refused["ghost@dustmail.test"][0] == 550
    assert len(emails_of(harness, key, inbox)) == 1


def test_size_limit_552_at_mail_from_and_during_data(make_harness):
    h = make_harness(smtp={"max_message_size": "10KB"})
    key = h.key()
    inbox = h.create_inbox(key)
    with h.smtp() as s:
        s.ehlo()
        assert s.has_extn("size") and s.esmtp_features["size"] == "10240"
        code, message = s.mail("a@example.com", ["SIZE=20000"])
        assert code == 552
    big = b"Subject: big\r\n\r\n" + (b"x" * 70 + b"\r\n") * 200
    with pytest.raises(smtplib.SMTPSenderRefused) as exc:
        h.send_raw(inbox["email"], big)  # smtplib declares SIZE=
    assert exc.value.smtp_code == 552
    with h.smtp() as s:  # a client that does not declare the size
        s.ehlo()
        s.mail("a@example.com")
        s.rcpt(inbox["email"])
        code, _ = s.data(big)
        assert code == 552
    assert emails_of(h, key, inbox) == []


def test_recipient_limit_452(make_harness):
    h = make_harness(smtp={"max_recipients": 2})
    key = h.key()
    inboxes = [h.create_inbox(key) for _ in range(3)]
    with h.smtp() as s:
        s.ehlo()
        s.mail("a@example.com")
        assert s.rcpt(inboxes[0]["email"])[0] == 250
        assert s.rcpt(inboxes[1]["email"])[0] == 250
        code, message = s.rcpt(inboxes[2]["email"])
        assert code == 452 and message.startswith(b"4.5.3")
        code, _ = s.data(b"Subject: two\r\n\r\nhi\r\n")
        assert code == 250
    assert len(emails_of(h, key, inboxes[0])) == 1 and emails_of(h, key, inboxes[2]) == []


def test_store_fault_answers_451_and_nothing_is_stored(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)
    store = harness.server.store
    original = store._write_deliveries

    async def failing(batch):
        raise StoreError("disk I/O error")

    store._write_deliveries = failing
    try:
        with pytest.raises(smtplib.SMTPDataError) as exc:
            harness.send(inbox["email"])
        assert exc.value.smtp_code == 451
        assert exc.value.smtp_error.startswith(b"4.3.0")
        assert b"disk" not in exc.value.smtp_error
    finally:
        store._write_deliveries = original
    assert emails_of(harness, key, inbox) == []
    harness.send(inbox["email"])  # the server recovers
    assert len(emails_of(harness, key, inbox)) == 1


def test_unexpected_exception_in_handler_is_451_without_details(harness):
    key = harness.key()
    inbox = harness.create_inbox(key)

    async def explode(*args):
        raise ValueError("internal detail")

    harness.server.store.receiving_inbox = explode
    with harness.smtp() as s:
        s.ehlo()
        s.mail("a@example.com")
        code, message = s.rcpt(inbox["email"])
    assert code == 451 and b"internal detail" not in message


@pytest.mark.sqlite_only(reason="locks the SQLite file from another connection; test_nodes stops PostgreSQL")
def test_database_locked_by_another_writer_gives_451(make_harness):
    import sqlite3

    h = make_harness()
    key = h.key()
    inbox = h.create_inbox(key)
    h.server.store.busy_timeout = 0.2
    h.run(_set_busy_timeout, h.server.store, 200)
    blocker = sqlite3.connect(h.env.config.storage.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(smtplib.SMTPDataError) as exc:
            h.send(inbox["email"])
        assert exc.value.smtp_code == 451
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    h.send(inbox["email"])
    assert len(emails_of(h, key, inbox)) == 1


async def _set_busy_timeout(store, ms):
    await store._writer.execute(f"PRAGMA busy_timeout = {ms}")


def test_mail_survives_a_restart(make_env, make_harness):
    env = make_env()
    first = make_harness(env)
    key = first.key()
    inbox = first.create_inbox(key)
    first.send(inbox["email"], subject="persisted")
    first.http.__exit__(None, None, None)
    second = make_harness(env)
    assert [e["subject"] for e in emails_of(second, key, inbox)] == ["persisted"]


def test_inbox_keeps_at_most_max_emails(make_harness):
    h = make_harness(inboxes={"max_emails": 3})
    key = h.key()
    inbox = h.create_inbox(key)
    with h.smtp() as s:
        for n in range(5):
            s.sendmail("a@example.com", inbox["email"], f"Subject: m{n}\r\n\r\nx\r\n".encode())
    body = h.http.get(f"/api/v1/inbox/{inbox['id']}", headers=h.auth(key)).json()
    assert [e["subject"] for e in body["data"]["emails"]] == ["m4", "m3", "m2"]
    assert body["meta"]["email_count"] == 3


def test_concurrent_sessions_all_stored(live):
    """Group commit under concurrency: every 250 is in the database."""
    import concurrent.futures

    key = live.key()
    inbox = live.create_inbox(key)

    def send(n):
        with live.smtp() as s:
            s.sendmail("a@example.com", inbox["email"], f"Subject: c{n}\r\n\r\nx\r\n".encode())

    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        list(pool.map(send, range(60)))
    body = live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key)).json()
    assert body["meta"]["email_count"] == 60
    assert len({e["subject"] for e in body["data"]["emails"]}) == 60


def test_transaction_deadline_cuts_off_a_slow_client(make_harness):
    h = make_harness(smtp={"transaction_timeout": "1s", "idle_timeout": "5s"})
    key = h.key()
    inbox = h.create_inbox(key)
    with socket.create_connection(("127.0.0.1", h.smtp_port)) as sock:
        commands = f"EHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<{inbox['email']}>\r\nDATA\r\n"
        sock.sendall(commands.encode())
        sock.settimeout(0.2)
        start = time.monotonic()
        closed = False
        while time.monotonic() - start < 4:  # dribble one byte every 0.2 s
            try:
                sock.sendall(b"x")
                if sock.recv(4096) == b"":
                    closed = True
                    break
            except socket.timeout:
                continue
            except OSError:
                closed = True
                break
        assert closed and time.monotonic() - start < 2.5
    assert emails_of(h, key, inbox) == []


def test_aiosmtpd_internals_we_rely_on_still_exist():
    """smtp.py overrides or calls these private parts of aiosmtpd.SMTP; a release that
    renames one would silently bypass our limits, DATA reader or STARTTLS guard."""
    import inspect

    from aiosmtpd.smtp import SMTP, TLSSetupException

    for name in ("_getaddr", "_handle_client", "_reset_timeout", "_set_post_data_state", "_set_rset_state",
                 "_call_handler_hook", "check_helo_needed", "check_auth_needed", "smtp_DATA", "smtp_MAIL",
                 "smtp_RCPT", "smtp_STARTTLS", "connection_made", "connection_lost", "push"):
        assert callable(getattr(SMTP, name, None)), name
    init = inspect.getsource(SMTP.__init__)
    for attribute in ("self._original_transport", "self._tls_protocol", "self._timeout_duration",
                      "line_length_limit", "enable_SMTPUTF8", "tls_context"):
        assert attribute in init, attribute
    assert "self._reader" in inspect.getsource(SMTP._cb_client_connected)
    assert "self._reader._buffer.clear()" in inspect.getsource(SMTP.connection_made)  # RFC 3207 4.2
    assert len(inspect.signature(SMTP.smtp_EHLO).parameters) == 2 and issubclass(TLSSetupException, Exception)
