"""A throwaway PostgreSQL server for the tests: `initdb` in a temporary directory (as an
unprivileged user when the tests run as root, as CI does), listening on a free loopback
port and a private unix socket directory. Databases are made per test with `create_db`."""

from __future__ import annotations

import asyncio
import concurrent.futures
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg

BINARY_DIRS = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True)


def find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for folder in BINARY_DIRS:
        candidate = os.path.join(folder, name)
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_async(coro: Any) -> Any:
    """Run a coroutine to completion from sync code (also where a loop already runs)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


class PgCluster:
    def __init__(self, fsync: bool = False) -> None:
        initdb, postgres = find_binary("initdb"), find_binary("postgres")
        if not initdb or not postgres:
            raise FileNotFoundError("PostgreSQL server binaries (Debian package postgresql)")
        self.postgres = postgres
        self.root = Path(tempfile.mkdtemp(prefix="dustmail-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        self.port = free_port()
        self.fsync = fsync
        self.proc: subprocess.Popen[bytes] | None = None
        # postgres refuses to run as root: hand the directory to an unprivileged user.
        self.user = "nobody" if os.geteuid() == 0 else None
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.root, entry.pw_uid, entry.pw_gid)
        self._run([initdb, "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                   "--locale=C", "--no-sync"])
        self.start()

    def _user_kwargs(self) -> dict[str, Any]:
        if not self.user:
            return {}
        entry = pwd.getpwnam(self.user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _run(self, args: list[str]) -> None:
        result = subprocess.run(args, capture_output=True, text=True, timeout=120, **self._user_kwargs())
        assert result.returncode == 0, result.stdout + result.stderr

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.root),
            "max_connections": "300",
            "fsync": "on" if self.fsync else "off",
            "full_page_writes": "on" if self.fsync else "off",
            "shared_buffers": "64MB",
        }
        args = [self.postgres, "-D", str(self.data)]
        for key, value in settings.items():
            args += ["-c", f"{key}={value}"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, **self._user_kwargs())
        deadline = time.monotonic() + 30
        while True:
            assert self.proc.poll() is None, self.log.read_text()
            try:
                run_async(self._ping())
                return
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                pass
            assert time.monotonic() < deadline, self.log.read_text()
            time.sleep(0.05)

    async def _ping(self) -> None:
        conn = await asyncpg.connect(self.admin_url, timeout=2)
        await conn.close()

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Stop the server (SIGINT: PostgreSQL's fast shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(60)
        self.proc = None

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def create_db(self) -> str:
        """A new empty database; its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        run_async(self._admin(f'CREATE DATABASE "{name}"'))
        return self.url(name)

    async def _admin(self, sql: str) -> None:
        conn = await asyncpg.connect(self.admin_url, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()


class ExternalServer:
    """A server the developer gives as $DUSTMAIL_TEST_POSTGRES_URL (an admin URL)."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def create_db(self) -> str:
        name = "t_" + uuid.uuid4().hex[:16]

        async def create() -> None:
            conn = await asyncpg.connect(self.admin_url, timeout=10)
            try:
                await conn.execute(f'CREATE DATABASE "{name}"')
            finally:
                await conn.close()

        run_async(create())
        base, _, _ = self.admin_url.rpartition("/")
        return f"{base}/{name}"

    def destroy(self) -> None:
        pass


_shared: PgCluster | ExternalServer | None = None


def shared_server() -> PgCluster | ExternalServer:
    """The session's server: $DUSTMAIL_TEST_POSTGRES_URL, else a throwaway cluster."""
    global _shared
    if _shared is None:
        external = os.environ.get("DUSTMAIL_TEST_POSTGRES_URL")
        _shared = ExternalServer(external) if external else PgCluster()
    return _shared


def stop_shared_server() -> None:
    global _shared
    if _shared is not None:
        _shared.destroy()
        _shared = None
