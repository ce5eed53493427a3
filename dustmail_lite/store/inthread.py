"""A write transaction run whole on the SQLite writer's own thread.

aiosqlite runs each call on the connection's thread and hands the result back to the
event loop: a thread round trip per statement. A delivery is about ten statements,
so its transaction cost ten round trips of the loop's time and the SMTP client's
latency. `run_transaction` hands the whole transaction over once instead: the query
modules' code (written once for both engines, with `await conn.execute(...)`) runs
on the writer's thread against `ThreadConnection`, whose calls finish at once, so
the coroutine is stepped to its end without an event loop.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Coroutine, Iterable
from typing import Any, cast

import aiosqlite

from .engine import T, TransactionBody


class ThreadCursor:
    """The cursor calls of aiosqlite's, answered at once."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def __aiter__(self) -> AsyncIterator[Any]:
        for row in self._cursor:
            yield row


class _Statement:
    """What `execute` returns: awaited for a cursor, or `async with` for one closed after."""

    def __init__(self, conn: sqlite3.Connection, sql: str, parameters: Iterable[Any]) -> None:
        self._cursor = ThreadCursor(conn.execute(sql, tuple(parameters)))

    def __await__(self) -> Any:
        yield from ()
        return self._cursor

    async def __aenter__(self) -> ThreadCursor:
        return self._cursor

    async def __aexit__(self, *exc: Any) -> None:
        self._cursor._cursor.close()


class ThreadConnection:
    """The calls the query modules make on a connection (see `engine.Connection`), run
    directly on a sqlite3 connection: only on that connection's thread."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Statement:
        return _Statement(self._conn, sql, parameters)

    async def executemany(self, sql: str, parameters: Iterable[Iterable[Any]]) -> None:
        self._conn.executemany(sql, parameters)  # type: ignore[arg-type]

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[Any]:
        return self._conn.execute(sql, tuple(parameters)).fetchall()


def run_to_end(coroutine: Coroutine[Any, Any, T]) -> T:
    """Step a coroutine that never waits to its end."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    coroutine.close()
    raise RuntimeError("a transaction run on the database thread waited for the event loop")


async def run_transaction(writer: aiosqlite.Connection, body: TransactionBody[T]) -> T:
    """`body` in one `BEGIN IMMEDIATE` ... `COMMIT` on `writer`'s thread (rolled back if
    it raises). The caller holds the write lock."""

    def transaction() -> T:
        conn = writer._conn  # aiosqlite's sqlite3 connection: this is its thread
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = run_to_end(body(ThreadConnection(conn)))
            conn.execute("COMMIT")
        except BaseException:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise
        return result

    return cast(T, await writer._execute(transaction))  # type: ignore[no-untyped-call]
