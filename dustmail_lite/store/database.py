"""The SQLite connections: one writer (every write in `BEGIN IMMEDIATE` under a lock),
one reader beside it (WAL), migrations on open.

aiosqlite runs each connection on one thread, and coroutines sharing it would
interleave their transactions: hence the single writer and its lock.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from .engine import Engine, T, TransactionBody
from .errors import Conflict, StoreError
from .inthread import run_transaction
from .rows import now_ms
from .schema import MIGRATIONS, split_sql

log = logging.getLogger(__name__)

Row = sqlite3.Row


class Database(Engine):
    """The SQLite engine: connections, transactions and migrations."""

    dialect = "sqlite"

    def __init__(
        self,
        path: str | Path,
        *,
        busy_timeout: float = 5.0,
        synchronous: str = "FULL",
        now: Callable[[], int] = now_ms,
    ) -> None:
        self.path = str(path)
        self.now = now  # the clock (ms since the epoch) every query reads; tests move it
        self.busy_timeout = busy_timeout
        # FULL: a commit survives power loss, which is what a 250 promises. Only bulk
        # loads that can be redone (benchmark seeding) should pass "OFF".
        self.synchronous = synchronous
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def location(self) -> str:
        return self.path

    @property
    def data_folder(self) -> str | None:
        return str(Path(self.path).resolve().parent) if self.path != ":memory:" else "."

    async def _open_connections(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            # SQLite gives the -wal and -shm files the mode of the database file.
            private_file(self.path)
            for suffix in ("-wal", "-shm"):
                if Path(self.path + suffix).exists():
                    private_file(self.path + suffix)
        self._writer = await self._connect()
        # Must precede the first table; a no-op on an existing database.
        await self._writer.execute("PRAGMA auto_vacuum = INCREMENTAL")
        mode = await self._fetchval(self._writer, "PRAGMA journal_mode = WAL")
        if mode != "wal" and self.path != ":memory:":
            raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
        await self._migrate()
        self._reader = await self._connect()

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None, timeout=self.busy_timeout)
        conn.row_factory = sqlite3.Row  # rows are read by column name
        await conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        await conn.execute("PRAGMA secure_delete = ON")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        return conn

    async def _close_connections(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def _migrate(self) -> None:
        assert self._writer is not None
        await self._writer.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)"
        )
        for name, script in MIGRATIONS:
            async with self._transaction() as conn:
                done = await self._fetchval(conn, "SELECT 1 FROM migrations WHERE name = ?", (name,))
                if done:
                    continue
                for statement in split_sql(script):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, self.now())
                )
                log.info("applied migration %s", name)

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        assert self._reader is not None, "store is not open"
        try:
            # One round trip to the connection's thread (execute + fetch + close would be three).
            return list(await self._reader.execute_fetchall(sql, tuple(params)))
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from exc

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction on the single writer connection."""
        conn = self._writer
        assert conn is not None, "store is not open"
        async with self._write_lock:
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    await conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.IntegrityError):
                    raise Conflict(str(exc)) from exc
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(str(exc)) from exc
                raise

    async def _run_transaction(self, body: TransactionBody[T]) -> T:
        """`body` as one write transaction, run whole on the writer's thread (see `inthread`)."""
        assert self._writer is not None, "store is not open"
        async with self._write_lock:
            try:
                return await run_transaction(self._writer, body)
            except sqlite3.IntegrityError as exc:
                raise Conflict(str(exc)) from exc
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc

    async def vacuum_free_pages(self, pages: int = 2000) -> bool:
        """Give up to `pages` freed pages back to the file system; whether any were left."""
        assert self._writer is not None
        async with self._write_lock:
            try:
                if not await self._fetchval(self._writer, "PRAGMA freelist_count"):
                    return False
                # Each step of this pragma frees one page; executescript steps it to the end
                # (plain execute stops after the first page). It runs as its own transaction.
                await self._writer.executescript(f"PRAGMA incremental_vacuum({int(pages)});")
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc
        return True

    async def backup(self, target: str | Path) -> None:
        """A consistent online copy of the database at `target` (mode 0600)."""
        assert self._reader is not None
        private_file(target)
        dest = await aiosqlite.connect(str(target))
        try:
            await self._reader.backup(dest)
        finally:
            await dest.close()

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check")
        assert row is not None
        return str(row[0])


def private_file(path: str | Path) -> None:
    """Create `path` readable by its owner only, or make an existing file so. A file we
    may not change is left as it is, with a warning (SQLite reports what it cannot do)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    except OSError as exc:
        log.warning("cannot create %s as a private file: %s", path, exc)
        return
    try:
        os.fchmod(fd, 0o600)
    except OSError as exc:
        log.warning("cannot make %s private: %s", path, exc)
    finally:
        os.close(fd)
