"""`SqliteStore`: the store on one SQLite file (the default)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .base import OnCommitted, Store
from .database import Database
from .rows import now_ms
from .webhooks import PayloadBuilder


class SqliteStore(Store, Database):
    def __init__(
        self,
        path: str | Path,
        *,
        max_emails_per_inbox: int = 1000,
        address_quarantine: float = 0.0,
        busy_timeout: float = 5.0,
        max_batch: int = 256,
        synchronous: str = "FULL",
        on_committed: OnCommitted | None = None,
        webhook_payload: PayloadBuilder | None = None,
        now: Callable[[], int] = now_ms,
    ) -> None:
        Database.__init__(self, path, busy_timeout=busy_timeout, synchronous=synchronous, now=now)
        self._settings(
            max_emails_per_inbox=max_emails_per_inbox,
            address_quarantine=address_quarantine,
            max_batch=max_batch,
            on_committed=on_committed,
            webhook_payload=webhook_payload,
        )
