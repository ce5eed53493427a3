"""Per-account caps on long requests (event streams, waits) counted in the database, so
that they hold whichever node a request reaches. Each open request is a row with a lease
that its node renews; the rows of a node that died lapse with their lease."""

from __future__ import annotations

import collections
import logging
import uuid
from typing import TYPE_CHECKING

from ..limits import Slot, TooMany
from .errors import StoreError

if TYPE_CHECKING:
    from .postgres import PostgresDatabase

log = logging.getLogger(__name__)

LEASE_MS = 60_000  # renewed every LEASE_MS / 3 by the node holding the row


class SharedCaps:
    def __init__(self, engine: PostgresDatabase, kind: str, limit: int) -> None:
        self.engine = engine
        self.kind = kind
        self.limit = limit
        self.open: collections.Counter[int] = collections.Counter()

    async def claim(self, account_id: int) -> Slot:
        """A slot of the account, or TooMany when all its slots are taken on any node."""
        engine, slot_id, now = self.engine, uuid.uuid4().hex, self.engine.now()
        async with engine._transaction() as conn:
            # One claimer per account and kind at a time, on every node: the count holds.
            await conn.execute(
                "SELECT pg_advisory_xact_lock(?)", (engine.lock_key(f"{self.kind}:{account_id}"),)
            )
            await conn.execute(
                "DELETE FROM long_requests WHERE kind = ? AND account_id = ? AND expires_at <= ?",
                (self.kind, account_id, now),
            )
            taken = await engine._fetchval(
                conn,
                "SELECT count(*) FROM long_requests WHERE kind = ? AND account_id = ?",
                (self.kind, account_id),
            )
            if taken >= self.limit:
                raise TooMany(account_id)
            await conn.execute(
                "INSERT INTO long_requests (id, kind, account_id, node, expires_at) VALUES (?, ?, ?, ?, ?)",
                (slot_id, self.kind, account_id, engine.node_id, now + LEASE_MS),
            )
        self.open[account_id] += 1
        return Slot(
            None,
            account_id,
            release=lambda: self._release(account_id, slot_id),
            release_async=lambda: self._forget(account_id, slot_id),
        )

    def _release(self, account_id: int, slot_id: str) -> None:
        # Called where no await is possible (a response's end); the store waits for it on close.
        self.engine.in_background(self._forget(account_id, slot_id))

    async def _forget(self, account_id: int, slot_id: str) -> None:
        try:
            async with self.engine._transaction() as conn:
                await conn.execute("DELETE FROM long_requests WHERE id = ?", (slot_id,))
        except StoreError as exc:
            log.warning("could not give back a %s slot (its lease will lapse): %s", self.kind, exc)
        finally:
            self.open[account_id] -= 1
            if self.open[account_id] <= 0:
                del self.open[account_id]


async def renew_leases(engine: PostgresDatabase) -> None:
    async with engine._transaction() as conn:
        await conn.execute(
            "UPDATE long_requests SET expires_at = ? WHERE node = ?",
            (engine.now() + LEASE_MS, engine.node_id),
        )
