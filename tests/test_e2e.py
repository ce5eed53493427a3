"""End to end: `dustmail-lite serve` as a subprocess, driven by the contract's own clients."""

from __future__ import annotations

import json
import socket
import signal
import smtplib
import sqlite3
import subprocess
import sys
from pathlib import Path
from email.message import EmailMessage

import pytest
from helpers import ServeProcess, free_port, require_tool, write_toml

from dustmail_lite.config import load


CONTRACT = Path(__file__).resolve().parent.parent / "docs" / "dustmail-api.md"


def contract_snippet(first_line: str) -> str:
    """The indented client example in the contract that starts with `first_line` (a comment)."""
    lines = CONTRACT.read_text().splitlines()
    start = lines.index("    " + first_line) + 1
    snippet = []
    for line in lines[start:]:
        if not line.startswith("    "):
            break
        snippet.append(line[4:])
    assert snippet, first_line
    return "\n".join(snippet) + "\n"


@pytest.fixture
def serve(tmp_path):
    server = ServeProcess(tmp_path)
    server.start()
    yield server
    if server.proc and server.proc.poll() is None:
        server.proc.kill()
        server.proc.wait()


def deliver(port: int, to: str, subject: str) -> None:
    message = EmailMessage()
    message["From"] = "Sender <sender@example.com>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Click the link below to verify: https://app.example/verify?t=1\nYour code is 613370")
    with smtplib.SMTP("127.0.0.1", port) as s:
        s.send_message(message)


def test_serve_end_to_end_with_the_contracts_clients(serve):
    log = serve.log.read_text()
    hint = f"No API keys yet. Create one with: {sys.executable} -m dustmail_lite --config {serve.config_path} keys create"
    assert hint in log
    key = serve.cli("keys", "create", "--owner", "me").strip()
    curl = require_tool("curl", "Debian package curl")

    # The contract's curl command, base URL swapped.
    created = subprocess.run(
        [curl, "-s", "-X", "POST", f"{serve.base}/api/v1/inbox", "-H", f"Authorization: Bearer {key}",
         "-H", "Content-Type: application/json", "-d", "{}"],
        capture_output=True, text=True, check=True,
    )
    inbox = json.loads(created.stdout)["data"]
    deliver(serve.smtp_port, inbox["email"], "Verify your email address")

    listed = subprocess.run(
        [curl, "-s", f"{serve.base}/api/v1/inbox", "-H", f"Authorization: Bearer {key}"],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(listed.stdout)["data"][0]["email_count"] == 1

    # The contract's Python and Node.js snippets, read from it, unchanged but for the base URL, id and key.
    def from_contract(snippet: str) -> str:
        return (snippet.replace("https://dustmail.net", serve.base).replace("YOUR_INBOX_ID", inbox["id"])
                .replace("dm_live_your_api_key", key))

    result = subprocess.run([sys.executable, "-c", from_contract(contract_snippet("# Python"))],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "Received 1 emails"

    node = require_tool("node", "Debian package nodejs, Node 18+ for fetch")
    script = from_contract(contract_snippet("// Node.js"))
    result = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    assert "subject: 'Verify your email address'" in result.stdout and "from: 'sender@example.com'" in result.stdout
    # The same with the output as JSON, to check every field.
    script = script.replace("console.log(data.emails);", "console.log(JSON.stringify(data.emails));")
    result = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True, text=True, check=True)
    [email] = json.loads(result.stdout)
    assert email["subject"] == "Verify your email address" and email["from"] == "sender@example.com"

    deleted = subprocess.run(
        [curl, "-s", "-X", "DELETE", f"{serve.base}/api/v1/inbox/{inbox['id']}", "-H", f"Authorization: Bearer {key}"],
        capture_output=True, text=True, check=True,
    )
    assert json.loads(deleted.stdout)["message"] == "Inbox deleted"

    assert serve.stop(signal.SIGTERM) == 0
    if not load(serve.config_path).storage.url:
        with sqlite3.connect(serve.db) as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_serve_refuses_a_bad_config(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[smtp]\nport = \"twenty-five\"\n")
    result = subprocess.run(
        [sys.executable, "-m", "dustmail_lite", "--config", str(path), "serve"],
        capture_output=True, text=True, timeout=30,
    )
    assert result.returncode != 0
    assert f"{path}: 'smtp.port': expected an integer" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_says_plainly_when_a_port_is_taken(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        path = tmp_path / "c.toml"
        write_toml(path, {"storage": {"path": str(tmp_path / "db.sqlite3")}, "http": {"port": free_port()},
                          "smtp": {"port": port}})
        result = subprocess.run(
            [sys.executable, "-m", "dustmail_lite", "--config", str(path), "serve"],
            capture_output=True, text=True, timeout=30,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port} for SMTP" in result.stderr and "[smtp] port" in result.stderr
    assert "Traceback" not in result.stderr


def _http_exchange(port: int, request: bytes) -> bytes:
    """Send `request` (sendall), then read until the server closes or 2 s of silence."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused mid-upload: the answer was written before the close
        sock.settimeout(2)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except (TimeoutError, ConnectionResetError):
            pass
        return answer


def test_a_request_head_over_64_kb_gets_a_json_431_and_a_large_one_under_it_is_served(serve):
    """httptools keeps any header in memory until it ends: serve caps the request head."""
    huge = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    answer = _http_exchange(serve.http_port, huge)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 431"), answer[:200]
    assert json.loads(body) == {
        "success": False,
        "error": {"code": "request_head_too_large", "message": "The request line and headers are over 64 KB."},
    }
    # 60 KB of cookies pass, and the connection serves a second request after the first.
    cookie = b"Cookie: c=" + b"b" * (60 * 1024) + b"\r\n"
    one = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + cookie + b"\r\n"
    two = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\n" + cookie + b"Connection: close\r\n\r\n"
    answer = _http_exchange(serve.http_port, one + two)
    assert answer.count(b"HTTP/1.1 200") == 2, answer[:300]
