"""What the query modules build on, whichever database engine runs them.

The query modules (`accounts`, `inboxes`, `emails`, ...) are written once, with `?`
placeholders, against the calls of an aiosqlite connection: `execute` (awaited for a
cursor with `rowcount`, or `async with` for `fetchone`/`fetchall`), `executemany` and
`execute_fetchall`. The SQLite engine (`database.py`) hands out aiosqlite connections;
the PostgreSQL engine (`postgres.py`) hands out an adapter with the same calls that
rewrites the placeholders to `$1, $2, ...`. Where the dialects differ, a query module
asks `self.dialect` and the other engine's text lives beside it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Generator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, ClassVar, Protocol, TypeVar

from ..limits import Caps, ConcurrencyCaps
from ..ratelimit import LocalWindows, Windows
from .errors import StoreError

# sqlite3.Row or asyncpg.Record: read by column name or position, `keys()`.
Row = Any

# SQLite fragments -> their PostgreSQL twins, replaced in every statement run on PostgreSQL.
# A query module that needs SQLite-only syntax registers the twin beside it.
POSTGRES_TWINS: dict[str, str] = {}


def postgres_twin(sqlite: str, postgres: str) -> str:
    """Register `postgres` as the twin of the SQLite fragment `sqlite`; returns `sqlite`."""
    POSTGRES_TWINS[sqlite] = postgres
    return sqlite


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    async def fetchone(self) -> Any: ...

    async def fetchall(self) -> Iterable[Any]: ...

    def __aiter__(self) -> AsyncIterator[Any]: ...


class PendingCursor(Protocol):
    def __await__(self) -> Generator[Any, None, Cursor]: ...

    async def __aenter__(self) -> Cursor: ...

    async def __aexit__(self, *exc: Any) -> Any: ...


class Connection(Protocol):
    """What the query modules may call: aiosqlite.Connection, or pgconn.PgConnection."""

    def execute(self, sql: str, parameters: Iterable[Any] = ...) -> PendingCursor: ...

    def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> Awaitable[Any]: ...

    def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ...) -> Awaitable[Iterable[Any]]: ...


T = TypeVar("T")
TransactionBody = Callable[[Connection], Coroutine[Any, Any, T]]


class Engine:
    """The connections, transactions and migrations of one database engine."""

    dialect: ClassVar[str]
    # Whether `on_committed` hears of each account's emails in event id order (one process
    # writes). With several nodes, another node's email may be heard after a later one.
    events_in_commit_order: ClassVar[bool] = True
    now: Callable[[], int]  # the clock (ms since the epoch) every query reads; tests move it

    @property
    def location(self) -> str:
        """Where the data lives, for logs (no password)."""
        raise NotImplementedError

    @property
    def data_folder(self) -> str | None:
        """The local folder the data is written to (for the free-disk floor), if any."""
        return None

    async def _open_connections(self) -> None:
        raise NotImplementedError

    async def _close_connections(self) -> None:
        raise NotImplementedError

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Row]:
        raise NotImplementedError

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Row | None:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _count(self, sql: str, params: Iterable[Any] = ()) -> int:
        row = await self._one(sql, params)
        assert row is not None
        return int(row[0])

    @staticmethod
    async def _fetchval(conn: Connection, sql: str, params: Iterable[Any] = ()) -> Any:
        rows = list(await conn.execute_fetchall(sql, tuple(params)))  # one round trip (a cursor: three)
        return rows[0][0] if rows else None

    def _transaction(self) -> AbstractAsyncContextManager[Connection]:
        """One write transaction; the connection it yields takes `?` placeholders."""
        raise NotImplementedError

    async def _run_transaction(self, body: TransactionBody[T]) -> T:
        """`await body(conn)` as one write transaction. For the hottest writes (a delivery):
        an engine may run it more cheaply than statement by statement on the loop, so
        `body` must only await `conn`'s calls."""
        async with self._transaction() as conn:
            return await body(conn)

    async def _lock_inboxes(self, conn: Connection, inbox_pks: Iterable[int]) -> None:
        """PostgreSQL: take the inboxes' row locks (in pk order) before the accounts'. The
        triggers of a deleted email lock its inbox, then its account; a writer taking the
        account first would deadlock with it. Deliveries, deleting an email and the purge take
        them here. (SQLite runs one write at a time.)"""
        if self.dialect != "postgres":
            return
        pks = sorted(inbox_pks)
        await conn.execute(
            f"SELECT pk FROM inboxes WHERE pk IN ({','.join('?' * len(pks))}) ORDER BY pk FOR UPDATE", pks
        )

    async def _announce(self, conn: Connection, email_ids: list[str]) -> None:
        """Called in the transaction that stores new emails: a multi-node engine tells the
        other nodes here (so they hear of it exactly when it commits)."""

    @staticmethod
    def _json_text(value: Any) -> str:
        """A JSON column's text."""
        return json.dumps(value, separators=(",", ":"))

    async def _forget_expired(self, now: int) -> None:
        """Called by the purge: drop the engine's own lapsed rows (shared counters)."""

    async def _after_bulk_load(self, conn: Connection) -> None:
        """After rows were inserted with their own keys (`storage copy`): let generated
        keys continue after them."""

    async def vacuum_free_pages(self, pages: int = 2000) -> bool:
        """Give freed space back to the file system; whether any was left to give."""
        return False

    async def backup(self, target: str) -> None:
        """A consistent online copy of the database at `target`."""
        raise StoreError(f"{self.dialect}: no online backup here; use the engine's own tools")

    def window_counter(self, scope: str) -> Windows:
        """Fixed-window request counters for `scope`; shared by every node where the
        engine can share them, else in this process's memory."""
        return LocalWindows()

    def concurrency_caps(self, kind: str, limit: int) -> Caps:
        """Per-account caps on open long requests of `kind`; shared by every node where the
        engine can share them, else in this process's memory."""
        return ConcurrencyCaps(limit)

    @asynccontextmanager
    async def exclusive(self, job: str) -> AsyncIterator[bool]:
        """Whether this process may run `job` now: with several nodes on one database only
        one holds it at a time, and a node that dies lets go."""
        yield True
