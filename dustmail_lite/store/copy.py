"""`storage copy`: everything from one store into another (SQLite <-> PostgreSQL), in
batches, then the counts of both compared.

Every table of the schema is either in TABLES (copied, parents first) or in NOT_COPIED
with the reason; a test holds that list to the schema, so a new table is not forgotten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .base import Store
from .errors import StoreError


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    order: tuple[str, ...]  # a unique key to page by
    batch: int = 500


TABLES = (
    Table("accounts", ("id", "name", "plan", "created_at", "last_event_id"), ("id",)),
    Table(
        "api_keys", ("id", "account_id", "key_hash", "prefix", "label", "created_at", "revoked_at"), ("id",)
    ),
    Table(
        "inboxes",
        (
            "pk",
            "id",
            "account_id",
            "address",
            "domain",
            "created_at",
            "expires_at",
            "deleted_at",
            "email_count",
        ),
        ("pk",),
    ),
    Table(
        "emails",
        (
            "seq",
            "id",
            "inbox_pk",
            "account_id",
            "event_id",
            "received_at",
            "claimed_at",
            "mail_from",
            "rcpt",
            "subject",
            "text",
            "html",
            "size",
            "has_attachment",
            "details",
            "raw",
        ),
        ("seq",),
        batch=100,  # raw messages up to the size limit each
    ),
    Table("email_previews", ("seq", "text", "html"), ("seq",)),
    Table("address_quarantine", ("address", "until"), ("address",)),
    Table(
        "custom_domains",
        (
            "name",
            "account_id",
            "status",
            "token",
            "created_at",
            "verified_at",
            "checked_at",
            "failures",
            "last_result",
        ),
        ("name", "account_id"),
    ),
    Table(
        "webhooks",
        (
            "id",
            "account_id",
            "inbox_pk",
            "inbox_id",
            "url",
            "secret",
            "created_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
            "deleted_at",
        ),
        ("id",),
    ),
    Table(
        "webhook_deliveries",
        (
            "id",
            "webhook_id",
            "message_id",
            "email_id",
            "event_id",
            "payload",
            "created_at",
            "status",
            "attempts",
            "next_attempt_at",
            "last_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
        ),
        ("id",),
    ),
    Table(
        "smtp_refusals",
        (
            "id",
            "at",
            "stage",
            "client_ip",
            "mail_from",
            "rcpt",
            "domain",
            "account_id",
            "inbox_id",
            "reply",
            "reason",
        ),
        ("id",),
    ),
)
# The SQLite full-text index and its shadow tables: the target's own triggers fill its
# index as the emails are copied in.
_SEARCH_INDEX = "the full-text index (SQLite), filled by the target as emails are copied"
NOT_COPIED = {
    "migrations": "each store records its own",
    "rate_windows": "live request counts (PostgreSQL only); new windows start",
    "long_requests": "streams and waits open on running nodes (PostgreSQL only)",
    **dict.fromkeys(
        ["email_search"] + [f"email_search_{part}" for part in ("data", "idx", "docsize", "config", "terms")],
        _SEARCH_INDEX,
    ),
}
# Checked after the copy beside the row counts: every raw byte arrived.
RAW_BYTES = "SELECT coalesce(sum(length(raw)), 0) FROM emails"


async def counts(store: Store) -> dict[str, int]:
    found = {t.name: await store._count(f"SELECT count(*) FROM {t.name}") for t in TABLES}
    found["raw bytes"] = await store._count(RAW_BYTES)
    return found


async def copy_store(
    source: Store, target: Store, *, force: bool = False, progress: Callable[[str], None] | None = None
) -> dict[str, int]:
    """Copy every row of `source` into `target` (both open). Refuses a target that holds
    anything unless `force` (then empties it first). Returns the verified counts;
    StoreError if the target's counts differ from the source's after the copy."""
    existing = await counts(target)
    if any(existing[t.name] for t in TABLES):
        if not force:
            held = ", ".join(f"{n} {t}" for t, n in existing.items() if n and t != "raw bytes")
            raise StoreError(f"the target is not empty ({held}); use --force to replace its contents")
        async with target._transaction() as conn:
            for table in reversed(TABLES):
                await conn.execute(f"DELETE FROM {table.name}")
    for table in TABLES:
        copied = await _copy_table(source, target, table)
        if progress:
            progress(f"{table.name}: {copied}")
    async with target._transaction() as conn:
        # Inserting emails counted them again through the triggers: count them afresh...
        await conn.execute(
            "UPDATE inboxes SET email_count = (SELECT count(*) FROM emails e WHERE e.inbox_pk = inboxes.pk)"
        )
        # ...and their bytes (for the storage quotas), as migration 0003 does.
        await conn.execute(
            "UPDATE inboxes SET stored_bytes = coalesce((SELECT sum(size) FROM emails e"
            " WHERE e.inbox_pk = inboxes.pk), 0)"
        )
        await conn.execute(
            "UPDATE accounts SET stored_bytes = coalesce((SELECT sum(stored_bytes) FROM inboxes i"
            " WHERE i.account_id = accounts.id), 0)"
        )
        await target._after_bulk_load(conn)
    expected, found = await counts(source), await counts(target)
    if expected != found:
        raise StoreError(f"the copy does not match: source {expected}, target {found}")
    return found


async def _copy_table(source: Store, target: Store, table: Table) -> int:
    columns = ", ".join(table.columns)
    insert = f"INSERT INTO {table.name} ({columns}) VALUES ({', '.join('?' * len(table.columns))})"
    order = ", ".join(table.order)
    after = f"({order}) > ({', '.join('?' * len(table.order))})"  # row values: both engines
    copied = 0
    last: tuple[object, ...] | None = None
    while True:
        where = "" if last is None else f" WHERE {after}"
        rows = await source._all(
            f"SELECT {columns} FROM {table.name}{where} ORDER BY {order} LIMIT ?",
            (*(last or ()), table.batch),
        )
        if not rows:
            return copied
        async with target._transaction() as conn:
            await conn.executemany(insert, [tuple(row) for row in rows])
        copied += len(rows)
        last = tuple(rows[-1][column] for column in table.order)
