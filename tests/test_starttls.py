"""STARTTLS with certificates made by trustme: smtplib, swaks, an injection attempt,
STARTTLS twice, old TLS versions, and a certificate reload on SIGHUP."""

from __future__ import annotations

import signal
import smtplib
import socket
import ssl
import subprocess
import time
import warnings
from pathlib import Path

import httpx2 as httpx
import pytest
import trustme

from helpers import ServeProcess, require_tool, split_trace, write_toml

HOSTNAME = "mx.test.example"


class Certs:
    """A CA and a server certificate for HOSTNAME, written as PEM files."""

    def __init__(self, folder: Path, name: str = "tls") -> None:
        self.ca = trustme.CA()
        server = self.ca.issue_cert(HOSTNAME, "127.0.0.1")
        self.cert = folder / f"{name}-fullchain.pem"
        self.key = folder / f"{name}-privkey.pem"
        self.ca_file = folder / f"{name}-ca.pem"
        server.private_key_pem.write_to_path(str(self.key))
        server.cert_chain_pems[0].write_to_path(str(self.cert))
        for pem in server.cert_chain_pems[1:]:
            pem.write_to_path(str(self.cert), append=True)
        self.ca.cert_pem.write_to_path(str(self.ca_file))

    def client_context(self, **versions: ssl.TLSVersion) -> ssl.SSLContext:
        context = ssl.create_default_context()
        self.ca.configure_trust(context)
        for attribute, value in versions.items():
            setattr(context, attribute, value)
        return context

    def config(self) -> dict[str, str]:
        return {"tls_cert": str(self.cert), "tls_key": str(self.key)}


@pytest.fixture
def certs(tmp_path) -> Certs:
    return Certs(tmp_path)


@pytest.fixture
def tls_harness(make_harness, certs):
    return make_harness(smtp=certs.config())


def emails_of(h, key, inbox):
    return h.http.get(f"/api/v1/inbox/{inbox['id']}?extended=1", headers=h.auth(key)).json()["data"]["emails"]


def detail(h, key, inbox, email_id):
    return h.http.get(f"/api/v1/inbox/{inbox['id']}/emails/{email_id}", headers=h.auth(key)).json()["data"]


def test_starttls_is_advertised_only_when_configured_and_only_before_tls(tls_harness, certs):
    with smtplib.SMTP("127.0.0.1", tls_harness.smtp_port, timeout=10) as s:
        s.ehlo("client.example")
        assert s.has_extn("starttls")
        code, _ = s.starttls(context=certs.client_context())
        assert code == 220
        s.ehlo("client.example")
        assert not s.has_extn("starttls") and not s.has_extn("auth")
        assert s.has_extn("smtputf8") and s.has_extn("pipelining")


def test_delivery_over_starttls_is_recorded_in_json_and_trace_header(tls_harness, certs):
    h = tls_harness
    key = h.key()
    inbox = h.create_inbox(key)
    raw = b"Subject: secret\r\n\r\nYour code is 552901\r\n"
    with smtplib.SMTP("127.0.0.1", h.smtp_port, timeout=10) as s:
        s.starttls(context=certs.client_context())
        assert s.sendmail("a@example.com", inbox["email"], raw) == {}
    [listed] = emails_of(h, key, inbox)
    assert listed["tls"] is True
    email = detail(h, key, inbox, listed["id"])
    assert email["tls"] is True and email["codes"] == ["552901"]
    stored = h.http.get(email["raw_url"], headers=h.auth(key)).content
    trace, sent = split_trace(stored)
    assert sent == raw
    assert b" with ESMTPS (version=TLSv1." in trace and b" cipher=" in trace
    assert {"name": "Received", "value": " ".join(trace.decode()[len("Received: "):].split())} in email["headers"]


def test_plain_delivery_on_a_tls_server_says_tls_false(tls_harness):
    key = tls_harness.key()
    inbox = tls_harness.create_inbox(key)
    tls_harness.send(inbox["email"])
    [listed] = emails_of(tls_harness, key, inbox)
    assert listed["tls"] is False


def test_tls_below_1_2_is_refused_and_1_2_works(tls_harness, certs):
    with smtplib.SMTP("127.0.0.1", tls_harness.smtp_port, timeout=10) as s:
        s.starttls(context=certs.client_context(maximum_version=ssl.TLSVersion.TLSv1_2))
        assert s.sock.version() == "TLSv1.2"
    with warnings.catch_warnings():  # a TLS 1.1 client is deprecated, which is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        old = certs.client_context(maximum_version=ssl.TLSVersion.TLSv1_1)
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.set_ciphers("DEFAULT:@SECLEVEL=0")
        with smtplib.SMTP("127.0.0.1", tls_harness.smtp_port, timeout=10) as s:
            with pytest.raises(ssl.SSLError):  # the server ends the handshake
                s.starttls(context=old)


def test_commands_pipelined_behind_starttls_are_discarded(tls_harness, certs):
    h = tls_harness
    key = h.key()
    inbox = h.create_inbox(key)
    with socket.create_connection(("127.0.0.1", h.smtp_port), timeout=5) as plain, plain.makefile("rb") as f:
        f.readline()
        plain.sendall(b"EHLO attacker.example\r\n")
        while not f.readline().startswith(b"250 "):
            pass
        # In clear text, in the same packet as STARTTLS: a MAIL FROM a man in the middle added.
        plain.sendall(b"STARTTLS\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<" + inbox["email"].encode() + b">\r\n")
        assert f.readline().startswith(b"220")
        with certs.client_context().wrap_socket(plain, server_hostname=HOSTNAME) as tls, tls.makefile("rb") as g:

            def command(line: bytes) -> bytes:
                tls.sendall(line + b"\r\n")
                reply = g.readline()
                while reply[3:4] == b"-":
                    reply = g.readline()
                return reply

            assert command(b"RCPT TO:<" + inbox["email"].encode() + b">").startswith(b"503")  # EHLO first
            assert command(b"EHLO client.example").startswith(b"250 ")
            assert command(b"RCPT TO:<" + inbox["email"].encode() + b">").startswith(b"503")  # no MAIL
            assert command(b"MAIL FROM:<good@example.com>").startswith(b"250")
            assert command(b"RCPT TO:<" + inbox["email"].encode() + b">").startswith(b"250")
            assert command(b"DATA").startswith(b"354")
            assert command(b"Subject: real\r\n\r\nx\r\n.").startswith(b"250")
    [listed] = emails_of(h, key, inbox)
    email = detail(h, key, inbox, listed["id"])
    assert email["subject"] == "real" and email["tls"] is True
    assert b"evil@example.com" not in h.http.get(email["raw_url"], headers=h.auth(key)).content


def test_starttls_twice_is_refused_and_the_session_goes_on(tls_harness, certs):
    h = tls_harness
    key = h.key()
    inbox = h.create_inbox(key)
    with smtplib.SMTP("127.0.0.1", h.smtp_port, timeout=10) as s:
        s.starttls(context=certs.client_context())
        s.ehlo("client.example")
        code, message = s.docmd("STARTTLS")
        assert code == 554 and message.startswith(b"5.5.1")
        assert s.noop()[0] == 250
        assert s.sendmail("a@example.com", inbox["email"], b"Subject: twice\r\n\r\nx\r\n") == {}
    [listed] = emails_of(h, key, inbox)
    assert listed["tls"] is True and listed["subject"] == "twice"


def test_swaks_delivers_over_starttls_with_verified_certificate(tls_harness, certs):
    swaks = require_tool("swaks", "apt-get install swaks")
    h = tls_harness
    key = h.key()
    inbox = h.create_inbox(key)
    result = subprocess.run(
        [swaks, "--server", f"127.0.0.1:{h.smtp_port}", "--to", inbox["email"], "--from", "swaks@example.com",
         "--tls", "--tls-verify", "--tls-ca-path", str(certs.ca_file), "--tls-sni", HOSTNAME,
         "--header", "Subject: over TLS", "--body", "Your code is 918273"],
        capture_output=True, timeout=30,
    )
    output = result.stdout.decode(errors="replace")
    assert result.returncode == 0, output[-3000:]
    assert "TLS started" in output
    [listed] = emails_of(h, key, inbox)
    assert listed["tls"] is True and listed["subject"] == "over TLS"
    assert detail(h, key, inbox, listed["id"])["codes"] == ["918273"]


def test_serve_refuses_a_missing_certificate_plainly(make_env, tmp_path):
    env = make_env(smtp={"tls_cert": str(tmp_path / "absent.pem"), "tls_key": str(tmp_path / "absent.key")})
    result = env.cli("serve", expect=1)
    assert "tls_cert" in result.output and "absent.pem" in result.output and "Traceback" not in result.output


def _handshake_with(port: int, certs: Certs) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as s:
        s.starttls(context=certs.client_context())


@pytest.mark.slow
def test_sighup_reloads_the_certificate_without_dropping_sessions(tmp_path):
    first, second = Certs(tmp_path, "first"), Certs(tmp_path, "second")
    live_cert, live_key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    live_cert.write_bytes(first.cert.read_bytes())
    live_key.write_bytes(first.key.read_bytes())
    server = ServeProcess(tmp_path)
    write_toml(server.config_path, {
        "storage": {"path": str(server.db)},
        "http": {"port": server.http_port},
        "smtp": {"port": server.smtp_port, "hostname": HOSTNAME, "tls_cert": str(live_cert), "tls_key": str(live_key)},
    })
    server.start()
    try:
        key = server.cli("keys", "create", "--owner", "tls").strip()
        inbox = httpx.post(server.base + "/api/v1/inbox", headers={"Authorization": f"Bearer {key}"}).json()["data"]
        # A session over TLS with the first certificate, open across the reload.
        session = smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=10)
        session.starttls(context=first.client_context())
        session.ehlo("client.example")
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake_with(server.smtp_port, second)

        live_cert.write_bytes(second.cert.read_bytes())  # certbot renews...
        live_key.write_bytes(second.key.read_bytes())
        assert server.proc is not None
        server.proc.send_signal(signal.SIGHUP)  # ...and systemctl reload sends SIGHUP
        deadline = time.monotonic() + 10
        while True:
            try:
                _handshake_with(server.smtp_port, second)
                break
            except ssl.SSLCertVerificationError:
                assert time.monotonic() < deadline, server.log.read_text()
                time.sleep(0.05)
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake_with(server.smtp_port, first)

        assert session.sendmail("a@example.com", inbox["email"], b"Subject: across\r\n\r\nx\r\n") == {}
        session.quit()
        # A broken file on the next reload keeps the second certificate in service.
        live_key.write_text("not a key")
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while "not reloaded" not in server.log.read_text():
            assert time.monotonic() < deadline, server.log.read_text()
            time.sleep(0.05)
        _handshake_with(server.smtp_port, second)
        assert server.proc.poll() is None
        emails = httpx.get(f"{server.base}/api/v1/inbox/{inbox['id']}?extended=1",
                           headers={"Authorization": f"Bearer {key}"}).json()["data"]["emails"]
        assert [(e["subject"], e["tls"]) for e in emails] == [("across", True)]
    finally:
        assert server.stop() == 0
