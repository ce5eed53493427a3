"""Queries on emails, and the batch write behind the group commit."""

from __future__ import annotations

import json
import uuid

from .delivery import Delivery
from .engine import Engine
from .rows import Email, Inbox, StoredEmail, map_rows

_EMAIL_SELECT = (
    "SELECT e.seq, e.id, i.id AS inbox_id, e.mail_from, e.subject, e.text, e.html, e.received_at,"
    " e.size{details} FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk"
)
_SUMMARY = _EMAIL_SELECT.format(details="")
_DETAILED = _EMAIL_SELECT.format(details=", e.details")


class EmailQueries(Engine):
    max_emails_per_inbox: int

    async def _write_deliveries(self, batch: list[Delivery]) -> list[list[str]]:
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
                rows.append(
                    (
                        email_id,
                        inbox.pk,
                        delivery.received_at,
                        e.mail_from,
                        e.subject,
                        e.text,
                        e.html,
                        e.size,
                        details,
                        e.raw,
                    )
                )
                arriving[inbox.pk] = arriving.get(inbox.pk, 0) + 1
            ids_per_delivery.append(ids)
        # Only inboxes that may pass the cap are looked at again (counts from RCPT time).
        crowded = {
            inbox.pk
            for d in batch
            for inbox in d.inboxes
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
            await self._announce(conn, [email_id for ids in ids_per_delivery for email_id in ids])
        return ids_per_delivery

    async def stored_emails(self, email_ids: list[str]) -> list[StoredEmail]:
        """What `on_committed` reports, for emails another node stored (those still there)."""
        if not email_ids:
            return []
        marks = ",".join("?" * len(email_ids))
        rows = await self._all(
            "SELECT e.id, i.id AS inbox_id, i.account_id, e.mail_from, e.subject, e.received_at"
            f" FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk WHERE e.id IN ({marks}) ORDER BY e.seq",
            email_ids,
        )
        return map_rows(StoredEmail, rows)

    async def recent_emails(self, inbox: Inbox, limit: int = 100) -> list[Email]:
        rows = await self._all(
            f"{_SUMMARY} WHERE e.inbox_pk = ? ORDER BY e.seq DESC LIMIT ?", (inbox.pk, limit)
        )
        return map_rows(Email, rows, skip=("details",))

    async def get_email(self, inbox: Inbox, email_id: str) -> Email | None:
        row = await self._one(f"{_DETAILED} WHERE e.id = ? AND e.inbox_pk = ?", (email_id, inbox.pk))
        return Email.from_row(row, with_details=True) if row else None

    async def email_after(self, inbox: Inbox, after_seq: int) -> Email | None:
        """The oldest email of the inbox newer than `after_seq`, with details."""
        row = await self._one(
            f"{_DETAILED} WHERE e.inbox_pk = ? AND e.seq > ? ORDER BY e.seq LIMIT 1", (inbox.pk, after_seq)
        )
        return Email.from_row(row, with_details=True) if row else None

    async def get_raw(self, inbox: Inbox, email_id: str) -> bytes | None:
        row = await self._one("SELECT raw FROM emails WHERE id = ? AND inbox_pk = ?", (email_id, inbox.pk))
        return bytes(row["raw"]) if row else None

    async def delete_email(self, inbox: Inbox, email_id: str) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM emails WHERE id = ? AND inbox_pk = ?", (email_id, inbox.pk)
            )
            return cursor.rowcount > 0
