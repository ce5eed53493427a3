"""`[smtp] processes = 2`: serve and one more SMTP process on the same port (SO_REUSEPORT),
over real sockets with `serve` as a subprocess."""

from __future__ import annotations

import os
import re
import signal
import smtplib
import socket
import struct
import threading
import time

import httpx2 as httpx
import pytest
from helpers import ServeProcess, merge, query, split_trace, wait_until
from test_starttls import HOSTNAME, Certs, _handshake_with

from dustmail_lite.config import load

pytestmark = pytest.mark.slow  # subprocess servers under load, SIGKILL/SIGTERM: .ci/run runs them

PROCESSES = {
    "smtp": {"processes": 2, "max_connections_per_ip": 8},
    "metrics": {"enabled": True},
    "inboxes": {"max_emails": 100_000},
}


def smtp_children(pid: int) -> list[int]:
    """The SMTP processes serve started (not its parser workers)."""
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            for child in f.read().split():
                try:
                    with open(f"/proc/{child}/cmdline", "rb") as cmd:
                        if b"smtp_child" in cmd.read():
                            found.append(int(child))
                except FileNotFoundError:
                    pass
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


def metric(server: ServeProcess, name: str) -> dict[str, float]:
    """Values of one metric by its label text ("" when it has none)."""
    text = httpx.get(f"{server.base}/metrics", timeout=10).text
    found = {}
    for m in re.finditer(rf"^{name}(\{{[^}}]*\}})? (\S+)$", text, re.M):
        found[m.group(1) or ""] = float(m.group(2))
    return found


def accepted_by_process(server: ServeProcess) -> dict[str, float]:
    return metric(server, "dustmail_smtp_connections_accepted")


class Load:
    """Senders that each deliver one message per connection until stopped; a subject is
    listed in `acknowledged` only after its 250."""

    def __init__(self, server: ServeProcess, address: str, senders: int) -> None:
        self.server, self.address = server, address
        self.stop = threading.Event()
        self.acknowledged: list[str] = []
        self.threads = [threading.Thread(target=self._send, name=f"p{i}") for i in range(senders)]
        for thread in self.threads:
            thread.start()

    def _send(self) -> None:
        n = 0
        name = threading.current_thread().name
        while not self.stop.is_set():
            subject = f"{name}-{n}"
            n += 1
            try:
                with smtplib.SMTP("127.0.0.1", self.server.smtp_port, timeout=15) as s:
                    s.sendmail("load@example.com", self.address, f"Subject: {subject}\r\n\r\nbody {subject}\r\n")
                self.acknowledged.append(subject)
            except (OSError, smtplib.SMTPException):
                time.sleep(0.01)

    def finish(self) -> list[str]:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)
        return self.acknowledged


def stored_subjects(server: ServeProcess) -> set[str]:
    return {row[0] for row in query(load(server.config_path), "SELECT subject FROM emails")}


def start_server(tmp_path, extra: dict | None = None) -> tuple[ServeProcess, str, dict]:
    server = ServeProcess(tmp_path, merge(PROCESSES, extra or {}))
    server.start()
    key = server.cli("keys", "create", "--owner", "p", "--plan", "premium").strip()
    inbox = httpx.post(f"{server.base}/api/v1/inbox", headers={"X-API-Key": key}).json()["data"]
    return server, key, inbox


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """serve with processes = 2 and STARTTLS offered (the certificate files in its folder)."""
    folder = tmp_path_factory.mktemp("processes")
    first = Certs(folder, "first")
    (folder / "fullchain.pem").write_bytes(first.cert.read_bytes())
    (folder / "privkey.pem").write_bytes(first.key.read_bytes())
    tls = {"hostname": HOSTNAME, "tls_cert": str(folder / "fullchain.pem"), "tls_key": str(folder / "privkey.pem")}
    server, key, inbox = start_server(folder, {"smtp": tls})
    wait_until(lambda: smtp_children(server.proc.pid), timeout=20)
    yield server, key, inbox
    if server.proc.poll() is None:
        server.stop(signal.SIGKILL)


def test_deliveries_over_both_processes_are_all_stored(served):
    server, _, inbox = served
    before = accepted_by_process(server)
    subjects = [f"spread-{i}" for i in range(40)]

    def send(part: list[str]) -> None:
        for subject in part:
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=15) as s:
                s.sendmail("a@example.com", inbox["email"], f"Subject: {subject}\r\n\r\nhello\r\n")

    threads = [threading.Thread(target=send, args=(subjects[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert set(subjects) <= stored_subjects(server)
    after = accepted_by_process(server)
    took = {process: after[process] - before.get(process, 0) for process in after}
    # Both listeners took connections on the one port: serve ("0") and its SMTP process ("1").
    assert set(took) == {'{process="0"}', '{process="1"}'}
    assert all(count > 0 for count in took.values()), took
    assert sum(took.values()) == 40
    assert metric(server, "dustmail_smtp_accepted_total")[""] >= 40
    processes = metric(server, "dustmail_processes")[""]
    assert processes >= 3  # serve, its SMTP process, parser workers
    assert metric(server, "dustmail_resident_bytes")[""] > 40 * 1024 * 1024


def test_messages_through_either_process_keep_their_bytes_and_bodies(served):
    server, key, _ = served
    inbox = httpx.post(f"{server.base}/api/v1/inbox", headers={"X-API-Key": key}).json()["data"]
    raw = (
        "From: Zoë <zoe@example.com>\r\nSubject: Grüße\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "Ihr Code: 482913 — schöne Grüße\r\n"
        "--b\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        "<p>Ihr Code: <b>482913</b> — schöne Grüße</p>\r\n--b--\r\n"
    ).encode()
    before = accepted_by_process(server)
    sent = 0
    while sent < 8 or not all(n > before[p] for p, n in accepted_by_process(server).items()):
        assert sent < 40, "the kernel gave every connection to one process"
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=15) as s:
            s.sendmail("zoe@example.com", inbox["email"], raw)
        sent += 1
    headers = {"X-API-Key": key}
    emails = httpx.get(f"{server.base}/api/v1/inbox/{inbox['id']}", headers=headers).json()["data"]["emails"]
    assert len(emails) == sent
    for listed in emails:
        url = f"{server.base}/api/v1/inbox/{inbox['id']}/emails/{listed['id']}"
        email = httpx.get(url, headers=headers).json()["data"]
        assert email["subject"] == "Grüße" and email["parse_error"] is None
        assert "schöne Grüße" in email["text"] and "<b>482913</b>" in email["html"]
        assert split_trace(httpx.get(url + "/raw", headers=headers).content)[1] == raw


def test_refusals_in_the_other_process_are_recorded_by_serve(served):
    server, _, _ = served
    before = accepted_by_process(server)
    n = 0
    while n < 8 or not all(count > before[p] for p, count in accepted_by_process(server).items()):
        assert n < 40, "the kernel gave every connection to one process"
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=15) as s:
            s.ehlo()
            assert s.mail("a@example.com")[0] == 250
            assert s.rcpt(f"nobody{n}@dustmail.localhost")[0] == 550
        n += 1
    refused = metric(server, "dustmail_smtp_refused_total")
    assert refused['{reason="unknown_mailbox",stage="RCPT"}'] >= n
    config = load(server.config_path)
    expected = {f"nobody{i}@dustmail.localhost" for i in range(n)}

    def recorded() -> bool:
        rows = query(config, "SELECT rcpt FROM smtp_refusals WHERE rcpt LIKE 'nobody%'")
        return {row[0] for row in rows} >= expected

    wait_until(recorded, timeout=10)


def test_a_wait_is_woken_by_a_delivery_through_the_other_process(served):
    server, key, _ = served
    for attempt in range(20):  # until the kernel gives a connection to the other process
        inbox = httpx.post(f"{server.base}/api/v1/inbox", headers={"X-API-Key": key}).json()["data"]
        result: dict = {}

        def waiter() -> None:
            r = httpx.get(f"{server.base}/api/v1/inbox/{inbox['id']}/wait",
                          params={"timeout": 10}, headers={"X-API-Key": key}, timeout=30)
            result["body"], result["at"] = r.json(), time.monotonic()

        thread = threading.Thread(target=waiter)
        thread.start()
        wait_until(lambda: metric(server, "dustmail_waiters")[""] == 1)
        before = accepted_by_process(server)['{process="1"}']
        with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=15) as s:
            s.sendmail("a@example.com", inbox["email"], f"Subject: wake {attempt}\r\n\r\nhi\r\n")
        sent = time.monotonic()
        thread.join(15)
        assert result["body"]["data"]["subject"] == f"wake {attempt}", result
        if accepted_by_process(server)['{process="1"}'] > before:
            assert result["at"] - sent < 1.0  # woken by serve's commit, not by polling
            return
    pytest.fail("no connection went to the other SMTP process in 20 tries")


def test_connection_limits_count_the_sessions_of_every_process(served):
    server, _, _ = served
    wait_until(lambda: metric(server, "dustmail_smtp_sessions")[""] == 0)
    before = accepted_by_process(server)
    clients, banners = [], []
    try:
        for _ in range(12):
            client = smtplib.SMTP(timeout=15)
            banners.append(client.connect("127.0.0.1", server.smtp_port)[0])
            clients.append(client)
        after = accepted_by_process(server)
        assert all(after[p] > before[p] for p in after), (before, after)  # both processes took some
        assert banners.count(220) == 8 and banners.count(421) == 4, banners  # max_connections_per_ip
    finally:
        for client in clients:
            client.close()


def test_clients_that_leave_at_once_leave_no_session_counted(served):
    """A client that resets the connection before its banner: its session is released in
    serve's count whichever process took it, or the per-IP limit would fill up with ghosts."""
    server, _, _ = served
    before = accepted_by_process(server)
    for _ in range(40):
        sock = socket.create_connection(("127.0.0.1", server.smtp_port))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close
        sock.close()
    wait_until(lambda: sum(accepted_by_process(server).values()) >= sum(before.values()) + 40)
    wait_until(lambda: metric(server, "dustmail_smtp_sessions")[""] == 0, timeout=10)
    with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=15) as s:
        assert s.noop()[0] == 250


def test_a_killed_smtp_process_is_restarted_and_every_250_is_stored(served):
    server, _, inbox = served
    [victim] = smtp_children(server.proc.pid)
    load_ = Load(server, inbox["email"], senders=4)
    try:
        wait_until(lambda: len(load_.acknowledged) >= 30, timeout=30)
        os.kill(victim, signal.SIGKILL)
        replacement = wait_until(lambda: [p for p in smtp_children(server.proc.pid) if p != victim], timeout=20)
        count = accepted_by_process(server)['{process="1"}']
        # The new process takes connections again.
        wait_until(lambda: accepted_by_process(server)['{process="1"}'] > count + 3, timeout=20)
    finally:
        acknowledged = load_.finish()
    assert len(replacement) == 1 and alive(replacement[0])
    missing = set(acknowledged) - stored_subjects(server)
    assert not missing, f"{len(missing)} acknowledged messages lost"
    assert "SMTP process 1" in server.log.read_text()


def test_sighup_reloads_the_certificate_in_every_smtp_process(served, tmp_path):
    server, _, _ = served
    second = Certs(tmp_path, "second")
    folder = server.config_path.parent
    (folder / "fullchain.pem").write_bytes(second.cert.read_bytes())
    (folder / "privkey.pem").write_bytes(second.key.read_bytes())
    server.proc.send_signal(signal.SIGHUP)  # systemctl reload: to serve's pid only

    def all_handshakes_verify() -> bool:
        try:
            for _ in range(16):  # over both listeners
                _handshake_with(server.smtp_port, second)
        except (OSError, smtplib.SMTPException):  # ssl.SSLCertVerificationError: still the first
            return False
        return True

    before = accepted_by_process(server)
    wait_until(all_handshakes_verify, timeout=15, interval=0.1)
    after = accepted_by_process(server)
    assert all(after[p] > before[p] for p in after), (before, after)


def test_sigterm_under_load_drains_every_process_and_loses_no_250(tmp_path):
    server, _, inbox = start_server(tmp_path)
    children = wait_until(lambda: smtp_children(server.proc.pid), timeout=20)
    load_ = Load(server, inbox["email"], senders=6)
    wait_until(lambda: len(load_.acknowledged) >= 30, timeout=30)
    code = server.stop(signal.SIGTERM)
    acknowledged = load_.finish()
    assert code == 0
    assert not any(alive(pid) for pid in children)
    # The database opened anew, as a restarted serve opens it: every 250 is there.
    missing = set(acknowledged) - stored_subjects(server)
    assert not missing, f"{len(missing)} acknowledged messages lost"


def test_smtp_processes_die_with_a_killed_serve(served):
    """Last of the module: it kills the module's server."""
    server, _, _ = served
    children = smtp_children(server.proc.pid)
    assert children
    server.stop(signal.SIGKILL)
    wait_until(lambda: not any(alive(pid) for pid in children), timeout=10)
