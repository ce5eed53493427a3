"""The README runs as written: its quick start and its test examples, against a live `serve`.

The blocks are found by the `<!-- test: NAME -->` comment right above their fence. The only
change made to them is the ports: tests never use fixed ports, so `8025`/`1025` become free
ones (and `serve` gets `--port`/`--smtp-port`). `serve` runs in a fresh folder with a fresh
home directory, as on a new machine; `.venv` there is this test run's environment.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from helpers import free_port, require_tool

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()

_BLOCK = re.compile(r"<!-- test: ([\w-]+) -->\n```(\w+)\n(.*?)\n```", re.DOTALL)


def blocks(name: str) -> list[str]:
    return [body for tag, _lang, body in _BLOCK.findall(README) if tag == name]


def test_the_readme_shows_exactly_two_set_up_commands_and_ci_runs_the_test_one():
    [serve], [suite] = blocks("serve"), blocks("suite")
    assert README.count("python3 -m venv .venv") == 2
    assert serve == "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/dustmail-lite serve"
    assert suite == "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest"
    assert suite in (ROOT / ".ci" / "run").read_text().splitlines()


def with_ports(text: str, http_port: int, smtp_port: int) -> str:
    """The README's fixed ports replaced by this test's; each replaced pattern must be there."""
    out = text
    for pattern, replacement in (
        ("127.0.0.1:8025", f"127.0.0.1:{http_port}"),
        ('("127.0.0.1", 1025)', f'("127.0.0.1", {smtp_port})'),
    ):
        out = out.replace(pattern, replacement)
    assert "8025" not in out and "1025" not in out, out
    return out


def _venv(folder: Path) -> Path:
    """`.venv` in `folder` for the README's `.venv/bin/dustmail-lite`: this run's environment."""
    venv = folder / ".venv"
    if (Path(sys.prefix) / "bin" / "dustmail-lite").exists():
        venv.symlink_to(sys.prefix)
    else:  # the suite runs outside a virtualenv: the same interpreter behind the same path
        (venv / "bin").mkdir(parents=True)
        script = venv / "bin" / "dustmail-lite"
        script.write_text(f'#!/bin/sh\nexec {sys.executable} -m dustmail_lite "$@"\n')
        script.chmod(0o755)
    return venv


class Readme:
    """A fresh folder and home, and the README's `serve` running there."""

    def __init__(self, tmp: Path) -> None:
        self.folder = tmp / "clone"
        self.home = tmp / "home"
        self.folder.mkdir()
        self.home.mkdir()
        _venv(self.folder)
        self.http_port, self.smtp_port = free_port(), free_port()
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("DUSTMAIL_", "XDG_"))}
        self.env = {**environ, "HOME": str(self.home)}
        self.log_path = tmp / "serve.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        [serve] = blocks("serve")
        command = serve.split(" && ")[-1] + f" --port {self.http_port} --smtp-port {self.smtp_port}"
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                # exec: the shell becomes serve, so terminate() reaches the server itself
                ["sh", "-c", f"exec {command}"], cwd=self.folder, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 20
        while True:
            assert self.proc.poll() is None, self.log
            try:
                if httpx.get(f"http://127.0.0.1:{self.http_port}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.log
            time.sleep(0.05)

    @property
    def log(self) -> str:
        return self.log_path.read_text()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(20)

    def key(self) -> str:
        result = subprocess.run(
            [str(self.folder / ".venv/bin/dustmail-lite"), "keys", "create", "--owner", "tests"],
            cwd=self.home, env=self.env, capture_output=True, text=True, timeout=30, check=True,
        )
        return result.stdout.strip()


@pytest.fixture
def readme(tmp_path):
    server = Readme(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
def test_the_quick_start_runs_verbatim_on_a_fresh_machine(readme):
    require_tool("curl", "Debian package curl")
    steps = blocks("quickstart")
    assert len(steps) >= 4, "the quick start's blocks lost their <!-- test: quickstart --> marks"
    # What a reader does: the blocks, one after the other, in one shell; stop at the first failure.
    script = "set -eu\n" + "\n".join(with_ports(step, readme.http_port, readme.smtp_port) for step in steps)
    script += '\necho "ID=$ID EMAIL=$EMAIL"\n'
    result = subprocess.run(
        ["bash", "-c", script], cwd=readme.folder, env=readme.env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, (result.stdout, result.stderr, readme.log)
    lines = result.stdout.strip().splitlines()
    inbox_id, email = re.fullmatch(r"ID=(\S+) EMAIL=(\S+)", lines[-1]).groups()  # type: ignore[union-attr]
    created, waited, listed, shown, deleted = (json.loads(line) for line in lines[:-1])
    assert created["data"]["id"] == inbox_id and created["data"]["email"] == email
    assert email.endswith("@dustmail.localhost")
    assert waited["data"]["codes"] == ["123456"] and waited["data"]["subject"] == "Your code"
    assert waited["data"]["from"] == "app@example.com" and waited["data"]["from_name"] == "Acme"
    assert [i["id"] for i in listed["data"]] == [inbox_id] and listed["data"][0]["email_count"] == 1
    assert shown["data"]["emails"][0]["subject"] == "Your code"
    assert deleted == {"success": True, "message": "Inbox deleted", "meta": deleted["meta"]}
    # The key went into the database the server uses: the documented default location.
    assert "database: " + str(readme.home / ".local/share/dustmail-lite/dustmail.sqlite3") in result.stderr
    # serve's hint named the command that works from the reader's second terminal.
    assert f"No API keys yet. Create one with: {readme.folder / '.venv/bin/dustmail-lite'} keys create" in readme.log
    assert re.search(rf"INFO dustmail_lite\.smtp: delivered client=127\.0\.0\.1 tls=no from=<app@example\.com> "
                     rf"to=<{re.escape(email)}> size=\d+ code=250 .*ids=\S+", readme.log), readme.log


@pytest.mark.slow
def test_the_log_sample_in_the_readme_is_what_serve_writes(readme):
    """Deliver one mail and refuse one, as the README's sample shows, and compare line shapes."""
    import smtplib

    [sample] = blocks("log-sample")
    delivered_sample, refused_sample = sample.splitlines()
    key = readme.key()
    inbox = httpx.post(f"http://127.0.0.1:{readme.http_port}/api/v1/inbox",
                       headers={"Authorization": f"Bearer {key}"}).json()["data"]
    with smtplib.SMTP("127.0.0.1", readme.smtp_port, timeout=10) as smtp:
        smtp.sendmail("app@example.com", [inbox["email"]], b"Subject: hi\r\n\r\nhello\r\n")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            smtp.sendmail("app@example.com", ["nobody@dustmail.localhost"], b"Subject: hi\r\n\r\nhello\r\n")

    def shape(line: str) -> list[str]:
        """The logger, the event and the field names, in order; values vary from run to run."""
        words = re.sub(r'"[^"]*"', "", line.split(" ", 2)[2])
        return [w.split("=")[0] + ("=" if "=" in w else "") for w in words.split()]

    log = readme.log.splitlines()
    delivered = [line for line in log if " delivered " in line]
    refused = [line for line in log if " recipient refused " in line]
    assert len(delivered) == 1 and len(refused) == 1, readme.log
    assert " aborted " not in readme.log  # a completed session is not mistaken for a cut-off one
    assert shape(delivered[0]) == shape(delivered_sample)
    assert shape(refused[0]) == shape(refused_sample)
    assert "code=550" in refused[0] and "code=550" in refused_sample


@pytest.mark.slow
def test_the_pytest_example_runs(readme, tmp_path):
    [example] = blocks("pytest-example")
    test_file = tmp_path / "example" / "test_sign_up.py"
    test_file.parent.mkdir()
    test_file.write_text(with_ports(example, readme.http_port, readme.smtp_port))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test_file)],
        # No plugins: the example needs plain pytest, and this suite's plugins take seconds to load.
        cwd=test_file.parent, env={**readme.env, "DUSTMAIL_KEY": readme.key(), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.slow
def test_the_pytest_plugin_example_runs_with_only_the_installed_plugin(tmp_path):
    """The sign-up test of "The pytest plugin", in a pytest of its own: the `dustmail` fixture
    comes from the installed package's entry point and starts its own server."""
    [example] = blocks("pytest-plugin")
    assert len(example.splitlines()) <= 15
    test_file = tmp_path / "test_readme_sign_up.py"
    test_file.write_text(example)
    result = subprocess.run(
        # This suite's other plugins are left out only because they take seconds to load.
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
         "-p", "no:schemathesis", str(test_file)],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


@pytest.mark.slow
def test_the_node_example_runs(readme, tmp_path):
    import smtplib
    from email.message import EmailMessage

    node = require_tool("node", "Debian package nodejs, Node 18+ for fetch")
    [example] = blocks("node-example")
    script = tmp_path / "example.mjs"
    script.write_text(with_ports(example, readme.http_port, readme.smtp_port))
    proc = subprocess.Popen(
        [node, str(script)], env={**readme.env, "DUSTMAIL_KEY": readme.key()},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        address = proc.stdout.readline().strip()  # the example prints the inbox's address first
        assert address.endswith("@dustmail.localhost"), (address, proc.stderr.read() if proc.stderr else "")
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "noreply@myapp.example", address, "Welcome"
        message.set_content("Your code is 771205. Confirm: https://myapp.example/c?t=9")
        with smtplib.SMTP("127.0.0.1", readme.smtp_port, timeout=10) as smtp:
            smtp.send_message(message)
        out, err = proc.communicate(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert out.strip() == "771205 https://myapp.example/c?t=9"
