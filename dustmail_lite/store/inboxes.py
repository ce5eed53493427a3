"""Queries on inboxes."""

from __future__ import annotations

import uuid
from typing import Any

from ..plans import DomainStatus
from .engine import Engine
from .errors import Conflict
from .rows import Inbox, InboxRow, ReceivingInbox, map_rows

_INBOX_COLUMNS = "pk, id, account_id, address, domain, created_at, expires_at, email_count"
_ACTIVE_INBOX = "deleted_at IS NULL AND expires_at > ?"
_LAST_SEQ = "coalesce((SELECT max(s.seq) FROM emails s WHERE s.inbox_pk = inboxes.pk), 0) AS last_seq"


def like_pattern(query: str) -> str:
    """A LIKE pattern matching `query` anywhere, its wildcards taken literally (ESCAPE '\\')."""
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class InboxQueries(Engine):
    async def create_inbox(self, account_id: int, local_part: str, domain: str, ttl_ms: int) -> Inbox:
        """Create an inbox; Conflict if the address is in use or quarantined."""
        address = f"{local_part}@{domain}"
        created = self.now()
        inbox_id = str(uuid.uuid4())
        async with self._transaction() as conn:
            held = await self._fetchval(
                conn,
                "SELECT until FROM address_quarantine WHERE address = ? AND until > ?",
                (address, created),
            )
            if held:
                raise Conflict(f"{address} is reserved")
            pk = await self._fetchval(
                conn,
                "INSERT INTO inboxes (id, account_id, address, domain, created_at, expires_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (address) DO NOTHING RETURNING pk",
                (inbox_id, account_id, address, domain, created, created + ttl_ms),
            )
            if pk is None:
                raise Conflict(f"{address} is taken")
        assert pk is not None
        return Inbox(pk, inbox_id, account_id, address, domain, created, created + ttl_ms, 0)

    async def get_inbox(self, inbox_id: str, account_id: int, now: int | None = None) -> Inbox | None:
        """An active inbox of this account, or None (also for other accounts' inboxes)."""
        row = await self._one(
            f"SELECT {_INBOX_COLUMNS} FROM inboxes WHERE id = ? AND account_id = ? AND {_ACTIVE_INBOX}",
            (inbox_id, account_id, now or self.now()),
        )
        return Inbox.from_row(row) if row else None

    async def list_inboxes(
        self,
        account_id: int,
        limit: int = 50,
        older_than: tuple[int, int] | None = None,
        query: str | None = None,
    ) -> tuple[list[InboxRow], int, int | None]:
        """Active inboxes newest first, after the position (created_at, pk) `older_than`, whose
        address contains `query`; each with the seq of its newest email, read in the same
        statement as its count. Also the account's total, and the number of matches of `query`."""
        now = self.now()
        where = f"account_id = ? AND {_ACTIVE_INBOX}"
        params: list[Any] = [account_id, now]
        if query is not None:
            where += " AND address LIKE ? ESCAPE '\\'"
            params.append(like_pattern(query))
        page_where, page_params = where, list(params)
        if older_than is not None:
            page_where += " AND (created_at, pk) < (?, ?)"
            page_params.extend(older_than)
        rows = await self._all(
            f"SELECT {_INBOX_COLUMNS}, {_LAST_SEQ} FROM inboxes WHERE {page_where}"
            " ORDER BY created_at DESC, pk DESC LIMIT ?",
            (*page_params, limit),
        )
        total = await self._count(
            f"SELECT count(*) FROM inboxes WHERE account_id = ? AND {_ACTIVE_INBOX}", (account_id, now)
        )
        matches = None
        if query is not None:
            matches = await self._count(f"SELECT count(*) FROM inboxes WHERE {where}", params)
        listed = [
            InboxRow(inbox, row["last_seq"]) for inbox, row in zip(map_rows(Inbox, rows), rows, strict=True)
        ]
        return listed, total, matches

    async def inbox_position(self, inbox_id: str, account_id: int) -> tuple[int, int] | None:
        """(created_at, pk) of an inbox of this account: where a page after it starts."""
        row = await self._one(
            "SELECT created_at, pk FROM inboxes WHERE id = ? AND account_id = ?", (inbox_id, account_id)
        )
        return (row["created_at"], row["pk"]) if row else None

    async def inbox_state(self, inbox: Inbox) -> tuple[int, int]:
        """(email count, seq of the newest email), read together so they agree."""
        row = await self._one(f"SELECT email_count, {_LAST_SEQ} FROM inboxes WHERE pk = ?", (inbox.pk,))
        return (row["email_count"], row["last_seq"]) if row else (0, 0)

    async def count_active_inboxes(self, account_id: int) -> int:
        return await self._count(
            f"SELECT count(*) FROM inboxes WHERE account_id = ? AND {_ACTIVE_INBOX}", (account_id, self.now())
        )

    async def delete_inbox(self, inbox_id: str, account_id: int) -> bool:
        """Deactivate at once; the purge removes its mail later."""
        now = self.now()
        async with self._transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE inboxes SET deleted_at = ? WHERE id = ? AND account_id = ? AND {_ACTIVE_INBOX}",
                (now, inbox_id, account_id, now),
            )
            return cursor.rowcount > 0

    async def receiving_inbox(self, address: str, now: int | None = None) -> ReceivingInbox | None:
        """The active inbox at `address` with the custom domain it is on (if claimed), or None."""
        row = await self._one(
            "SELECT i.pk, i.id, i.account_id, i.address, i.domain, i.created_at, i.expires_at,"
            " i.email_count, d.status AS domain_status, d.account_id AS domain_owner,"
            " i.stored_bytes AS inbox_bytes, a.stored_bytes AS account_bytes, a.plan FROM inboxes i"
            " JOIN accounts a ON a.id = i.account_id"
            " LEFT JOIN custom_domains d ON d.name = i.domain AND d.status != 'pending'"
            " WHERE i.address = ? AND i.deleted_at IS NULL AND i.expires_at > ?",
            (address, now or self.now()),
        )
        if row is None:
            return None
        status = row["domain_status"]
        return ReceivingInbox(
            Inbox.from_row(row),
            DomainStatus(status) if status is not None else None,
            row["domain_owner"],
            (row["inbox_bytes"] or 0, row["account_bytes"], row["plan"]),
        )
