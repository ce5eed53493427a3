"""The purge: expired and deleted inboxes leave in short transactions."""

from __future__ import annotations

import asyncio

from .engine import Connection, Engine
from .rows import PurgeStats


class MaintenanceQueries(Engine):
    quarantine_ms: int

    async def purge(self, now: int | None = None, batch_size: int = 500) -> PurgeStats:
        """Remove expired and deleted inboxes with their mail, in short transactions;
        their addresses stay reserved for the quarantine."""
        quarantine_ms = self.quarantine_ms
        now = now or self.now()
        inboxes = emails = batches = 0
        while True:
            async with self._transaction() as conn:
                # Two indexed, limited scans (a UNION would sort every candidate each batch).
                doomed = list(
                    await conn.execute_fetchall(
                        "SELECT pk, address FROM inboxes WHERE deleted_at IS NOT NULL LIMIT 100"
                    )
                )
                if len(doomed) < 100:
                    doomed += await conn.execute_fetchall(
                        "SELECT pk, address FROM inboxes WHERE expires_at <= ? AND deleted_at IS NULL"
                        " LIMIT ?",
                        (now, 100 - len(doomed)),
                    )
                if not doomed:
                    break
                pks = [r["pk"] for r in doomed]
                marks = ",".join("?" * len(pks))
                await self._lock_as_a_delivery_does(conn, pks, marks)
                cursor = await conn.execute(
                    f"DELETE FROM emails WHERE seq IN (SELECT seq FROM emails WHERE inbox_pk IN ({marks})"
                    " LIMIT ?)",
                    (*pks, batch_size),
                )
                emails += cursor.rowcount
                if cursor.rowcount < batch_size:
                    await conn.execute(f"DELETE FROM inboxes WHERE pk IN ({marks})", pks)
                    if quarantine_ms > 0:
                        await conn.executemany(
                            "INSERT INTO address_quarantine (address, until) VALUES (?, ?)"
                            " ON CONFLICT (address) DO UPDATE SET until = excluded.until",
                            [(r["address"], now + quarantine_ms) for r in doomed],
                        )
                    inboxes += len(pks)
            batches += 1
            await asyncio.sleep(0)  # let deliveries and API writes take the lock between batches
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM address_quarantine WHERE until <= ?", (now,))
        await self._forget_expired(now)
        if inboxes:
            for _ in range(100):  # up to ~800 MB back to the file system per purge, in slices
                if not await self.vacuum_free_pages():
                    break
                await asyncio.sleep(0)
        return PurgeStats(inboxes, emails, batches)

    async def _lock_as_a_delivery_does(self, conn: Connection, pks: list[int], marks: str) -> None:
        """PostgreSQL: the inboxes' row locks (pk order), then their accounts' (id order), as a
        delivery takes them. The deletes' triggers take the same locks in the order of the rows,
        which could cross a delivery's to an inbox that expired while its mail was in flight,
        and PostgreSQL would abort one of the two. (SQLite runs one write at a time.)"""
        if self.dialect != "postgres":
            return
        await self._lock_inboxes(conn, pks)
        await conn.execute(
            f"SELECT id FROM accounts WHERE id IN (SELECT account_id FROM inboxes WHERE pk IN ({marks}))"
            " ORDER BY id FOR NO KEY UPDATE",  # the triggers' lock: foreign-key checks still pass
            pks,
        )
