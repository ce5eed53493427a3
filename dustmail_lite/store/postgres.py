"""The PostgreSQL engine and `PostgresStore`: a pool of asyncpg connections, migrations
under an advisory lock (nodes starting together apply each once), and LISTEN/NOTIFY so
that an email stored by any node reaches `on_committed` on every node."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from ..limits import Caps
from ..ratelimit import Windows
from .base import OnCommitted, Store
from .engine import Connection, Engine, Row
from .errors import StoreError, StoreUnavailable
from .listener import CHANNEL, Listener
from .pgconn import DATABASE_ERRORS, PgConnection, pg_params, pg_sql, store_error
from .rows import now_ms
from .schema_postgres import MIGRATIONS
from .slots import LEASE_MS, SharedCaps, renew_leases
from .webhooks import PayloadBuilder
from .windows import SharedWindows

log = logging.getLogger(__name__)

IDS_PER_NOTICE = 150  # a NOTIFY payload holds < 8000 bytes


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for pg_advisory_lock."""
    return int.from_bytes(hashlib.sha256(f"dustmail-lite:{name}".encode()).digest()[:8], "big", signed=True)


def without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd")
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [without_nul(v) for v in value]
    return value


async def end_transaction(conn: asyncpg.Connection) -> None:
    """What a connection given back to a pool needs: no open transaction. (asyncpg's default
    reset costs a round trip per statement; the store leaves no other session state, and
    releases its advisory locks where it takes them.)"""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


def redacted(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresDatabase(Engine):
    dialect = "postgres"
    events_in_commit_order = False

    def __init__(
        self,
        url: str,
        *,
        pool_size: int = 10,
        command_timeout: float = 10.0,
        connect_timeout: float = 5.0,
        now: Callable[[], int] = now_ms,
    ) -> None:
        self.url = url
        self.now = now
        self.pool_size = pool_size
        self.command_timeout = command_timeout
        self.connect_timeout = connect_timeout
        self.node_id = uuid.uuid4().hex  # tells this node's notices from the others'
        self._pool: asyncpg.Pool | None = None
        self._relaxed_pool: asyncpg.Pool | None = None
        self._listener: Listener | None = None
        self._lease_task: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[None]] = set()

    @property
    def location(self) -> str:
        return redacted(self.url)

    async def _open_connections(self) -> None:
        try:
            self._pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=self.pool_size,
                command_timeout=self.command_timeout,
                timeout=self.connect_timeout,
                reset=end_transaction,
            )
            # Counters (rate windows, open-request slots) need not survive a crash of the
            # database: their commits skip the wait for the WAL flush.
            self._relaxed_pool = await asyncpg.create_pool(
                self.url,
                min_size=1,
                max_size=max(2, self.pool_size // 2),
                command_timeout=self.command_timeout,
                timeout=self.connect_timeout,
                reset=end_transaction,
                server_settings={"synchronous_commit": "off"},
            )
            await self._migrate()
            if not self._wants_notices():
                return  # a CLI command: nobody to tell
            self._listener = Listener(self, self._relay)
            await self._listener.start()
        except DATABASE_ERRORS as exc:
            await self._close_connections()
            raise store_error(exc) from exc
        self._lease_task = asyncio.create_task(self._renew_leases(), name="store-leases")

    def in_background(self, job: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(job)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _close_connections(self) -> None:
        if self._background:
            await asyncio.wait(set(self._background), timeout=5)
        if self._lease_task is not None:
            self._lease_task.cancel()
            try:
                await self._lease_task
            except asyncio.CancelledError:
                pass
            self._lease_task = None
        if self._listener is not None:
            await self._listener.stop()
            self._listener = None
        for pool in (self._pool, self._relaxed_pool):
            if pool is not None:
                await pool.close()
        self._pool = self._relaxed_pool = None

    async def _migrate(self) -> None:
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            # Session-level: held across the migrations' own transactions, freed if we die.
            await conn.execute("SELECT pg_advisory_lock($1)", advisory_key("migrations"))
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS migrations"
                    " (name TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)"
                )
                for name, script in MIGRATIONS:
                    async with conn.transaction():
                        if await conn.fetchval("SELECT 1 FROM migrations WHERE name = $1", name):
                            continue
                        await conn.execute(script)
                        await conn.execute(
                            "INSERT INTO migrations (name, applied_at) VALUES ($1, $2)", name, self.now()
                        )
                        log.info("applied migration %s", name)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", advisory_key("migrations"))

    def _ready_pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreUnavailable("store is not open")
        return self._pool

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        try:
            return list(await self._ready_pool().fetch(pg_sql(sql), *pg_params(params)))
        except DATABASE_ERRORS as exc:
            raise store_error(exc) from exc

    async def _counter_one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        """One statement on a counter (its own transaction, committed without a flush wait)."""
        pool = self._relaxed_pool
        if pool is None:
            raise StoreUnavailable("store is not open")
        try:
            return await pool.fetchrow(pg_sql(sql), *pg_params(params))
        except DATABASE_ERRORS as exc:
            raise store_error(exc) from exc

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Connection]:
        pool = self._ready_pool()
        try:
            raw = await pool.acquire()
        except DATABASE_ERRORS as exc:
            raise store_error(exc) from exc
        try:
            transaction = raw.transaction()
            try:
                await transaction.start()
                yield PgConnection(raw)
            except BaseException as exc:
                try:
                    await transaction.rollback()
                except DATABASE_ERRORS:
                    pass  # a lost connection has no transaction left to end
                if isinstance(exc, DATABASE_ERRORS):
                    raise store_error(exc) from exc
                raise
            try:
                await transaction.commit()
            except DATABASE_ERRORS as exc:
                raise store_error(exc) from exc
        finally:
            try:
                await pool.release(raw)
            except DATABASE_ERRORS:
                pass  # a connection the server ended: the pool replaces it

    async def _announce(self, conn: Connection, email_ids: list[str]) -> None:
        if self._listener is not None:
            self._listener.published(email_ids)
        # Delivered by PostgreSQL when (and only if) this transaction commits.
        for start in range(0, len(email_ids), IDS_PER_NOTICE):
            payload = json.dumps({"node": self.node_id, "ids": email_ids[start : start + IDS_PER_NOTICE]})
            await conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, payload))

    @staticmethod
    def _json_text(value: Any) -> str:
        # PostgreSQL's JSON functions refuse \u0000 (its text cannot hold NUL): as pg_params does.
        return json.dumps(without_nul(value), separators=(",", ":"))

    async def _forget_expired(self, now: int) -> None:
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM rate_windows WHERE expires_at <= ?", (now,))
            await conn.execute("DELETE FROM long_requests WHERE expires_at <= ?", (now,))

    async def _after_bulk_load(self, conn: Connection) -> None:
        for table, column in (
            ("accounts", "id"),
            ("inboxes", "pk"),
            ("emails", "seq"),
            ("webhook_deliveries", "id"),
            ("smtp_refusals", "id"),
        ):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
                f" coalesce((SELECT max({column}) FROM {table}), 0) + 1, false)"
            )

    def window_counter(self, scope: str) -> Windows:
        return SharedWindows(self, scope)

    def concurrency_caps(self, kind: str, limit: int) -> Caps:
        return SharedCaps(self, kind, limit)

    @staticmethod
    def lock_key(name: str) -> int:
        return advisory_key(name)

    @asynccontextmanager
    async def exclusive(self, job: str) -> AsyncIterator[bool]:
        pool = self._ready_pool()
        key = advisory_key(job)
        try:
            raw = await pool.acquire()
        except DATABASE_ERRORS as exc:
            raise store_error(exc) from exc
        try:
            # A session lock: if this node dies, its connection ends and the lock with it.
            if not await raw.fetchval("SELECT pg_try_advisory_lock($1)", key):
                yield False
                return
            try:
                yield True
            finally:
                try:
                    await raw.execute("SELECT pg_advisory_unlock($1)", key)
                except DATABASE_ERRORS:
                    pass  # the session is gone, and its lock with it
        finally:
            try:
                await pool.release(raw)
            except DATABASE_ERRORS:
                pass  # a connection the server ended: the pool replaces it

    async def _renew_leases(self) -> None:
        """This node's open long requests stay counted while it lives (`slots`)."""
        while True:
            await asyncio.sleep(LEASE_MS / 3000)
            try:
                await renew_leases(self)
            except StoreError as exc:
                log.warning("could not renew the leases of open requests: %s", exc)

    def _wants_notices(self) -> bool:
        return False

    async def _relay(self, ids: list[str]) -> None:
        raise NotImplementedError


class PostgresStore(Store, PostgresDatabase):
    def __init__(
        self,
        url: str,
        *,
        max_emails_per_inbox: int = 1000,
        address_quarantine: float = 0.0,
        max_batch: int = 256,
        pool_size: int = 10,
        on_committed: OnCommitted | None = None,
        webhook_payload: PayloadBuilder | None = None,
        now: Callable[[], int] = now_ms,
    ) -> None:
        PostgresDatabase.__init__(self, url, pool_size=pool_size, now=now)
        self._settings(
            max_emails_per_inbox=max_emails_per_inbox,
            address_quarantine=address_quarantine,
            max_batch=max_batch,
            on_committed=on_committed,
            webhook_payload=webhook_payload,
        )

    def _wants_notices(self) -> bool:
        return self.on_committed is not None

    async def _relay(self, ids: list[str]) -> None:
        if self.on_committed is not None:
            stored = await self.stored_emails(ids)
            if stored:
                self.on_committed(stored)
        if self.on_webhooks_queued is not None:
            self.on_webhooks_queued()
