"""`Store`: what the rest of the code talks to, assembled from the per-aggregate query
mixins and the group commit; `sqlite.SqliteStore` and `postgres.PostgresStore` add
the engine. `Store.from_config` picks one by `[storage]`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .accounts import AccountQueries
from .delivery import Delivery, DeliveryQueue
from .domains import DomainQueries
from .emails import EmailQueries
from .inboxes import InboxQueries
from .maintenance import MaintenanceQueries
from .quotas import QuotaQueries
from .refusals import RefusalQueries
from .rows import PREVIEW_CHARS, Inbox, NewEmail, Placement, PurgeStats, StoredEmail
from .search import SearchQueries
from .webhooks import PayloadBuilder, WebhookQueries

OnCommitted = Callable[[list[StoredEmail]], None]


class Store(
    WebhookQueries,
    SearchQueries,
    RefusalQueries,
    AccountQueries,
    InboxQueries,
    EmailQueries,
    DomainQueries,
    MaintenanceQueries,
    QuotaQueries,
):
    """`await store.open()` before use, `await store.close()` after (or `async with`).

    `Store(target, **options)` makes the store its target calls for: a `PostgresStore` for
    a postgresql:// URL, else a `SqliteStore` on that file."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Store:
        if cls is Store:
            target = str(args[0] if args else kwargs.get("path", kwargs.get("url", "")))
            if is_postgres_url(target):
                from .postgres import PostgresStore

                cls = PostgresStore
            else:
                from .sqlite import SqliteStore

                cls = SqliteStore
        return super().__new__(cls)

    def __init__(self, target: str | Path, **options: Any) -> None:
        raise TypeError("Store is built by its engine's subclass")  # __new__ picked one

    def _settings(
        self,
        *,
        max_emails_per_inbox: int = 1000,
        address_quarantine: float = 0.0,
        max_batch: int = 256,
        on_committed: OnCommitted | None = None,
        webhook_payload: PayloadBuilder | None = None,
    ) -> None:
        self.max_emails_per_inbox = max_emails_per_inbox
        self.quarantine_ms = int(address_quarantine * 1000)
        self.max_batch = max_batch
        self.on_committed = on_committed
        self.webhook_payload = webhook_payload
        self.observe_commit: Callable[[float], None] | None = None  # seconds a delivery waited
        self.observe_purge: Callable[[PurgeStats], None] | None = None
        # Called after a commit that queued webhook deliveries (on PostgreSQL also after
        # another node's emails were announced: they may have): the sender has work.
        self.on_webhooks_queued: Callable[[], None] | None = None
        self._webhooks_queued = False
        self._deliveries: DeliveryQueue | None = None
        self._placed: dict[str, Placement] = {}

    @staticmethod
    def from_config(config: Any, on_committed: OnCommitted | None = None) -> Store:
        """From the `storage` and `inboxes` sections of `config`: PostgreSQL when
        `storage.url` is set, else the SQLite file at `storage.path`."""
        options: dict[str, Any] = {
            "max_emails_per_inbox": config.inboxes.max_emails,
            "address_quarantine": config.inboxes.username_quarantine,
            "on_committed": on_committed,
        }
        return open_target(config.storage.url or config.database, **options)

    async def open(self) -> None:
        await self._open_connections()
        await self._prepare_search()
        # Looked up on each batch, so the write can be replaced (tests inject faults this way).
        self._deliveries = DeliveryQueue(
            lambda batch: self._write_deliveries(batch), self._committed, self.max_batch
        )
        self._deliveries.start()

    async def close(self) -> None:
        if self._deliveries is not None:
            await self._deliveries.stop()
            self._deliveries = None
        await self._close_connections()

    async def purge(self, *args: Any, **kwargs: Any) -> PurgeStats:
        stats = await super().purge(*args, **kwargs)
        await self.prune_delivery_history()
        if self.observe_purge is not None:
            self.observe_purge(stats)
        if stats.emails:
            self._search_dirty = True
        if await self.scrub_search_index():
            for _ in range(100):  # the old index segments' pages back to the file system
                if not await self.vacuum_free_pages():
                    break
        return stats

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def deliver(
        self, inboxes: list[Inbox], email: NewEmail, quotas: dict[int, tuple[int, int]] | None = None
    ) -> list[str]:
        """Store `email` once in each inbox; returns the new email ids after the
        commit is durable. Raises StoreError if it could not be stored, QuotaExceeded
        (and stores nothing) if an inbox would pass `quotas[inbox.pk]` = (inbox bytes,
        account bytes; 0 = unlimited)."""
        assert self._deliveries is not None, "store is not open"
        loop = asyncio.get_running_loop()
        future: asyncio.Future[list[str]] = loop.create_future()
        started = loop.time()
        ids = await self._deliveries.submit(Delivery(list(inboxes), email, self.now(), future, quotas or {}))
        if self.observe_commit is not None:
            self.observe_commit(loop.time() - started)
        return ids

    @property
    def queued_deliveries(self) -> int:
        return self._deliveries.queued if self._deliveries is not None else 0

    def _committed(self, batch: list[Delivery], ids: list[list[str]]) -> None:
        stored = []
        for d, delivery_ids in zip(batch, ids, strict=True):
            placed = zip(d.inboxes, delivery_ids, d.event_ids, strict=True)
            for inbox, email_id, event_id in placed:
                place = self._placed.pop(email_id, None)
                stored.append(
                    StoredEmail(
                        email_id,
                        inbox.id,
                        inbox.account_id,
                        d.email.mail_from,
                        d.email.subject,
                        d.received_at,
                        preview=d.email.text[:PREVIEW_CHARS],
                        has_html=bool(d.email.html),
                        size=d.email.size,
                        seq=place.seq if place else None,
                        email_count=place.email_count if place else None,
                        tls=bool(d.email.details.get("tls")),
                        tag=d.email.details.get("tag"),
                        event_id=event_id,
                    )
                )
        if self.on_committed is not None:
            self.on_committed(stored)
        if self._webhooks_queued:
            self._webhooks_queued = False
            if self.on_webhooks_queued is not None:
                self.on_webhooks_queued()


def is_postgres_url(target: str) -> bool:
    return target.startswith(("postgresql://", "postgres://"))


def open_target(target: str, **options: Any) -> Store:
    """A (closed) store on `target`: a postgresql:// URL or an SQLite file path."""
    return Store(target, **options)
