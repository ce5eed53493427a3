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
        inbox_added: dict[int, int] = {}
        account_added: dict[int, int] = {}
        for delivery in batch:
            size = delivery.email.size
            for inbox in delivery.inboxes:
                inbox_added[inbox.pk] = inbox_added.get(inbox.pk, 0) + size
                account_added[inbox.account_id] = account_added.get(inbox.account_id, 0) + size
                inbox_limit, account_limit = delivery.quotas.get(inbox.pk, (0, 0))
                if inbox_limit:
                    used = await self._fetchval(
                        conn, "SELECT stored_bytes FROM inboxes WHERE pk = ?", (inbox.pk,)
                    )
                    if (used or 0) + inbox_added[inbox.pk] > inbox_limit:
                        raise QuotaExceeded(f"{inbox.address} is over its storage quota")
                if account_limit:
                    used = await self._fetchval(
                        conn, "SELECT stored_bytes FROM accounts WHERE id = ?", (inbox.account_id,)
                    )
                    if (used or 0) + account_added[inbox.account_id] > account_limit:
                        raise QuotaExceeded(f"the account of {inbox.address} is over its storage quota")
