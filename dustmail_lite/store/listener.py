"""LISTEN for the emails other nodes store: one connection of its own, brought back
whenever it drops; ids are handed on in the order heard, each once. After a gap (the
connection lost, PostgreSQL restarting) what was stored meanwhile is looked up and handed
on too, so a waiter on this node is not left waiting for a notice sent while it was deaf."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import asyncpg

from .errors import StoreError
from .pgconn import DATABASE_ERRORS

if TYPE_CHECKING:
    from .postgres import PostgresDatabase

log = logging.getLogger(__name__)

CHANNEL = "dustmail_emails"
RETRY = 0.25  # seconds between looks at the connection (and attempts to get it back)
PING = 5.0  # seconds between round trips proving it alive (and noting the newest seq)
REMEMBERED = 20_000  # ids kept to hand each on once
SEQ_SLACK = 200  # seqs are taken before commit: a gap's replay starts this far back


class Listener:
    def __init__(self, engine: PostgresDatabase, relay: Callable[[list[str]], Awaitable[None]]) -> None:
        self.engine = engine
        self.relay = relay
        self.conn: asyncpg.Connection | None = None
        self._queue: asyncio.Queue[list[str]] = asyncio.Queue()
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._newest_seq = 0
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        await self._connect()
        self._tasks = [
            asyncio.create_task(self._keep(), name="store-listener"),
            asyncio.create_task(self._hand_on(), name="store-notices"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        self._tasks = []
        if self.conn is not None:
            self.conn.terminate()
            self.conn = None

    def published(self, ids: list[str]) -> None:
        """This node's own deliveries: never handed on (it reported them at commit)."""
        self._fresh(ids)

    def _fresh(self, ids: list[str]) -> list[str]:
        fresh = [i for i in ids if i not in self._seen]
        for i in fresh:
            self._seen[i] = None
        while len(self._seen) > REMEMBERED:
            self._seen.popitem(last=False)
        return fresh

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self.engine.url, timeout=self.engine.connect_timeout)
        await conn.add_listener(CHANNEL, self._heard)
        self._newest_seq = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM emails")
        self.conn = conn

    def _heard(self, conn: Any, pid: int, channel: str, payload: str) -> None:
        try:
            notice = json.loads(payload)
        except ValueError:
            return
        if notice.get("node") == self.engine.node_id:
            return
        fresh = self._fresh([str(i) for i in notice.get("ids", [])])
        if fresh:
            self._queue.put_nowait(fresh)

    async def _keep(self) -> None:
        loop = asyncio.get_running_loop()
        pinged = loop.time()
        while True:
            await asyncio.sleep(RETRY)
            conn = self.conn
            if conn is not None and not conn.is_closed():
                if loop.time() - pinged < PING:
                    continue
                pinged = loop.time()
                try:  # a half-open connection shows only when used
                    self._newest_seq = await conn.fetchval(
                        "SELECT coalesce(max(seq), 0) FROM emails", timeout=self.engine.connect_timeout
                    )
                    continue
                except DATABASE_ERRORS:
                    conn.terminate()
            self.conn = None
            before = self._newest_seq
            try:
                await self._connect()
            except DATABASE_ERRORS as exc:
                log.debug("listener not back yet: %s", exc)
                continue
            log.info("listening for other nodes' deliveries again")
            await self._replay(before)

    async def _replay(self, newest_seq: int) -> None:
        """What was stored while this node could not hear (each id once, at most 1000)."""
        try:
            rows = await self.engine._all(
                "SELECT id FROM emails WHERE seq > ? ORDER BY seq LIMIT 1000",
                (max(0, newest_seq - SEQ_SLACK),),
            )
        except StoreError as exc:
            log.warning("could not look up what was stored during the gap: %s", exc)
            return
        fresh = self._fresh([row["id"] for row in rows])
        if fresh:
            self._queue.put_nowait(fresh)

    async def _hand_on(self) -> None:
        while True:
            ids = await self._queue.get()
            try:
                await self.relay(ids)
            except Exception:
                log.exception("could not relay %d emails stored by another node", len(ids))
