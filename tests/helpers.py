"""What the tests share: config files on disk, the app in process (`Harness`), on real
sockets in a thread (`Live`) or as a `dustmail-lite serve` subprocess (`ServeProcess`),
and `wait_until` for waiting on a state instead of sleeping."""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Callable

import httpx2 as httpx
import pytest
import uvicorn
from click.testing import CliRunner
from starlette.testclient import TestClient

from dustmail_lite.app import create_app
from dustmail_lite.cli import main
from dustmail_lite.config import Config, load


def wait_until(predicate: Callable[[], Any], timeout: float = 10, interval: float = 0.01) -> Any:
    """Poll `predicate` until it is true (and return its value); fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout}s waiting for {predicate}"
        time.sleep(interval)


def query(config: Config, sql: str, params: tuple = ()) -> list[tuple]:
    """Rows of `sql` on the store `config` names (SQLite file or PostgreSQL), as tuples."""
    import asyncio

    from dustmail_lite.store import Store

    async def run() -> list[tuple]:
        async with Store.from_config(config) as store:
            return [tuple(row) for row in await store._all(sql, params)]

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


class FakeClock:
    """A monotonic clock the test moves by hand (for `WindowCounter(clock=...)`)."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


REQUIRE_ALL = os.environ.get("CI") == "true" or os.environ.get("DUSTMAIL_REQUIRE_ALL") == "1"

# The store the servers of this run use: None for an SQLite file in the test's folder,
# else a function that makes a fresh PostgreSQL database and returns its URL.
new_database: Callable[[], str] | None = None


def use_postgres() -> None:
    global new_database
    import pgcluster

    new_database = lambda: pgcluster.shared_server().create_db()  # noqa: E731


def storage_section(sqlite_path: Path) -> dict[str, str]:
    """`[storage]` of a test's config: the SQLite file, or on PostgreSQL also a fresh database."""
    section = {"path": str(sqlite_path)}
    if new_database is not None:
        section["url"] = new_database()
    return section


def require_tool(name: str, hint: str) -> str:
    """Path of an external tool; skip without it locally, fail without it in CI."""
    path = shutil.which(name)
    if path:
        return path
    if REQUIRE_ALL:
        pytest.fail(f"{name} is required in CI ({hint})")
    pytest.skip(f"{name} not installed ({hint})")


def split_trace(raw: bytes) -> tuple[bytes, bytes]:
    """A stored message as (the Received: header the server prepended, the bytes as sent
    after line-end normalisation). Fails if the first header is not our trace header."""
    assert raw.startswith(b"Received: from "), raw[:200]
    end = 0
    while True:
        end = raw.index(b"\r\n", end) + 2
        if raw[end : end + 1] != b"\t":
            return raw[:end], raw[end:]


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(value)


def write_toml(path: Path, data: dict[str, Any]) -> None:
    lines: list[str] = []

    def section(prefix: str, table: dict[str, Any]) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict)}
        if prefix and scalars:
            lines.append(f"[{prefix}]")
        for key, value in scalars.items():
            lines.append(f"{key} = {toml_value(value)}")
        for key, value in table.items():
            if isinstance(value, dict):
                section(f"{prefix}.{key}" if prefix else key, value)

    section("", data)
    path.write_text("\n".join(lines) + "\n")


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Env:
    """A config file in a temp folder, and the CLI against it."""

    def __init__(self, folder: Path, overrides: dict[str, Any]) -> None:
        self.folder = folder
        self.config_path = folder / "dustmail.toml"
        data = merge(
            {
                "storage": storage_section(folder / "dustmail.sqlite3"),
                "http": {"port": 0},
                "smtp": {"port": 0, "hostname": "mx.test.example"},
                "domains": {"primary": "dustmail.test", "shared": ["shared.test"]},
            },
            overrides,
        )
        write_toml(self.config_path, data)
        self.config: Config = load(self.config_path)
        self.cli("init")  # admin commands refuse a database that does not exist yet

    def cli(self, *args: str, expect: int = 0, input: str | None = None) -> Any:
        # In a thread of its own: the CLI runs asyncio.run(), and a test driving Playwright's
        # sync API already has an event loop running in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            result = pool.submit(
                CliRunner().invoke, main, ["--config", str(self.config_path), *args], input=input,
                catch_exceptions=False,
            ).result()
        assert result.exit_code == expect, (result.exit_code, result.output, result.stderr)
        return result

    def key(self, owner: str = "alice", plan: str | None = None) -> str:
        """A new key; a new account is Free unless `plan` says otherwise."""
        args = ["keys", "create", "--owner", owner] + (["--plan", plan] if plan else [])
        return self.cli(*args).stdout.strip()


class Client:
    """API and SMTP helpers shared by the in-process and live servers."""

    http: Any
    smtp_port: int
    env: Env

    def key(self, owner: str = "alice", plan: str | None = None) -> str:
        return self.env.key(owner, plan)

    @staticmethod
    def auth(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def create_inbox(self, key: str, **body: Any) -> dict[str, Any]:
        r = self.http.post("/api/v1/inbox", json=body, headers=self.auth(key))
        assert r.status_code == 201, r.text
        return r.json()["data"]

    def smtp(self) -> smtplib.SMTP:
        return smtplib.SMTP("127.0.0.1", self.smtp_port, timeout=10)

    def send(
        self,
        to: str | list[str],
        subject: str = "Hello",
        body: str = "Hello there",
        html: str | None = None,
        sender: str = "sender@example.com",
    ) -> dict[str, tuple[int, bytes]]:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = to if isinstance(to, str) else ", ".join(to)
        message["Subject"] = subject
        message.set_content(body)
        if html is not None:
            message.add_alternative(html, subtype="html")
        with self.smtp() as s:
            return s.send_message(message)

    def send_raw(self, to: str | list[str], raw: bytes, sender: str = "sender@example.com") -> Any:
        with self.smtp() as s:
            return s.sendmail(sender, to, raw)


class Harness(Client):
    def __init__(self, client: TestClient, env: Env) -> None:
        self.http = client
        self.env = env
        self.server = client.app.state.server  # type: ignore[attr-defined]
        self.smtp_port = self.server.smtp.port

    def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Run an async function on the server's loop."""
        return self.http.portal.call(fn, *args)


class Live(Client):
    """The app under uvicorn in a thread, on real loopback sockets."""

    def __init__(self, env: Env) -> None:
        self.env = env
        self.app = create_app(env.config)
        self.server = self.app.state.server
        self.port = free_port()
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, lifespan="on", log_level="warning",
            timeout_graceful_shutdown=1,
        )
        self.uvicorn = uvicorn.Server(config)
        self.uvicorn.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self.uvicorn.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.uvicorn.started:
            assert self.thread.is_alive(), "server thread died during startup"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.base_url, timeout=30)
        self.smtp_port = self.server.smtp.port

    def stop(self) -> None:
        self.http.close()
        self.uvicorn.should_exit = True
        self.thread.join(15)


class ServeProcess:
    def __init__(self, folder: Path, extra: dict | None = None) -> None:
        self.http_port, self.smtp_port = free_port(), free_port()
        self.config_path = folder / "serve.toml"
        self.db = folder / "serve.sqlite3"
        data = merge(
            {
                "storage": storage_section(self.db),
                "http": {"port": self.http_port},
                "smtp": {"port": self.smtp_port},
            },
            extra or {},
        )
        self.db = Path(data["storage"]["path"])
        write_toml(self.config_path, data)
        self.env = {**os.environ, "DUSTMAIL_CONFIG": str(self.config_path)}
        self.base = f"http://127.0.0.1:{self.http_port}"
        self.log = folder / "serve.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dustmail_lite", "serve"],
                env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 45  # start-up on a loaded 2-core machine (imports, parser workers)
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "dustmail_lite", *args], env=self.env, capture_output=True, text=True, timeout=30
        )
        assert result.returncode == 0, result.stderr
        return result.stdout

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(20)
