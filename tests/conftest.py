"""Shared fixtures: a config on disk, the app in process, the app on real sockets.

`harness` runs the app with Starlette's TestClient (the lifespan runs, so SMTP
listens on a real loopback port); `live` runs it under uvicorn in a thread for
tests that need real HTTP (waits, event streams, concurrency).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest
import helpers
import pgcluster
from helpers import Env, Harness, Live
from starlette.testclient import TestClient

from dustmail_lite.app import create_app
from dustmail_lite.config import ENV_OVERRIDES


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fuzz-examples", type=int, default=None,
        help="examples per operation and property for the fuzz tests (default: a quick run)",
    )
    parser.addoption(
        "--backend", choices=("sqlite", "postgres"), default=os.environ.get("DUSTMAIL_TEST_BACKEND", "sqlite"),
        help="the store every test's server uses; postgres starts a throwaway PostgreSQL (or uses "
        "$DUSTMAIL_TEST_POSTGRES_URL) with a fresh database per test, and also runs the tests marked "
        "`postgres` (several nodes on one database)",
    )
    parser.addoption(
        "--slow", action="store_true", default=False,
        help="also run the tests marked `slow` (servers as subprocesses killed under load, the README's "
        "examples, the accessibility matrix; .ci/run runs them)",
    )
    parser.addoption(
        "--container", action="store_true", default=False,
        help="also run the tests marked `container` (podman builds and runs the image; minutes)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without --container, tests marked `container` are deselected (not skipped), and so
    are those marked `slow` without --slow; tests marked `postgres` only run with
    --backend=postgres. On PostgreSQL, tests marked
    `sqlite_only` are skipped with the marker's reason (they inspect the SQLite file)."""
    unwanted = set()
    if not config.getoption("--container"):
        unwanted.add("container")
    if not config.getoption("--slow"):
        unwanted.add("slow")
    postgres = config.getoption("--backend") == "postgres"
    if not postgres:
        unwanted.add("postgres")
    deselected = [item for item in items if any(item.get_closest_marker(m) for m in unwanted)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if item not in deselected]
    if postgres:
        for item in items:
            marker = item.get_closest_marker("sqlite_only")
            if marker:
                item.add_marker(pytest.mark.skip(reason="SQLite only: " + marker.kwargs["reason"]))


def pytest_configure(config: pytest.Config) -> None:
    # Tests write their own config files; overrides exported in the developer's shell
    # (DUSTMAIL_HTTP_PORT=...) would silently win over them.
    for name in ENV_OVERRIDES:
        os.environ.pop(name, None)
    os.environ.pop("DUSTMAIL_STORAGE_URL", None)
    if config.getoption("--backend") == "postgres":
        helpers.use_postgres()
    examples = config.getoption("--fuzz-examples")
    if examples:
        os.environ["DUSTMAIL_FUZZ_EXAMPLES"] = str(examples)


@pytest.hookimpl(trylast=True)  # after the session's fixtures (servers on it) are torn down
def pytest_sessionfinish(session: pytest.Session) -> None:
    # Here, not in pytest_unconfigure: a pytest-xdist worker reports itself finished after
    # this hook, and the controller then interrupts it within 5 s, which could cut a stop or
    # the removal of the cluster's directory short, leaving PostgreSQL running.
    pgcluster.stop_shared_server()


def pytest_unconfigure(config: pytest.Config) -> None:
    pgcluster.stop_shared_server()  # when the session never started (a usage error)


@pytest.fixture
def make_env(tmp_path: Path) -> Callable[..., Env]:
    counter = iter(range(1000))

    def make(**overrides: Any) -> Env:
        folder = tmp_path / f"env{next(counter)}"
        folder.mkdir()
        return Env(folder, overrides)

    return make


@pytest.fixture
def env(make_env: Callable[..., Env]) -> Env:
    return make_env()


@pytest.fixture
def make_harness(make_env: Callable[..., Env]) -> Iterator[Callable[..., Harness]]:
    clients: list[TestClient] = []

    def make(env: Env | None = None, **overrides: Any) -> Harness:
        env = env or make_env(**overrides)
        client = TestClient(create_app(env.config), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        return Harness(client, env)

    yield make
    for client in reversed(clients):
        client.__exit__(None, None, None)


@pytest.fixture
def harness(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness()


@pytest.fixture
def make_live(make_env: Callable[..., Env]) -> Iterator[Callable[..., Live]]:
    servers: list[Live] = []

    def make(env: Env | None = None, **overrides: Any) -> Live:
        server = Live(env or make_env(**overrides))
        servers.append(server)
        return server

    yield make
    for server in reversed(servers):
        server.stop()


@pytest.fixture
def live(make_live: Callable[..., Live]) -> Live:
    return make_live()
