"""Storage quotas: per inbox and per account (plan settings), and a free-disk floor.

Past any of them the SMTP answer is `452 4.3.1`: temporary, so the sender
keeps the message and retries. RCPT is refused when an inbox or account is
already full; the delivery itself re-checks inside its write transaction, so
concurrent sessions cannot together write past a quota.
"""

from __future__ import annotations

import shutil
from typing import NamedTuple

from .config import PlansConfig, StorageConfig
from .store import Inbox, Store

MAILBOX_FULL = "452 4.3.1 Mailbox full, try again later"
DISK_LOW = "452 4.3.1 Insufficient system storage, try again later"


class Usage(NamedTuple):
    used_bytes: int
    max_bytes: int | None  # None: unlimited
    max_inbox_bytes: int | None


class Quotas:
    def __init__(self, store: Store, storage: StorageConfig, plans: PlansConfig) -> None:
        self.store = store
        self.plans = plans
        self.min_free_disk = storage.min_free_disk
        # None when the data lives on a database server (PostgreSQL): its disk is not ours to watch.
        self.folder = store.data_folder

    def disk_low(self, incoming: int = 0) -> bool:
        """Whether storing `incoming` more bytes would leave less than the floor free.
        Mail is stored about twice (the WAL, then the database), hence the factor."""
        if self.folder is None:
            return False
        return shutil.disk_usage(self.folder).free - 2 * incoming < self.min_free_disk

    def limits(self, plan: str) -> tuple[int, int]:
        """(bytes per inbox, bytes per account) of a plan; 0 = unlimited."""
        settings = self.plans.get(plan)
        return settings.max_inbox_storage, settings.max_storage

    async def rcpt_refusal(self, inbox: Inbox, usage: tuple[int, int, str] | None = None) -> str | None:
        """The 452 for a recipient whose inbox, account or disk is full, or None. `usage`:
        (inbox bytes, account bytes, plan) if already read with the inbox."""
        if self.disk_low():
            return DISK_LOW
        if usage is None:
            usage = await self.store.storage_usage(inbox.pk, inbox.account_id)
        inbox_bytes, account_bytes, plan = usage
        inbox_limit, account_limit = self.limits(plan)
        if (inbox_limit and inbox_bytes >= inbox_limit) or (account_limit and account_bytes >= account_limit):
            return MAILBOX_FULL
        return None

    async def for_delivery(
        self, inboxes: list[Inbox], plans: dict[int, str] | None = None
    ) -> dict[int, tuple[int, int]]:
        """inbox pk -> its limits, for `Store.deliver` to enforce in its transaction.
        `plans`: inbox pk -> its account's plan where known (read at RCPT)."""
        out = {}
        for inbox in inboxes:
            plan = (plans or {}).get(inbox.pk)
            if plan is None:
                _, _, plan = await self.store.storage_usage(inbox.pk, inbox.account_id)
            out[inbox.pk] = self.limits(plan)
        return out

    async def usage(self, account_id: int, plan: str) -> Usage:
        inbox_limit, account_limit = self.limits(plan)
        return Usage(await self.store.account_storage(account_id), account_limit or None, inbox_limit or None)
