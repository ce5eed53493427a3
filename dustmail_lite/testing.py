"""dustmail-lite for test suites: a whole server in a background thread, and the handle a
test uses (`Dustmail`: a client, an SMTP sender, inboxes deleted after the test).

The pytest plugin (`pytest_plugin.py`) is built from these; they work without pytest too.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import smtplib
import socket
import threading
import time
from collections.abc import Coroutine, Iterable
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

import uvicorn

from . import keys
from .api.models import Inbox
from .client import ApiError, Client
from .config import Config, from_dict
from .store import Store

T = TypeVar("T")

STARTUP_TIMEOUT = 30.0


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to the end from sync code, even where an event loop is running in
    this thread already (pytest-asyncio, Playwright's sync API): in a thread of its own."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _create_key(config: Config, owner: str, plan: str) -> str:
    async with Store.from_config(config) as store:
        account = await store.ensure_account(owner, plan)
        key = keys.generate()
        await store.add_key(account.id, keys.hash_key(key), keys.display_prefix(key), "testing")
        return key


class BackgroundServer:
    """`dustmail-lite serve` in this process: uvicorn in a daemon thread runs the app and its
    lifespan (SMTP, purge), HTTP and SMTP on free 127.0.0.1 ports, the database in `folder`.

    `key` belongs to a Premium account (`owner`): no rate limit, any username."""

    def __init__(self, folder: Path, owner: str = "pytest", settings: dict[str, Any] | None = None) -> None:
        data: dict[str, Any] = {
            "storage": {"path": str(folder / "dustmail.sqlite3")},
            "http": {"host": "127.0.0.1", "port": 0},
            "smtp": {"host": "127.0.0.1", "port": 0},
        }
        for section, values in (settings or {}).items():
            data[section] = {**data.get(section, {}), **values}
        self.config = from_dict(data, source="<dustmail_lite.testing>")
        self.owner = owner
        self.key = ""
        self.base_url = ""
        self.smtp_host = "127.0.0.1"
        self.smtp_port = 0
        self._socket: socket.socket | None = None
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> BackgroundServer:
        from .app import create_app  # here: a suite using a running server never imports the app

        self.key = self.create_key(self.owner, "premium")
        app = create_app(self.config)
        # Bound here and handed to uvicorn: the port is ours from the start, no race for it.
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        port = self._socket.getsockname()[1]
        config = uvicorn.Config(app, lifespan="on", log_level="warning", timeout_graceful_shutdown=1)
        server = uvicorn.Server(config)  # in a thread, uvicorn leaves signals alone
        self._uvicorn = server
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": [self._socket]}, name="dustmail-lite", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("dustmail-lite failed to start (see the log above)")
            if time.monotonic() > deadline:
                raise RuntimeError(f"dustmail-lite did not start within {STARTUP_TIMEOUT:g}s")
            time.sleep(0.01)
        self.base_url = f"http://127.0.0.1:{port}"
        self.smtp_port = app.state.server.smtp.port
        return self

    def create_key(self, owner: str, plan: str = "free") -> str:
        """A new key for `owner` (the account is created with `plan` if new)."""
        return run_async(_create_key(self.config, owner, plan))

    def stop(self) -> None:
        if self._uvicorn is not None and self._thread is not None:
            self._uvicorn.should_exit = True
            self._thread.join(30)
        if self._socket is not None:
            self._socket.close()


def message(
    to: str | Iterable[str],
    subject: str,
    text: str,
    html: str | None = None,
    sender: str = "app@example.com",
    headers: dict[str, str] | None = None,
) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to if isinstance(to, str) else ", ".join(to)
    mail["Subject"] = subject
    for name, value in (headers or {}).items():
        mail[name] = value
    mail.set_content(text)
    if html is not None:
        mail.add_alternative(html, subtype="html")
    return mail


class Dustmail:
    """What a test gets: `client` (a `Client` with the server's key), `smtp_host` and
    `smtp_port`, `new_inbox()` (deleted again by `cleanup()`), and `send()`."""

    def __init__(self, client: Client, smtp_host: str, smtp_port: int, key: str) -> None:
        self.client = client
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.key = key
        self.inboxes: list[Inbox] = []

    @property
    def base_url(self) -> str:
        return self.client.base_url

    def new_inbox(self, username: str | None = None, domain: str | None = None) -> Inbox:
        inbox = self.client.create_inbox(username=username, domain=domain)
        self.inboxes.append(inbox)
        return inbox

    def send(
        self,
        to: Inbox | str | Iterable[Inbox | str],
        subject: str = "Hello",
        text: str = "Hello there",
        html: str | None = None,
        sender: str = "app@example.com",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Send a mail over SMTP to inboxes (or addresses) of the server, as your app would."""
        targets = [to] if isinstance(to, (Inbox, str)) else list(to)
        addresses = [t.email if isinstance(t, Inbox) else t for t in targets]
        mail = message(addresses, subject, text, html, sender, headers)
        with smtplib.SMTP(self.smtp_host, self.smtp_port, timeout=30) as smtp:
            smtp.send_message(mail)

    def cleanup(self) -> None:
        """Delete the inboxes this handle created (those already gone are fine)."""
        while self.inboxes:
            inbox = self.inboxes.pop()
            try:
                self.client.delete_inbox(inbox)
            except ApiError as exc:
                if exc.status != 404:
                    raise
