"""An asyncpg connection with the calls of an aiosqlite one, so the query modules run
unchanged on PostgreSQL: `?` placeholders become `$1, $2, ...`, a cursor reports
`rowcount`, and asyncpg's exceptions become the store's."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Awaitable, Generator, Iterable, Sequence
from typing import Any

import asyncpg

from .engine import POSTGRES_TWINS
from .errors import Conflict, StoreError, StoreUnavailable

# A single-quoted literal (kept as is), a placeholder, or LIKE: SQLite's LIKE ignores
# case (ASCII), PostgreSQL's does not; ILIKE is its twin.
_TOKEN = re.compile(r"'(?:[^']|'')*'|\?|(?i:\bLIKE\b)")
_ROWS_BACK = re.compile(r"^\s*(SELECT|WITH|VALUES)\b|\bRETURNING\b", re.IGNORECASE)

# Faults of reaching the server, as opposed to faults of a statement.
UNREACHABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # the protocol's state after a connection broke under it
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.OperatorInterventionError,
)
DATABASE_ERRORS: tuple[type[BaseException], ...] = (*UNREACHABLE, asyncpg.PostgresError)


@functools.lru_cache(maxsize=2048)
def pg_sql(sql: str) -> str:
    """`sql` with its `?` placeholders numbered for PostgreSQL, LIKE as ILIKE, and the
    registered twins of SQLite-only fragments (`engine.postgres_twin`)."""
    for fragment in sorted(POSTGRES_TWINS, key=len, reverse=True):
        sql = sql.replace(fragment, POSTGRES_TWINS[fragment])
    counter = 0

    def number(match: re.Match[str]) -> str:
        nonlocal counter
        token = match.group(0)
        if token.upper() == "LIKE":
            return "ILIKE"
        if token != "?":
            return token
        counter += 1
        return f"${counter}"

    return _TOKEN.sub(number, sql)


def store_error(exc: BaseException) -> Exception:
    """The store's exception for an asyncpg (or socket) one."""
    if isinstance(exc, asyncpg.IntegrityConstraintViolationError):
        return Conflict(str(exc))
    if isinstance(exc, UNREACHABLE):
        return StoreUnavailable(f"database unreachable: {type(exc).__name__}: {exc}")
    return StoreError(f"{type(exc).__name__}: {exc}")


def pg_params(params: Iterable[Any]) -> list[Any]:
    # PostgreSQL text cannot hold NUL; SQLite can. Mail is hostile input: keep the rest.
    return [p.replace("\x00", "\ufffd") if isinstance(p, str) and "\x00" in p else p for p in params]


class PgCursor:
    def __init__(self, rows: Sequence[asyncpg.Record], rowcount: int) -> None:
        self._rows = list(rows)
        self.rowcount = rowcount

    @property
    def lastrowid(self) -> int:
        raise NotImplementedError("PostgreSQL has no lastrowid: use RETURNING")

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows.pop(0) if self._rows else None

    async def fetchall(self) -> list[asyncpg.Record]:
        rows, self._rows = self._rows, []
        return rows

    async def __aiter__(self) -> AsyncIterator[asyncpg.Record]:
        for row in await self.fetchall():
            yield row


class _Result:
    """Awaitable for a cursor, or `async with` like aiosqlite's execute."""

    def __init__(self, pending: Awaitable[PgCursor]) -> None:
        self._pending = pending

    def __await__(self) -> Generator[Any, None, PgCursor]:
        return self._pending.__await__()

    async def __aenter__(self) -> PgCursor:
        return await self._pending

    async def __aexit__(self, *exc: object) -> None:
        return None


class PgConnection:
    def __init__(self, raw: asyncpg.Connection) -> None:
        self.raw = raw

    def execute(self, sql: str, parameters: Iterable[Any] = ()) -> _Result:
        return _Result(self._execute(sql, parameters))

    async def _execute(self, sql: str, parameters: Iterable[Any]) -> PgCursor:
        query, params = pg_sql(sql), pg_params(parameters)
        if _ROWS_BACK.search(sql):
            rows = await self.raw.fetch(query, *params)
            return PgCursor(rows, len(rows))
        status = await self.raw.execute(query, *params)
        return PgCursor([], affected(status))

    async def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> None:
        await self.raw.executemany(pg_sql(sql), [pg_params(row) for row in rows])

    async def execute_fetchall(self, sql: str, parameters: Iterable[Any] = ()) -> list[asyncpg.Record]:
        return list(await self.raw.fetch(pg_sql(sql), *pg_params(parameters)))


def affected(status: str) -> int:
    """Rows a command touched, from its status ("UPDATE 3", "INSERT 0 1")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0
