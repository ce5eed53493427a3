"""`Store._run_transaction`, the one hand-over a delivery's transaction costs on SQLite
(the whole body on the writer's thread), and the same call on PostgreSQL: it commits,
a body that raises leaves nothing behind, and on SQLite a body that would wait for the
event loop is refused instead of running half on each side."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path

import helpers
import pytest

from dustmail_lite.store import Conflict, NewEmail, Store


def open_store(tmp_path: Path) -> Store:
    if helpers.new_database is not None:
        return Store(helpers.new_database())
    return Store(tmp_path / "t.sqlite3")


async def count_accounts(store: Store, name: str) -> int:
    return await store._count("SELECT count(*) FROM accounts WHERE name = ?", (name,))


def test_aiosqlite_internals_we_rely_on_still_exist():
    """store/inthread.py hands a function to aiosqlite's connection thread with the
    private `_execute` and reads the sqlite3 connection there as `_conn`; a release that
    renames either must fail here, not in a delivery."""
    import aiosqlite

    assert inspect.iscoroutinefunction(aiosqlite.Connection._execute)
    assert list(inspect.signature(aiosqlite.Connection._execute).parameters)[:2] == ["self", "fn"]
    assert isinstance(inspect.getattr_static(aiosqlite.Connection, "_conn"), property)


def test_a_transaction_body_commits_all_its_statements(tmp_path: Path):
    async def scenario() -> None:
        async with open_store(tmp_path) as store:

            async def body(conn):  # type: ignore[no-untyped-def]
                await conn.execute(
                    "INSERT INTO accounts (name, plan, created_at) VALUES (?, 'free', 0)", ("one",)
                )
                async with conn.execute("SELECT count(*) FROM accounts WHERE name = ?", ("one",)) as cursor:
                    (seen,) = await cursor.fetchone()
                rows = await conn.execute_fetchall("SELECT name FROM accounts WHERE name = ?", ("one",))
                return seen, [r[0] for r in rows]

            assert await store._run_transaction(body) == (1, ["one"])
            assert await count_accounts(store, "one") == 1

    asyncio.run(scenario())


def test_a_body_that_raises_leaves_nothing(tmp_path: Path):
    async def scenario() -> None:
        async with open_store(tmp_path) as store:

            async def body(conn):  # type: ignore[no-untyped-def]
                await conn.execute(
                    "INSERT INTO accounts (name, plan, created_at) VALUES (?, 'free', 0)", ("two",)
                )
                raise ValueError("changed my mind")

            with pytest.raises(ValueError):
                await store._run_transaction(body)
            assert await count_accounts(store, "two") == 0

            async def conflicting(conn):  # type: ignore[no-untyped-def]
                for _ in range(2):  # the name is unique
                    await conn.execute(
                        "INSERT INTO accounts (name, plan, created_at) VALUES (?, 'free', 0)", ("three",)
                    )

            with pytest.raises(Conflict):
                await store._run_transaction(conflicting)
            assert await count_accounts(store, "three") == 0
            # The writer is free again: a delivery goes through.
            account = await store.ensure_account("four")
            inbox = await store.create_inbox(account.id, "x", "dustmail.test", 60_000)
            email = NewEmail("s@example.com", "hello", "t", "", 10, b"raw", {})
            assert len(await store.deliver([inbox], email)) == 1

    asyncio.run(scenario())


@pytest.mark.sqlite_only(reason="only SQLite runs the body off the event loop")
def test_a_body_that_waits_for_the_loop_is_refused_and_rolled_back(tmp_path: Path):
    async def scenario() -> None:
        async with open_store(tmp_path) as store:

            async def body(conn):  # type: ignore[no-untyped-def]
                await conn.execute(
                    "INSERT INTO accounts (name, plan, created_at) VALUES (?, 'free', 0)", ("five",)
                )
                await asyncio.sleep(0)  # a real suspension: not allowed in a body

            with pytest.raises(RuntimeError, match="waited for the event loop"):
                await store._run_transaction(body)
            assert await count_accounts(store, "five") == 0

    asyncio.run(scenario())
