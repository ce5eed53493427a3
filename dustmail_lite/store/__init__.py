"""All persistence: every SQL string of the project lives in this package.

- `database`: connections (one writer under a lock, one reader; WAL), transactions, migrations
- `schema`: the migrations
- `delivery`: the group-commit queue (no SQL; calls back after each commit)
- `accounts`, `inboxes`, `emails`, `domains`, `maintenance`: the queries, per aggregate
- `rows`: the records handed out, mapped from rows by column name
- `sqlite`: `Store`, assembled from the above

The rest of the code talks to `Store` methods and the records in `rows`, never to a
connection, so another backend (PostgreSQL) can slot in beside `sqlite`.
"""

from __future__ import annotations

from ..plans import Plan
from .errors import Conflict, QuotaExceeded, StoreError
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
from .sqlite import Store

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
    "Store",
    "StoreError",
    "StoredEmail",
    "Webhook",
    "WebhookDelivery",
    "now_ms",
]
