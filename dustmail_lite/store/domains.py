"""Queries on custom domains."""

from __future__ import annotations

import json
from typing import Any

from ..plans import DomainStatus
from .engine import Engine
from .errors import Conflict
from .rows import CustomDomain

_DOMAIN_SELECT = (
    "SELECT d.name, d.account_id, a.name AS account_name, d.status, d.token, d.created_at, d.verified_at,"
    " d.checked_at, d.failures, d.last_result FROM custom_domains d JOIN accounts a ON a.id = d.account_id"
)


class DomainQueries(Engine):
    async def add_domain(self, name: str, account_id: int, token: str) -> CustomDomain:
        """Claim `name` for the account (pending). Conflict if another account has
        verified it; pending claims of others do not block (the first to verify wins);
        the same account adding again gets its existing record."""
        async with self._transaction() as conn:
            holder = await self._fetchval(
                conn,
                "SELECT account_id FROM custom_domains WHERE name = ? AND status != ?",
                (name, str(DomainStatus.PENDING)),
            )
            if holder is not None and holder != account_id:
                raise Conflict(f"{name} is taken")
            await conn.execute(
                "INSERT INTO custom_domains (name, account_id, status, token, created_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name, account_id) DO NOTHING",
                (name, account_id, str(DomainStatus.PENDING), token, self.now()),
            )
        domain = await self.get_domain(name, account_id)
        assert domain is not None
        return domain

    async def get_domain(self, name: str, account_id: int | None = None) -> CustomDomain | None:
        """The account's claim on `name`; without an account, the verified holder's
        record, else the oldest pending claim."""
        if account_id is not None:
            row = await self._one(
                f"{_DOMAIN_SELECT} WHERE d.name = ? AND d.account_id = ?", (name, account_id)
            )
        else:
            row = await self._one(
                f"{_DOMAIN_SELECT} WHERE d.name = ? ORDER BY d.status = ?, d.created_at LIMIT 1",
                (name, str(DomainStatus.PENDING)),
            )
        return CustomDomain.from_row(row) if row else None

    async def domain_claims(self, name: str) -> list[CustomDomain]:
        """Every account's claim on `name`: the verified holder's first, then pending, oldest first."""
        rows = await self._all(
            f"{_DOMAIN_SELECT} WHERE d.name = ? ORDER BY d.status = ?, d.created_at",
            (name, str(DomainStatus.PENDING)),
        )
        return [CustomDomain.from_row(r) for r in rows]

    async def expire_domain_claims(self, created_before: int) -> int:
        """Drop pending claims made before `created_before` (ms); returns how many."""
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM custom_domains WHERE status = ? AND created_at < ?",
                (str(DomainStatus.PENDING), created_before),
            )
            return cursor.rowcount

    async def list_domains(self, account_id: int | None = None) -> list[CustomDomain]:
        if account_id is None:
            rows = await self._all(f"{_DOMAIN_SELECT} ORDER BY d.name")
        else:
            rows = await self._all(f"{_DOMAIN_SELECT} WHERE d.account_id = ? ORDER BY d.name", (account_id,))
        return [CustomDomain.from_row(r) for r in rows]

    async def domains_due_for_check(self, checked_before: int) -> list[CustomDomain]:
        rows = await self._all(
            f"{_DOMAIN_SELECT} WHERE d.status IN (?, ?, ?)"
            " AND coalesce(d.checked_at, 0) < ? ORDER BY d.checked_at NULLS FIRST LIMIT 100",
            (DomainStatus.VERIFIED, DomainStatus.FAILING, DomainStatus.SUSPENDED, checked_before),
        )
        return [CustomDomain.from_row(r) for r in rows]

    async def record_domain_check(
        self,
        name: str,
        account_id: int,
        status: DomainStatus,
        failures: int,
        result: dict[str, Any],
        verified: bool,
    ) -> bool:
        """Store a check of the account's claim; False if the claim is gone. Conflict if it
        verified but another account verified the name first; a win drops the other claims."""
        now = self.now()
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE custom_domains SET status = ?, failures = ?, last_result = ?, checked_at = ?,"
                " verified_at = CASE WHEN ? THEN coalesce(verified_at, ?) ELSE verified_at END"
                " WHERE name = ? AND account_id = ?",
                (str(status), failures, json.dumps(result), now, verified, now, name, account_id),
            )
            if cursor.rowcount and status != DomainStatus.PENDING:
                await conn.execute(
                    "DELETE FROM custom_domains WHERE name = ? AND account_id != ? AND status = ?",
                    (name, account_id, str(DomainStatus.PENDING)),
                )
            return cursor.rowcount > 0

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
