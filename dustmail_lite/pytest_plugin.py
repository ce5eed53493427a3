"""The `dustmail` pytest fixture (registered with the `pytest11` entry point: installing
dustmail-lite is enough).

    def test_sign_up(dustmail):
        inbox = dustmail.new_inbox()
        my_app.sign_up(inbox.email)
        assert dustmail.client.wait_for_code(inbox, timeout=10) == "123456"

One server per test session: started in the background of the test process on free
127.0.0.1 ports with a temporary database, or, with `--dustmail-url URL --dustmail-key KEY`
(and `--dustmail-smtp HOST:PORT`), one already running. Inboxes made with
`dustmail.new_inbox()` are deleted after each test. Nothing here is autouse: a suite that
never asks for `dustmail` starts nothing. Imports are deferred to the fixtures so that every
pytest run of a project with dustmail-lite installed stays as fast as without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .client import Client
    from .testing import Dustmail

DEFAULT_SMTP_PORT = 1025


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dustmail", "dustmail-lite (the `dustmail` fixture)")
    group.addoption(
        "--dustmail-url",
        default=None,
        help="use the dustmail-lite server at this URL instead of starting one (needs --dustmail-key)",
    )
    group.addoption(
        "--dustmail-key", default=None, help="API key for --dustmail-url (a Premium key avoids limits)"
    )
    group.addoption(
        "--dustmail-smtp",
        default=None,
        help=f"HOST:PORT of that server's SMTP listener (default: the URL's host, port {DEFAULT_SMTP_PORT})",
    )


class DustmailSession:
    """The session's server (started here or running elsewhere) and its client."""

    def __init__(self, client: Client, smtp_host: str, smtp_port: int, key: str) -> None:
        self.client = client
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port
        self.key = key


@pytest.fixture(scope="session")
def dustmail_session(
    pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DustmailSession]:
    from urllib.parse import urlsplit

    from .client import Client
    from .testing import BackgroundServer

    url = pytestconfig.getoption("--dustmail-url")
    key = pytestconfig.getoption("--dustmail-key")
    if url:
        if not key:
            raise pytest.UsageError("--dustmail-url needs --dustmail-key")
        smtp = pytestconfig.getoption("--dustmail-smtp")
        host, _, port = (smtp or "").rpartition(":")
        with Client(url, key) as client:
            yield DustmailSession(
                client, host or urlsplit(url).hostname or "127.0.0.1", int(port or DEFAULT_SMTP_PORT), key
            )
        return
    server = BackgroundServer(tmp_path_factory.mktemp("dustmail")).start()
    try:
        with Client(server.base_url, server.key) as client:
            yield DustmailSession(client, server.smtp_host, server.smtp_port, server.key)
    finally:
        server.stop()


@pytest.fixture
def dustmail(dustmail_session: DustmailSession) -> Iterator[Dustmail]:
    """A handle on the session's dustmail-lite: `.client`, `.smtp_port`, `.new_inbox()`
    (deleted after the test) and `.send(to, subject, text, html=...)` over SMTP."""
    from .testing import Dustmail

    handle = Dustmail(
        dustmail_session.client, dustmail_session.smtp_host, dustmail_session.smtp_port, dustmail_session.key
    )
    yield handle
    handle.cleanup()
