"""Queries for the storage quotas: bytes stored per inbox and per account (kept by
triggers, see migration 0003), checked again inside the delivery transaction."""

from __future__ import annotations

from .delivery import Delivery
from .engine import Connection, Engine
from .errors import QuotaExceeded


class QuotaQueries(Engine):
    async def storage_usage(self, inbox_pk: int, account_id: int) -> tuple[int, int, str]:
        """(bytes stored in the inbox, bytes stored by its account, the account's plan)."""
        row = await self._one(
            "SELECT (SELECT stored_bytes FROM inboxes WHERE pk = ?) AS inbox_bytes,"
            " stored_bytes, plan FROM accounts WHERE id = ?",
            (inbox_pk, account_id),
        )
        if row is None:
            return 0, 0, "free"
        return row["inbox_bytes"] or 0, row["stored_bytes"], row["plan"]

    async def account_storage(self, account_id: int) -> int:
        """Bytes of mail stored by the account (until the purge, deleted inboxes count)."""
        row = await self._one("SELECT stored_bytes FROM accounts WHERE id = ?", (account_id,))
        return int(row["stored_bytes"]) if row else 0

    async def _check_quotas(self, conn: Connection, batch: list[Delivery]) -> None:
        """Inside the delivery transaction: QuotaExceeded if the batch would pass a quota."""
        limited = [
            (inbox, *delivery.quotas.get(inbox.pk, (0, 0)))
            for delivery in batch
            for inbox in delivery.inboxes
            if any(delivery.quotas.get(inbox.pk, (0, 0)))
        ]
        if not limited:
            return
        # What is stored now, read once for the batch (one statement per table).
        inbox_used = await self._stored_bytes(conn, "inboxes", "pk", {inbox.pk for inbox, _, _ in limited})
        account_used = await self._stored_bytes(conn, "accounts", "id", {i.account_id for i, _, _ in limited})
        inbox_added: dict[int, int] = {}
        account_added: dict[int, int] = {}
        for delivery in batch:
            size = delivery.email.size
            for inbox in delivery.inboxes:
                inbox_added[inbox.pk] = inbox_added.get(inbox.pk, 0) + size
                account_added[inbox.account_id] = account_added.get(inbox.account_id, 0) + size
                inbox_limit, account_limit = delivery.quotas.get(inbox.pk, (0, 0))
                if inbox_limit and inbox_used.get(inbox.pk, 0) + inbox_added[inbox.pk] > inbox_limit:
                    raise QuotaExceeded(f"{inbox.address} is over its storage quota")
                account_total = account_used.get(inbox.account_id, 0) + account_added[inbox.account_id]
                if account_limit and account_total > account_limit:
                    raise QuotaExceeded(f"the account of {inbox.address} is over its storage quota")

    @staticmethod
    async def _stored_bytes(conn: Connection, table: str, key: str, keys: set[int]) -> dict[int, int]:
        marks = ",".join("?" * len(keys))
        rows = await conn.execute_fetchall(
            f"SELECT {key}, stored_bytes FROM {table} WHERE {key} IN ({marks})", sorted(keys)
        )
        return {row[0]: row[1] or 0 for row in rows}
