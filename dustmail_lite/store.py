"""All persistence: every SQL string of the project lives in this module.

One writer connection, guarded by a lock, does every write inside `BEGIN
IMMEDIATE`; reads use a second connection (WAL lets them run beside the
writer). Deliveries are group-committed: SMTP sessions that finish DATA at
about the same time share one transaction and one fsync, and each session
hears 250 only after that commit.

The rest of the code talks to `Store` methods and plain dataclasses, never to
a connection, so another backend can replace this module.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Iterable, Sequence

import aiosqlite

from .events import EventHub

log = logging.getLogger(__name__)

PLANS = ("free", "premium")


class StoreError(Exception):
    """A storage fault: the caller must not report success."""


class Conflict(Exception):
    """A unique name (account, address, domain) is already taken."""


def now_ms() -> int:
    return int(time.time() * 1000)


# --- row types ---------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    plan: str
    created_at: int


@dataclass(frozen=True)
class ApiKey:
    id: str
    account_id: int
    account_name: str
    plan: str
    prefix: str
    label: str
    created_at: int
    revoked_at: int | None
    key_hash: bytes = field(repr=False, default=b"")


@dataclass(frozen=True)
class Inbox:
    pk: int
    id: str
    account_id: int
    address: str
    domain: str
    created_at: int
    expires_at: int
    email_count: int = 0


@dataclass(frozen=True)
class Email:
    seq: int
    id: str
    inbox_id: str
    mail_from: str
    subject: str
    text: str
    html: str
    received_at: int
    size: int
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NewEmail:
    """A parsed message ready to be stored in one inbox."""

    mail_from: str
    subject: str
    text: str
    html: str
    size: int
    raw: bytes
    details: dict[str, Any]


@dataclass(frozen=True)
class CustomDomain:
    name: str
    account_id: int
    account_name: str
    status: str  # pending | verified | failing | suspended
    token: str
    created_at: int
    verified_at: int | None
    checked_at: int | None
    failures: int
    last_result: dict[str, Any] | None


@dataclass(frozen=True)
class PurgeStats:
    inboxes: int = 0
    emails: int = 0
    batches: int = 0


# --- schema ------------------------------------------------------------------

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_core",
        """
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            plan TEXT NOT NULL CHECK (plan IN ('free', 'premium')),
            created_at INTEGER NOT NULL
        );
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            key_hash BLOB NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        );
        CREATE INDEX api_keys_account ON api_keys(account_id);
        CREATE TABLE inboxes (
            pk INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            address TEXT NOT NULL UNIQUE,
            domain TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            deleted_at INTEGER,
            email_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX inboxes_account ON inboxes(account_id, created_at);
        CREATE INDEX inboxes_expiry ON inboxes(expires_at);
        CREATE INDEX inboxes_deleted ON inboxes(deleted_at) WHERE deleted_at IS NOT NULL;
        CREATE INDEX inboxes_domain ON inboxes(domain);
        CREATE TABLE emails (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            inbox_pk INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            mail_from TEXT NOT NULL,
            subject TEXT NOT NULL,
            text TEXT NOT NULL,
            html TEXT NOT NULL,
            size INTEGER NOT NULL,
            details TEXT NOT NULL,
            raw BLOB NOT NULL  -- last: reading the other columns never touches its overflow pages
        );
        CREATE INDEX emails_inbox ON emails(inbox_pk, seq);
        CREATE TRIGGER emails_counted AFTER INSERT ON emails BEGIN
            UPDATE inboxes SET email_count = email_count + 1 WHERE pk = NEW.inbox_pk;
        END;
        CREATE TRIGGER emails_removed AFTER DELETE ON emails BEGIN
            UPDATE inboxes SET email_count = email_count - 1 WHERE pk = OLD.inbox_pk;
        END;
        CREATE TABLE address_quarantine (
            address TEXT PRIMARY KEY,
            until INTEGER NOT NULL
        );
        CREATE INDEX address_quarantine_until ON address_quarantine(until);
        """,
    ),
    (
        "0002_custom_domains",
        """
        CREATE TABLE custom_domains (
            name TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            status TEXT NOT NULL,
            token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            verified_at INTEGER,
            checked_at INTEGER,
            failures INTEGER NOT NULL DEFAULT 0,
            last_result TEXT
        );
        CREATE INDEX custom_domains_account ON custom_domains(account_id);
        """,
    ),
]

_INBOX_COLUMNS = "pk, id, account_id, address, domain, created_at, expires_at, email_count"
_EMAIL_COLUMNS = (
    "e.seq, e.id, i.id, e.mail_from, e.subject, e.text, e.html, e.received_at, e.size"
)
_DOMAIN_COLUMNS = (
    "d.name, d.account_id, a.name, d.status, d.token, d.created_at, d.verified_at,"
    " d.checked_at, d.failures, d.last_result"
)
_KEY_COLUMNS = (
    "k.id, k.account_id, a.name, a.plan, k.prefix, k.label, k.created_at, k.revoked_at, k.key_hash"
)
_ACTIVE_INBOX = "deleted_at IS NULL AND expires_at > ?"


def _inbox(row: Sequence[Any]) -> Inbox:
    return Inbox(*row)


def _email(row: Sequence[Any], details: str | None = None) -> Email:
    return Email(*row, details=json.loads(details) if details else {})


def _domain(row: Sequence[Any]) -> CustomDomain:
    values = list(row)
    values[-1] = json.loads(values[-1]) if values[-1] else None
    return CustomDomain(*values)


@dataclass
class _Delivery:
    inboxes: list[Inbox]
    email: NewEmail
    received_at: int
    future: asyncio.Future[list[str]]


class Store:
    """The SQLite store. `await store.open()` before use, `await store.close()` after."""

    def __init__(
        self,
        path: str | Path,
        *,
        max_emails_per_inbox: int = 1000,
        address_quarantine: float = 0.0,
        busy_timeout: float = 5.0,
        max_batch: int = 256,
        synchronous: str = "FULL",
    ) -> None:
        self.path = str(path)
        self.max_emails_per_inbox = max_emails_per_inbox
        self.quarantine_ms = int(address_quarantine * 1000)
        self.busy_timeout = busy_timeout
        self.max_batch = max_batch
        # FULL: a commit survives power loss, which is what a 250 promises. Only bulk
        # loads that can be redone (benchmark seeding) should pass "OFF".
        self.synchronous = synchronous
        self.events = EventHub()
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._deliveries: asyncio.Queue[_Delivery] | None = None
        self._committer: asyncio.Task[None] | None = None

    @classmethod
    def from_config(cls, config: Any) -> Store:
        return cls(
            config.storage.path,
            max_emails_per_inbox=config.inboxes.max_emails,
            address_quarantine=config.inboxes.username_quarantine,
        )

    # --- lifecycle ----------------------------------------------------------

    async def open(self) -> None:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._writer = await self._connect()
        # Must precede the first table; a no-op on an existing database.
        await self._writer.execute("PRAGMA auto_vacuum = INCREMENTAL")
        mode = await self._fetchval(self._writer, "PRAGMA journal_mode = WAL")
        if mode != "wal" and self.path != ":memory:":
            raise StoreError(f"{self.path}: cannot switch to WAL mode (got {mode})")
        await self._migrate()
        self._reader = await self._connect()
        self._deliveries = asyncio.Queue()
        self._committer = asyncio.create_task(self._commit_deliveries(), name="store-committer")

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(
            self.path, isolation_level=None, timeout=self.busy_timeout
        )
        await conn.execute(f"PRAGMA synchronous = {self.synchronous}")
        await conn.execute("PRAGMA secure_delete = ON")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
        return conn

    async def close(self) -> None:
        if self._committer is not None:
            assert self._deliveries is not None
            await self._deliveries.join()
            self._committer.cancel()
            try:
                await self._committer
            except asyncio.CancelledError:
                pass
            self._committer = None
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    async def __aenter__(self) -> Store:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _migrate(self) -> None:
        assert self._writer is not None
        await self._writer.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER NOT NULL)"
        )
        for name, script in MIGRATIONS:
            async with self._transaction() as conn:
                done = await self._fetchval(conn, "SELECT 1 FROM migrations WHERE name = ?", (name,))
                if done:
                    continue
                for statement in _split_sql(script):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)", (name, now_ms())
                )
                log.info("applied migration %s", name)

    # --- helpers ------------------------------------------------------------

    @staticmethod
    async def _fetchval(conn: aiosqlite.Connection, sql: str, params: Iterable[Any] = ()) -> Any:
        async with conn.execute(sql, tuple(params)) as cursor:
            row = await cursor.fetchone()
        return row[0] if row else None

    async def _one(self, sql: str, params: Iterable[Any] = ()) -> Any:
        rows = await self._all(sql, params)
        return rows[0] if rows else None

    async def _all(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        assert self._reader is not None, "store is not open"
        try:
            # One round trip to the connection's thread (execute + fetch + close would be three).
            return list(await self._reader.execute_fetchall(sql, tuple(params)))
        except sqlite3.Error as exc:
            raise StoreError(str(exc)) from exc

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction on the single writer connection."""
        conn = self._writer
        assert conn is not None, "store is not open"
        async with self._write_lock:
            try:
                await conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc
            try:
                yield conn
                await conn.execute("COMMIT")
            except BaseException as exc:
                try:
                    await conn.execute("ROLLBACK")
                except sqlite3.Error:
                    pass
                if isinstance(exc, sqlite3.IntegrityError):
                    raise Conflict(str(exc)) from exc
                if isinstance(exc, sqlite3.Error):
                    raise StoreError(str(exc)) from exc
                raise

    # --- accounts and keys ----------------------------------------------------

    async def get_account(self, name: str) -> Account | None:
        row = await self._one(
            "SELECT id, name, plan, created_at FROM accounts WHERE name = ?", (name,)
        )
        return Account(*row) if row else None

    async def ensure_account(self, name: str, plan: str | None = None) -> Account:
        """The account called `name`, created (Free unless `plan` says) if new."""
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO accounts (name, plan, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, plan or "free", now_ms()),
            )
            if plan is not None:
                await conn.execute("UPDATE accounts SET plan = ? WHERE name = ?", (plan, name))
        account = await self.get_account(name)
        assert account is not None
        return account

    async def list_accounts(self) -> list[tuple[Account, int, int]]:
        """Every account with its count of active keys and active inboxes."""
        rows = await self._all(
            "SELECT a.id, a.name, a.plan, a.created_at,"
            " (SELECT count(*) FROM api_keys k WHERE k.account_id = a.id AND k.revoked_at IS NULL),"
            " (SELECT count(*) FROM inboxes i WHERE i.account_id = a.id"
            "  AND i.deleted_at IS NULL AND i.expires_at > ?)"
            " FROM accounts a ORDER BY a.name",
            (now_ms(),),
        )
        return [(Account(*r[:4]), r[4], r[5]) for r in rows]

    async def set_plan(self, name: str, plan: str) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute("UPDATE accounts SET plan = ? WHERE name = ?", (plan, name))
            return cursor.rowcount > 0

    async def count_active_keys(self) -> int:
        return (await self._one("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"))[0]

    async def add_key(
        self, account_id: int, key_hash: bytes, prefix: str, label: str = ""
    ) -> str:
        key_id = uuid.uuid4().hex[:12]
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO api_keys (id, account_id, key_hash, prefix, label, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key_id, account_id, key_hash, prefix, label, now_ms()),
            )
        return key_id

    async def key_by_hash(self, key_hash: bytes) -> ApiKey | None:
        row = await self._one(
            f"SELECT {_KEY_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id"
            " WHERE k.key_hash = ?",
            (key_hash,),
        )
        return ApiKey(*row) if row else None

    async def list_keys(self) -> list[ApiKey]:
        rows = await self._all(
            f"SELECT {_KEY_COLUMNS} FROM api_keys k JOIN accounts a ON a.id = k.account_id"
            " ORDER BY a.name, k.created_at"
        )
        return [ApiKey(*r) for r in rows]

    async def revoke_key(self, key_id: str | None = None, key_hash: bytes | None = None) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL"
                " AND (id = ? OR key_hash = ?)",
                (now_ms(), key_id, key_hash),
            )
            return cursor.rowcount > 0

    # --- inboxes ------------------------------------------------------------

    async def create_inbox(
        self, account_id: int, local_part: str, domain: str, ttl_ms: int
    ) -> Inbox:
        """Create an inbox; Conflict if the address is in use or quarantined."""
        address = f"{local_part}@{domain}"
        created = now_ms()
        inbox_id = str(uuid.uuid4())
        async with self._transaction() as conn:
            held = await self._fetchval(
                conn, "SELECT until FROM address_quarantine WHERE address = ? AND until > ?",
                (address, created),
            )
            if held:
                raise Conflict(f"{address} is reserved")
            cursor = await conn.execute(
                "INSERT INTO inboxes (id, account_id, address, domain, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO NOTHING",
                (inbox_id, account_id, address, domain, created, created + ttl_ms),
            )
            if cursor.rowcount == 0:
                raise Conflict(f"{address} is taken")
            pk = cursor.lastrowid
        assert pk is not None
        return Inbox(pk, inbox_id, account_id, address, domain, created, created + ttl_ms, 0)

    async def get_inbox(self, inbox_id: str, account_id: int, now: int | None = None) -> Inbox | None:
        """An active inbox of this account, or None (also for other accounts' inboxes)."""
        row = await self._one(
            f"SELECT {_INBOX_COLUMNS} FROM inboxes WHERE id = ? AND account_id = ? AND {_ACTIVE_INBOX}",
            (inbox_id, account_id, now or now_ms()),
        )
        return _inbox(row) if row else None

    async def list_inboxes(self, account_id: int, limit: int = 50) -> tuple[list[Inbox], int]:
        now = now_ms()
        rows = await self._all(
            f"SELECT {_INBOX_COLUMNS} FROM inboxes WHERE account_id = ? AND {_ACTIVE_INBOX}"
            " ORDER BY created_at DESC, pk DESC LIMIT ?",
            (account_id, now, limit),
        )
        total = await self._one(
            f"SELECT count(*) FROM inboxes WHERE account_id = ? AND {_ACTIVE_INBOX}",
            (account_id, now),
        )
        return [_inbox(r) for r in rows], total[0]

    async def delete_inbox(self, inbox_id: str, account_id: int) -> bool:
        """Deactivate at once; the purge removes its mail later."""
        now = now_ms()
        async with self._transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE inboxes SET deleted_at = ? WHERE id = ? AND account_id = ? AND {_ACTIVE_INBOX}",
                (now, inbox_id, account_id, now),
            )
            return cursor.rowcount > 0

    async def receiving_inbox(self, address: str, now: int | None = None) -> tuple[Inbox, str | None] | None:
        """The active inbox at `address` and the status of its custom domain (None
        for a configured domain), or None."""
        row = await self._one(
            "SELECT i.pk, i.id, i.account_id, i.address, i.domain, i.created_at, i.expires_at,"
            " i.email_count, d.status, d.account_id FROM inboxes i"
            " LEFT JOIN custom_domains d ON d.name = i.domain"
            " WHERE i.address = ? AND i.deleted_at IS NULL AND i.expires_at > ?",
            (address, now or now_ms()),
        )
        if row is None:
            return None
        inbox = _inbox(row[:8])
        status, owner = row[8], row[9]
        if status is not None and owner != inbox.account_id:
            status = "foreign"
        return inbox, status

    # --- emails -------------------------------------------------------------

    async def deliver(self, inboxes: list[Inbox], email: NewEmail) -> list[str]:
        """Store `email` once in each inbox; returns the new email ids after the
        commit is durable. Raises StoreError if it could not be stored."""
        assert self._deliveries is not None, "store is not open"
        future: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()
        self._deliveries.put_nowait(_Delivery(list(inboxes), email, now_ms(), future))
        return await future

    async def _commit_deliveries(self) -> None:
        """The group commit: every delivery waiting when a transaction starts joins it."""
        assert self._deliveries is not None
        queue = self._deliveries
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                try:
                    results: list[list[str] | Exception] = list(await self._write_deliveries(batch))
                except Exception:
                    if len(batch) == 1:
                        raise
                    # One bad delivery must not fail its neighbours: retry each alone.
                    results = []
                    for delivery in batch:
                        try:
                            results.extend(await self._write_deliveries([delivery]))
                        except Exception as exc:
                            results.append(exc)
                for delivery, result in zip(batch, results, strict=True):
                    if delivery.future.done():
                        continue
                    if isinstance(result, Exception):
                        delivery.future.set_exception(_as_store_error(result))
                    else:
                        delivery.future.set_result(result)
            except Exception as exc:
                for delivery in batch:
                    if not delivery.future.done():
                        delivery.future.set_exception(_as_store_error(exc))
            finally:
                for _ in batch:
                    queue.task_done()

    async def _write_deliveries(self, batch: list[_Delivery]) -> list[list[str]]:
        rows = []
        ids_per_delivery: list[list[str]] = []
        arriving: dict[int, int] = {}
        for delivery in batch:
            e = delivery.email
            details = json.dumps(e.details, separators=(",", ":"))
            ids = []
            for inbox in delivery.inboxes:
                email_id = str(uuid.uuid4())
                ids.append(email_id)
                rows.append((email_id, inbox.pk, delivery.received_at, e.mail_from, e.subject,
                             e.text, e.html, e.size, details, e.raw))
                arriving[inbox.pk] = arriving.get(inbox.pk, 0) + 1
            ids_per_delivery.append(ids)
        # Only inboxes that may pass the cap are looked at again (counts from RCPT time).
        crowded = {
            inbox.pk for d in batch for inbox in d.inboxes
            if inbox.email_count + arriving[inbox.pk] > self.max_emails_per_inbox
        }
        async with self._transaction() as conn:
            await conn.executemany(
                "INSERT INTO emails (id, inbox_pk, received_at, mail_from, subject, text, html, size,"
                " details, raw) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            for pk in crowded:
                await conn.execute(
                    "DELETE FROM emails WHERE inbox_pk = ? AND seq <= (SELECT seq FROM emails"
                    " WHERE inbox_pk = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                    (pk, pk, self.max_emails_per_inbox),
                )
        for delivery, ids in zip(batch, ids_per_delivery, strict=True):
            for inbox, email_id in zip(delivery.inboxes, ids, strict=True):
                self.events.publish(
                    inbox.id,
                    inbox.account_id,
                    {
                        "id": email_id,
                        "inbox_id": inbox.id,
                        "from": delivery.email.mail_from,
                        "subject": delivery.email.subject,
                        "received_at": delivery.received_at,
                    },
                )
        return ids_per_delivery

    async def recent_emails(self, inbox: Inbox, limit: int = 100) -> list[Email]:
        rows = await self._all(
            f"SELECT {_EMAIL_COLUMNS} FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk"
            " WHERE e.inbox_pk = ? ORDER BY e.seq DESC LIMIT ?",
            (inbox.pk, limit),
        )
        return [_email(r) for r in rows]

    async def get_email(self, inbox: Inbox, email_id: str) -> Email | None:
        row = await self._one(
            f"SELECT {_EMAIL_COLUMNS}, e.details FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk"
            " WHERE e.id = ? AND e.inbox_pk = ?",
            (email_id, inbox.pk),
        )
        return _email(row[:-1], row[-1]) if row else None

    async def email_after(self, inbox: Inbox, after_seq: int) -> Email | None:
        """The oldest email of the inbox newer than `after_seq`, with details."""
        row = await self._one(
            f"SELECT {_EMAIL_COLUMNS}, e.details FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk"
            " WHERE e.inbox_pk = ? AND e.seq > ? ORDER BY e.seq LIMIT 1",
            (inbox.pk, after_seq),
        )
        return _email(row[:-1], row[-1]) if row else None

    async def get_raw(self, inbox: Inbox, email_id: str) -> bytes | None:
        row = await self._one(
            "SELECT raw FROM emails WHERE id = ? AND inbox_pk = ?", (email_id, inbox.pk)
        )
        return row[0] if row else None

    async def delete_email(self, inbox: Inbox, email_id: str) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM emails WHERE id = ? AND inbox_pk = ?", (email_id, inbox.pk)
            )
            return cursor.rowcount > 0

    # --- custom domains ---------------------------------------------------------

    async def add_domain(self, name: str, account_id: int, token: str) -> CustomDomain:
        """Claim `name` for the account (pending). Conflict if another account holds it;
        the same account adding again gets its existing record."""
        async with self._transaction() as conn:
            owner = await self._fetchval(
                conn, "SELECT account_id FROM custom_domains WHERE name = ?", (name,)
            )
            if owner is not None and owner != account_id:
                raise Conflict(f"{name} belongs to another account")
            if owner is None:
                await conn.execute(
                    "INSERT INTO custom_domains (name, account_id, status, token, created_at)"
                    " VALUES (?, ?, 'pending', ?, ?)",
                    (name, account_id, token, now_ms()),
                )
        domain = await self.get_domain(name)
        assert domain is not None
        return domain

    async def get_domain(self, name: str) -> CustomDomain | None:
        row = await self._one(
            f"SELECT {_DOMAIN_COLUMNS} FROM custom_domains d JOIN accounts a ON a.id = d.account_id"
            " WHERE d.name = ?",
            (name,),
        )
        return _domain(row) if row else None

    async def list_domains(self, account_id: int | None = None) -> list[CustomDomain]:
        if account_id is None:
            rows = await self._all(
                f"SELECT {_DOMAIN_COLUMNS} FROM custom_domains d JOIN accounts a ON a.id = d.account_id"
                " ORDER BY d.name"
            )
        else:
            rows = await self._all(
                f"SELECT {_DOMAIN_COLUMNS} FROM custom_domains d JOIN accounts a ON a.id = d.account_id"
                " WHERE d.account_id = ? ORDER BY d.name",
                (account_id,),
            )
        return [_domain(r) for r in rows]

    async def domains_due_for_check(self, checked_before: int) -> list[CustomDomain]:
        rows = await self._all(
            f"SELECT {_DOMAIN_COLUMNS} FROM custom_domains d JOIN accounts a ON a.id = d.account_id"
            " WHERE d.status IN ('verified', 'failing', 'suspended')"
            " AND coalesce(d.checked_at, 0) < ? ORDER BY d.checked_at LIMIT 100",
            (checked_before,),
        )
        return [_domain(r) for r in rows]

    async def record_domain_check(
        self, name: str, status: str, failures: int, result: dict[str, Any], verified: bool
    ) -> None:
        now = now_ms()
        async with self._transaction() as conn:
            await conn.execute(
                "UPDATE custom_domains SET status = ?, failures = ?, last_result = ?, checked_at = ?,"
                " verified_at = CASE WHEN ? THEN coalesce(verified_at, ?) ELSE verified_at END"
                " WHERE name = ?",
                (status, failures, json.dumps(result), now, verified, now, name),
            )

    async def remove_domain(self, name: str, account_id: int | None = None) -> bool:
        """Forget the domain; its inboxes stay readable but no longer receive."""
        async with self._transaction() as conn:
            if account_id is None:
                cursor = await conn.execute("DELETE FROM custom_domains WHERE name = ?", (name,))
            else:
                cursor = await conn.execute(
                    "DELETE FROM custom_domains WHERE name = ? AND account_id = ?", (name, account_id)
                )
            return cursor.rowcount > 0

    # --- maintenance ----------------------------------------------------------

    async def purge(self, now: int | None = None, batch_size: int = 500) -> PurgeStats:
        """Remove expired and deleted inboxes with their mail, in short transactions;
        their addresses stay reserved for the quarantine."""
        quarantine_ms = self.quarantine_ms
        now = now or now_ms()
        inboxes = emails = batches = 0
        while True:
            async with self._transaction() as conn:
                # Two indexed, limited scans (a UNION would sort every candidate each batch).
                doomed = list(await conn.execute_fetchall(
                    "SELECT pk, address FROM inboxes WHERE deleted_at IS NOT NULL LIMIT 100"
                ))
                if len(doomed) < 100:
                    doomed += await conn.execute_fetchall(
                        "SELECT pk, address FROM inboxes WHERE expires_at <= ? AND deleted_at IS NULL"
                        " LIMIT ?",
                        (now, 100 - len(doomed)),
                    )
                if not doomed:
                    break
                pks = [r[0] for r in doomed]
                marks = ",".join("?" * len(pks))
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
                            [(address, now + quarantine_ms) for _, address in doomed],
                        )
                    inboxes += len(pks)
            batches += 1
            await asyncio.sleep(0)  # let deliveries and API writes take the lock between batches
        async with self._transaction() as conn:
            await conn.execute("DELETE FROM address_quarantine WHERE until <= ?", (now,))
        if inboxes:
            for _ in range(100):  # up to ~800 MB back to the file system per purge, in slices
                if not await self.vacuum_free_pages():
                    break
                await asyncio.sleep(0)
        return PurgeStats(inboxes, emails, batches)

    async def vacuum_free_pages(self, pages: int = 2000) -> bool:
        """Give up to `pages` freed pages back to the file system; whether any were left."""
        assert self._writer is not None
        async with self._write_lock:
            try:
                if not await self._fetchval(self._writer, "PRAGMA freelist_count"):
                    return False
                # Each step of this pragma frees one page; executescript steps it to the end
                # (plain execute stops after the first page). It runs as its own transaction.
                await self._writer.executescript(f"PRAGMA incremental_vacuum({int(pages)});")
            except sqlite3.Error as exc:
                raise StoreError(str(exc)) from exc
        return True

    async def backup(self, target: str | Path) -> None:
        """A consistent online copy of the database at `target`."""
        assert self._reader is not None
        dest = await aiosqlite.connect(str(target))
        try:
            await self._reader.backup(dest)
        finally:
            await dest.close()

    async def integrity_check(self) -> str:
        row = await self._one("PRAGMA integrity_check")
        return row[0]


def _as_store_error(exc: BaseException) -> StoreError:
    return exc if isinstance(exc, StoreError) else StoreError(str(exc) or type(exc).__name__)


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements; triggers keep their inner semicolons."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
