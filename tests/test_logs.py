"""What an operator reads: one line per SMTP transaction and per refused recipient; the
formats; no SQL, keys or bodies; and `serve`'s command-line overrides and hints."""

from __future__ import annotations

import json
import logging
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from helpers import free_port, write_toml


def smtp_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "dustmail_lite.smtp" and r.levelno == logging.INFO]


def wait_for_lines(caplog: pytest.LogCaptureFixture, count: int) -> list[logging.LogRecord]:
    deadline = time.monotonic() + 5
    while len(smtp_lines(caplog)) < count and time.monotonic() < deadline:
        time.sleep(0.01)
    return smtp_lines(caplog)


def test_a_delivered_mail_is_one_line_with_envelope_size_reply_and_ids(live, caplog):
    caplog.set_level(logging.INFO, logger="dustmail_lite.smtp")
    key = live.key("ops", "premium")
    first, second = live.create_inbox(key), live.create_inbox(key)
    raw = b"Subject: secret subject\r\n\r\nthe secret body\r\n"
    live.send_raw([first["email"], second["email"]], raw, sender="app@example.com")
    [record] = wait_for_lines(caplog, 1)
    fields = record.fields  # type: ignore[attr-defined]
    stored = [e["id"] for inbox in (first, second)
              for e in live.http.get(f"/api/v1/inbox/{inbox['id']}", headers=live.auth(key)).json()["data"]["emails"]]
    assert fields["outcome"] == "delivered" and fields["code"] == 250
    assert fields["client"] == "127.0.0.1" and fields["tls"] == "no" and fields["from"] == "<app@example.com>"
    assert fields["to"] == [f"<{first['email']}>", f"<{second['email']}>"]
    assert fields["size"] == len(raw) and sorted(fields["ids"]) == sorted(stored)
    text = record.getMessage()
    assert text.startswith("delivered client=127.0.0.1 tls=no from=<app@example.com> to=<")
    assert f"ids={','.join(fields['ids'])}" in text
    assert "secret" not in caplog.text and key not in caplog.text


def test_each_refused_recipient_is_a_line_with_its_reason(live, caplog):
    caplog.set_level(logging.INFO, logger="dustmail_lite.smtp")
    with live.smtp() as s:
        s.ehlo()
        s.mail("app@example.com")
        assert s.rcpt("ghost@dustmail.test")[0] == 550
        assert s.rcpt("someone@elsewhere.example")[0] == 550
    ghost, relay = wait_for_lines(caplog, 2)
    assert ghost.getMessage() == ('recipient refused client=127.0.0.1 tls=no from=<app@example.com> '
                                  'to=<ghost@dustmail.test> code=550 reason="5.1.1 No such mailbox here"')
    assert relay.fields["to"] == "<someone@elsewhere.example>"  # type: ignore[attr-defined]
    assert relay.fields["reason"].startswith("5.7.1 Relaying denied")  # type: ignore[attr-defined]


def test_a_message_refused_for_its_size_and_a_fault_of_ours_are_logged_too(make_live, caplog):
    caplog.set_level(logging.INFO, logger="dustmail_lite.smtp")
    live = make_live(smtp={"max_message_size": 2000})
    key = live.key("ops", "premium")
    inbox = live.create_inbox(key)
    big = b"Subject: big\r\n\r\n" + b"x" * 70 + (b"\r\n" + b"x" * 70) * 40
    with pytest.raises(smtplib.SMTPSenderRefused):
        live.send_raw(inbox["email"], big)  # smtplib announces SIZE=: refused at MAIL FROM
    [announced] = wait_for_lines(caplog, 1)
    assert announced.getMessage().startswith("sender refused client=127.0.0.1 tls=no from=<sender@example.com> "
                                             "code=552 reason=")
    with live.smtp() as s:  # no SIZE=: refused at the end of DATA
        s.ehlo()
        s.mail("sender@example.com")
        s.rcpt(inbox["email"])
        assert s.data(big)[0] == 552
    too_big = wait_for_lines(caplog, 2)[1]
    assert too_big.fields["code"] == 552 and too_big.fields["outcome"] == "refused"  # type: ignore[attr-defined]
    assert too_big.fields["ids"] == [] and too_big.fields["to"] == [f"<{inbox['email']}>"]  # type: ignore[attr-defined]

    async def broken(*args: object) -> list[str]:
        raise OSError("disk on fire")

    live.server.store.deliver = broken
    with pytest.raises(smtplib.SMTPDataError):
        live.send_raw(inbox["email"], b"Subject: x\r\n\r\nhi\r\n")
    fault = wait_for_lines(caplog, 3)[2]
    assert fault.fields["code"] == 451 and fault.fields["outcome"] == "deferred"  # type: ignore[attr-defined]


def test_a_transaction_cut_off_before_the_end_of_data_is_logged(make_live, caplog):
    import socket

    caplog.set_level(logging.INFO, logger="dustmail_lite.smtp")
    live = make_live()
    inbox = live.create_inbox(live.key("ops", "premium"))
    with socket.create_connection(("127.0.0.1", live.smtp_port)) as sock:
        commands = f"EHLO x\r\nMAIL FROM:<app@example.com>\r\nRCPT TO:<{inbox['email']}>\r\nDATA\r\nSubject: half"
        sock.sendall(commands.encode())
        received = b""
        while b"354" not in received:
            received += sock.recv(4096)
    [record] = wait_for_lines(caplog, 1)
    assert record.getMessage() == (
        f"aborted client=127.0.0.1 tls=no from=<app@example.com> to=<{inbox['email']}> "
        'reason="connection closed before the end of DATA (nothing stored)"'
    )
    assert record.fields["outcome"] == "aborted"  # type: ignore[attr-defined]


def _serve(tmp_path: Path, *args: str, config: dict | None = None) -> tuple[subprocess.Popen[str], int, int]:
    http_port, smtp_port = free_port(), free_port()
    path = tmp_path / "c.toml"
    write_toml(path, config or {})
    proc = subprocess.Popen(
        [sys.executable, "-m", "dustmail_lite", "serve", "--config", str(path), "--port", str(http_port),
         "--smtp-port", str(smtp_port), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 15
    while True:
        assert proc.poll() is None, proc.communicate()
        try:
            if httpx.get(f"http://127.0.0.1:{http_port}/api/v1/health", timeout=1).status_code == 200:
                return proc, http_port, smtp_port
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_serve_options_override_the_config_and_json_logs_hold_no_sql_keys_or_bodies(tmp_path):
    db = tmp_path / "chosen.sqlite3"
    config = {"storage": {"path": "ignored.sqlite3"}, "http": {"port": 1}, "smtp": {"port": 1},
              "logging": {"format": "json", "access_log": True}}
    proc, http_port, smtp_port = _serve(tmp_path, "--db", str(db), "--log-level", "debug", config=config)
    try:
        key = subprocess.run(
            [sys.executable, "-m", "dustmail_lite", "--db", str(db), "keys", "create", "--owner", "me"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        base = f"http://127.0.0.1:{http_port}/api/v1"
        inbox = httpx.post(f"{base}/inbox", headers={"X-API-Key": key}).json()["data"]
        with smtplib.SMTP("127.0.0.1", smtp_port) as s:
            s.sendmail("app@example.com", [inbox["email"]], b"Subject: private\r\n\r\nconfidential\r\n")
        httpx.get(f"{base}/inbox/{inbox['id']}/wait", headers={"X-API-Key": key})
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=20)
    assert db.exists() and not (tmp_path / "ignored.sqlite3").exists()
    assert f"database: {db}" in stderr
    entries = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert len(entries) > 5 and all({"time", "level", "logger", "message"} <= e.keys() for e in entries)
    [delivered] = [e for e in entries if e.get("event") == "transaction"]
    assert delivered["code"] == 250 and delivered["to"] == [f"<{inbox['email']}>"] and delivered["ids"]
    access = [e["message"] for e in entries if e["logger"] == "uvicorn.access"]
    assert any("POST /api/v1/inbox HTTP/1.1\" 201" in m for m in access), access
    assert not [e for e in entries if e["logger"].startswith("aiosqlite")]
    assert "SELECT" not in stderr and "INSERT" not in stderr
    assert key not in stderr and "confidential" not in stderr and "private" not in stderr


def test_serve_accepts_config_after_the_subcommand_and_hints_at_ports(tmp_path):
    import socket

    path = tmp_path / "c.toml"
    write_toml(path, {"storage": {"path": "db.sqlite3"}})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "dustmail_lite", "serve", "--config", str(path), "--port", str(port)],
            capture_output=True, text=True, timeout=30, check=False,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port} for HTTP" in result.stderr and "serve --port N" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_says_plainly_when_it_cannot_create_the_database(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "dustmail_lite", "serve", "--db", str(blocker / "db.sqlite3"), "--port", "0",
         "--smtp-port", "0"],
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"cannot use the database {blocker / 'db.sqlite3'}: cannot create the folder {blocker}" in result.stderr
