"""A 250 means durable: the server killed (SIGKILL) or stopped (SIGTERM) under load."""

from __future__ import annotations

import signal
import smtplib
import sqlite3
import threading
import time

import pytest
from helpers import ServeProcess, query, wait_until

from dustmail_lite.config import load

pytestmark = pytest.mark.slow  # subprocess servers under load, SIGKILL/SIGTERM: .ci/run runs them


def load_until_stopped(
    server: ServeProcess, address: str, stop: threading.Event, acknowledged: list[str], lines: int = 20
) -> None:
    n = 0
    name = threading.current_thread().name
    while not stop.is_set():
        subject = f"{name}-{n}"
        try:
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10) as s:
                body = f"Subject: {subject}\r\nContent-Type: text/html\r\n\r\n".encode()
                s.sendmail("load@example.com", address, body + (b"<p>x</p>" * 12 + b"\r\n") * lines)
            acknowledged.append(subject)  # only after the 250
        except (OSError, smtplib.SMTPException):
            if stop.is_set():
                return
            time.sleep(0.01)
        n += 1


def run_load_and_stop(tmp_path, sig: int) -> tuple[ServeProcess, list[str], int]:
    server = ServeProcess(tmp_path, {"inboxes": {"max_emails": 100_000}})
    server.start()
    key = server.cli("keys", "create", "--owner", "load", "--plan", "premium").strip()
    import httpx2 as httpx

    inbox = httpx.post(f"{server.base}/api/v1/inbox", headers={"X-API-Key": key}).json()["data"]
    stop = threading.Event()
    acknowledged: list[str] = []
    # Six senders of small messages and one of 1.5 MB ones, so parses are in flight in the
    # worker processes when the signal lands.
    threads = [threading.Thread(target=load_until_stopped, args=(server, inbox["email"], stop, acknowledged,
                                                               15_000 if i == 6 else 20), name=f"s{i}")
               for i in range(7)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acknowledged) >= 200, timeout=30)  # the load is well under way
    code = server.stop(sig)
    stop.set()
    for t in threads:
        t.join(15)
    return server, acknowledged, code


def stored_subjects(server: ServeProcess) -> set[str]:
    config = load(server.config_path)
    if not config.storage.url:
        with sqlite3.connect(server.db) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    return {row[0] for row in query(config, "SELECT subject FROM emails")}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_every_acknowledged_message_survives(tmp_path, sig):
    server, acknowledged, code = run_load_and_stop(tmp_path, sig)
    assert len(acknowledged) > 50, "the load did not get going"
    print(f"{len(acknowledged)} messages acknowledged before {signal.Signals(sig).name}")
    if sig == signal.SIGTERM:
        assert code == 0
    # Restart on the same database: every 250 is there and readable.
    server.start()
    try:
        stored = stored_subjects(server)
        missing = set(acknowledged) - stored
        assert not missing, f"{len(missing)} acknowledged messages lost"
    finally:
        server.stop()
