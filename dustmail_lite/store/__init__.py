"""All persistence: every SQL string of the project lives in this package.

- `database`: connections (one writer under a lock, one reader; WAL), transactions, migrations
- `schema`: the migrations
- `delivery`: the group-commit queue (no SQL; calls back after each commit)
- `accounts`, `inboxes`, `emails`, `domains`, `maintenance`: the queries, per aggregate
- `rows`: the records handed out, mapped from rows by column name
- `engine`: what the query modules need of an engine; `database` is the SQLite one,
  `postgres` (with `pgconn`, `schema_postgres`, `windows`) the PostgreSQL one
- `base`: `Store`, assembled from the above; `sqlite.SqliteStore` and
  `postgres.PostgresStore` add their engine, `Store.from_config` picks one
- `copy`: `storage copy`, everything from one store to another

The rest of the code talks to `Store` methods and the records in `rows`, never to a
connection, and does not know which engine runs.
"""

from __future__ import annotations

from ..plans import Plan
from .base import Store, is_postgres_url, open_target
from .errors import Conflict, QuotaExceeded, StoreError, StoreUnavailable
from .rows import (
    Account,
    ApiKey,
    CustomDomain,
    Email,
    EmailPreview,
    Inbox,
    InboxRow,
    NewEmail,
    PurgeStats,
    ReceivingInbox,
    StoredEmail,
    Webhook,
    WebhookDelivery,
    now_ms,
)
from .sqlite import SqliteStore

PLANS = tuple(p.value for p in Plan)

__all__ = [
    "PLANS",
    "Account",
    "ApiKey",
    "Conflict",
    "CustomDomain",
    "Email",
    "EmailPreview",
    "Inbox",
    "InboxRow",
    "NewEmail",
    "PurgeStats",
    "QuotaExceeded",
    "ReceivingInbox",
    "SqliteStore",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "StoredEmail",
    "Webhook",
    "WebhookDelivery",
    "is_postgres_url",
    "now_ms",
    "open_target",
]
