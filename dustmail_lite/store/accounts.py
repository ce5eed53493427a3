"""Queries on accounts and their API keys."""

from __future__ import annotations

import uuid

from ..plans import Plan
from .engine import Engine
from .rows import Account, ApiKey

_KEY_SELECT = (
    "SELECT k.id, k.account_id, a.name AS account_name, a.plan, k.prefix, k.label, k.created_at,"
    " k.revoked_at, k.key_hash FROM api_keys k JOIN accounts a ON a.id = k.account_id"
)


class AccountQueries(Engine):
    async def get_account(self, name: str) -> Account | None:
        row = await self._one("SELECT id, name, plan, created_at FROM accounts WHERE name = ?", (name,))
        return Account.from_row(row) if row else None

    async def last_event_id(self, account_id: int) -> int:
        """The newest event id given to an email of the account (0 before the first)."""
        row = await self._one("SELECT last_event_id FROM accounts WHERE id = ?", (account_id,))
        return int(row[0]) if row else 0

    async def ensure_account(self, name: str, plan: Plan | str | None = None) -> Account:
        """The account called `name`, created (Free unless `plan` says) if new."""
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO accounts (name, plan, created_at) VALUES (?, ?, ?)"
                " ON CONFLICT (name) DO NOTHING",
                (name, str(plan or Plan.FREE), self.now()),
            )
            if plan is not None:
                await conn.execute("UPDATE accounts SET plan = ? WHERE name = ?", (str(plan), name))
        account = await self.get_account(name)
        assert account is not None
        return account

    async def list_accounts(self) -> list[tuple[Account, int, int]]:
        """Every account with its count of active keys and active inboxes."""
        rows = await self._all(
            "SELECT a.id, a.name, a.plan, a.created_at,"
            " (SELECT count(*) FROM api_keys k WHERE k.account_id = a.id AND k.revoked_at IS NULL)"
            "  AS active_keys,"
            " (SELECT count(*) FROM inboxes i WHERE i.account_id = a.id"
            "  AND i.deleted_at IS NULL AND i.expires_at > ?) AS active_inboxes"
            " FROM accounts a ORDER BY a.name",
            (self.now(),),
        )
        return [(Account.from_row(r), r["active_keys"], r["active_inboxes"]) for r in rows]

    async def set_plan(self, name: str, plan: Plan | str) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute("UPDATE accounts SET plan = ? WHERE name = ?", (str(plan), name))
            return cursor.rowcount > 0

    async def count_active_keys(self) -> int:
        return await self._count("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL")

    async def add_key(self, account_id: int, key_hash: bytes, prefix: str, label: str = "") -> str:
        key_id = uuid.uuid4().hex[:12]
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO api_keys (id, account_id, key_hash, prefix, label, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (key_id, account_id, key_hash, prefix, label, self.now()),
            )
        return key_id

    async def key_by_hash(self, key_hash: bytes) -> ApiKey | None:
        row = await self._one(f"{_KEY_SELECT} WHERE k.key_hash = ?", (key_hash,))
        return ApiKey.from_row(row) if row else None

    async def list_keys(self) -> list[ApiKey]:
        rows = await self._all(f"{_KEY_SELECT} ORDER BY a.name, k.created_at")
        return [ApiKey.from_row(r) for r in rows]

    async def key_is_active(self, key_id: str) -> bool:
        row = await self._one("SELECT 1 FROM api_keys WHERE id = ? AND revoked_at IS NULL", (key_id,))
        return row is not None

    async def revoke_key(self, key_id: str | None = None, key_hash: bytes | None = None) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE revoked_at IS NULL AND (id = ? OR key_hash = ?)",
                (self.now(), key_id, key_hash),
            )
            return cursor.rowcount > 0
