"""Queries on recorded SMTP refusals ("why did my mail not arrive")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .engine import Connection, Engine
from .rows import map_rows


@dataclass(frozen=True)
class NewRefusal:
    at: int
    stage: str  # RCPT or DATA
    client_ip: str
    mail_from: str
    rcpt: str
    domain: str
    reply: str
    reason: str
    account_id: int | None = None  # known for DATA refusals (the inbox was accepted at RCPT)
    inbox_id: str | None = None


@dataclass(frozen=True)
class Refusal:
    id: int
    at: int
    stage: str
    client_ip: str
    mail_from: str
    rcpt: str
    domain: str
    inbox_id: str | None
    reply: str
    reason: str


class RefusalQueries(Engine):
    async def record_refusals(self, refusals: list[NewRefusal], keep_ms: int, max_rows: int) -> None:
        """Store a batch, each attributed to the account whose inbox (in any state) has the
        address or whose verified domain it is on; then drop what is too old or too many."""
        rows: list[tuple[Any, ...]] = []
        now = self.now()
        async with self._transaction() as conn:
            for r in refusals:
                account_id, inbox_id, reason = await self._attribute(conn, r, now)
                rows.append(
                    (
                        r.at,
                        r.stage,
                        r.client_ip,
                        r.mail_from[:320],
                        r.rcpt[:320],
                        r.domain[:255],
                        account_id,
                        inbox_id,
                        r.reply[:300],
                        reason,
                    )
                )
            await conn.executemany(
                "INSERT INTO smtp_refusals (at, stage, client_ip, mail_from, rcpt, domain, account_id,"
                " inbox_id, reply, reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            await conn.execute("DELETE FROM smtp_refusals WHERE at < ?", (self.now() - keep_ms,))
            await conn.execute(
                "DELETE FROM smtp_refusals WHERE id <= (SELECT id FROM smtp_refusals"
                " ORDER BY id DESC LIMIT 1 OFFSET ?)",
                (max_rows,),
            )

    @staticmethod
    async def _attribute(conn: Connection, r: NewRefusal, now: int) -> tuple[int | None, str | None, str]:
        """(account, inbox id, reason) of a refusal: the account whose inbox (in any state) has
        the address, else the one that proved it owns the domain; the reason made precise."""
        account_id, inbox_id, reason = r.account_id, r.inbox_id, r.reason
        if account_id is not None:
            return account_id, inbox_id, reason
        found = list(
            await conn.execute_fetchall(
                "SELECT account_id, id, deleted_at IS NOT NULL OR expires_at <= ? AS ended"
                " FROM inboxes WHERE address = ?",
                (now, r.rcpt),
            )
        )
        if found and reason == "unknown_mailbox":
            # The address has an inbox: ended, or on a domain that does not receive.
            reason = "inbox_ended" if found[0]["ended"] else "domain_not_receiving"
        if not found:
            # A domain the account proved it owns (pending claims prove nothing).
            found = list(
                await conn.execute_fetchall(
                    "SELECT account_id, NULL AS id, status FROM custom_domains"
                    " WHERE name = ? AND status != 'pending'",
                    (r.domain,),
                )
            )
            if found and found[0]["status"] == "suspended":
                reason = "domain_suspended"
        if found:
            return found[0][0], found[0][1], reason
        return None, None, reason

    async def list_refusals(
        self,
        account_id: int,
        limit: int = 100,
        before_id: int | None = None,
        inbox_id: str | None = None,
        domain: str | None = None,
    ) -> list[Refusal]:
        """The account's refusals, newest first; only ever its own."""
        where = ["account_id = ?"]
        params: list[Any] = [account_id]
        for column, value in (("inbox_id", inbox_id), ("domain", domain)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        if before_id is not None:
            where.append("id < ?")
            params.append(before_id)
        rows = await self._all(
            "SELECT id, at, stage, client_ip, mail_from, rcpt, domain, inbox_id, reply, reason"
            f" FROM smtp_refusals WHERE {' AND '.join(where)} ORDER BY id DESC LIMIT ?",
            (*params, limit),
        )
        return map_rows(Refusal, rows)
