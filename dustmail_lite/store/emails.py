"""Queries on emails, and the batch write behind the group commit."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable
from typing import Any

from .delivery import Delivery
from .engine import Connection, postgres_twin
from .inboxes import like_pattern
from .quotas import QuotaQueries
from .rows import PREVIEW_CHARS, Email, EmailPreview, Inbox, Placement, StoredEmail, map_rows
from .schema import VIEW_BODY_CHARS

# Whether it came over STARTTLS, and its sub-address tag: kept in the details JSON.
# (PostgreSQL: `json`, not `jsonb`, which refuses the \u0000 that hostile mail puts there.)
_TLS = postgres_twin(
    "coalesce(json_extract(e.details, '$.tls'), 0)", "coalesce((e.details::json ->> 'tls')::boolean, false)"
)
_TAG = postgres_twin("json_extract(e.details, '$.tag')", "(e.details::json ->> 'tag')")
_DELIVERY = f"{_TLS} AS tls, {_TAG} AS tag"
_EMAIL_SELECT = (
    "SELECT e.seq, e.id, i.id AS inbox_id, e.mail_from, e.subject, e.text, e.html, e.received_at,"
    f" e.size, e.event_id, {_DELIVERY}{{details}} FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk"
)
_SUMMARY = _EMAIL_SELECT.format(details="")
_DETAILED = _EMAIL_SELECT.format(details=", e.details")
_PREVIEW = (
    f"SELECT e.seq, e.id, e.mail_from, e.subject, substr(e.text, 1, {PREVIEW_CHARS}) AS preview,"
    f" e.html != '' AS has_html, e.received_at, e.size, e.event_id, {_DELIVERY} FROM emails e"
)
_MATCHES = (
    "(e.subject LIKE ? ESCAPE '\\' OR e.mail_from LIKE ? ESCAPE '\\' OR e.text LIKE ? ESCAPE '\\'"
    f" OR '+' || {_TAG} LIKE ? ESCAPE '\\')"
)
# coalesce() evaluates lazily: a body that has a cut copy in email_previews is never loaded.
_VIEW = (
    "SELECT e.seq, e.id, i.id AS inbox_id, e.mail_from, e.subject, coalesce(p.text, e.text) AS text,"
    " coalesce(p.html, e.html) AS html, e.received_at, e.size, e.event_id, p.seq IS NOT NULL AS truncated,"
    f" {_DELIVERY}"
    " FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk LEFT JOIN email_previews p ON p.seq = e.seq"
)


class EmailQueries(QuotaQueries):
    max_emails_per_inbox: int
    _search_dirty: bool
    # Filled by each batch write after its commit, read by the commit callback.
    _placed: dict[str, Placement]

    async def _write_deliveries(self, batch: list[Delivery]) -> list[list[str]]:
        rows, ids_per_delivery, arriving, per_account = _email_rows(batch, self._json_text)
        # Only inboxes that may pass the cap are looked at again (counts from RCPT time).
        crowded = {
            inbox.pk
            for d in batch
            for inbox in d.inboxes
            if inbox.email_count + arriving[inbox.pk] > self.max_emails_per_inbox
        }

        async def write(conn: Connection) -> dict[str, Placement]:
            await self._lock_inboxes(conn, arriving)
            # Numbering locks the accounts' rows (PostgreSQL): the quotas are then read after
            # any other node's delivery to these accounts has committed.
            await self._number_events(conn, batch, rows, per_account)
            await self._check_quotas(conn, batch)
            await conn.executemany(
                "INSERT INTO emails (id, inbox_pk, account_id, event_id, received_at, mail_from, rcpt,"
                " subject, text, html, size, has_attachment, details, raw)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            await self._enqueue_webhooks(conn, batch, ids_per_delivery)
            big = [  # rows: id, inbox, account, event, received, from, rcpt, subject, text (8), html (9)
                (row[0],) for row in rows if len(row[8]) > VIEW_BODY_CHARS or len(row[9]) > VIEW_BODY_CHARS
            ]
            if big:
                await conn.executemany(
                    "INSERT INTO email_previews (seq, text, html) SELECT seq, substr(text, 1, ?),"
                    " substr(html, 1, ?) FROM emails WHERE id = ?",
                    [(VIEW_BODY_CHARS, VIEW_BODY_CHARS, email_id) for (email_id,) in big],
                )
            for pk in crowded:
                self._search_dirty = True
                await conn.execute(
                    "DELETE FROM emails WHERE inbox_pk = ? AND seq <= (SELECT seq FROM emails"
                    " WHERE inbox_pk = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)",
                    (pk, pk, self.max_emails_per_inbox),
                )
            placed = await self._placements(conn, [row[0] for row in rows])
            await self._announce(conn, [email_id for ids in ids_per_delivery for email_id in ids])
            return placed

        if len(batch) == 1:
            # A lone delivery (a quiet server: the sender waits on this): one hand-over
            # where the engine allows it.
            placed = await self._run_transaction(write)
        else:
            # A batch (a busy server): statement by statement on the loop. On SQLite the
            # Python part then does not contend with the loop for the GIL, and the longer
            # transaction gathers larger batches (measured: fewer commits, less CPU per
            # message at 10 sessions than with every batch on the writer's thread).
            async with self._transaction() as conn:
                placed = await write(conn)
        self._placed.update(placed)
        return ids_per_delivery

    async def stored_emails(self, email_ids: list[str]) -> list[StoredEmail]:
        """What `on_committed` reports, for emails another node stored (those still there;
        the count is the inbox's now)."""
        if not email_ids:
            return []
        marks = ",".join("?" * len(email_ids))
        rows = await self._all(
            "SELECT e.id, i.id AS inbox_id, i.account_id, e.mail_from, e.subject, e.received_at,"
            f" substr(e.text, 1, {PREVIEW_CHARS}) AS preview, e.html != '' AS has_html, e.size, e.seq,"
            f" i.email_count, e.event_id, {_DELIVERY} FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk"
            f" WHERE e.id IN ({marks}) ORDER BY e.seq",
            email_ids,
        )
        return [
            StoredEmail(
                r["id"],
                r["inbox_id"],
                r["account_id"],
                r["mail_from"],
                r["subject"],
                r["received_at"],
                preview=r["preview"],
                has_html=bool(r["has_html"]),
                size=r["size"],
                seq=r["seq"],
                email_count=r["email_count"],
                tls=bool(r["tls"]),
                tag=r["tag"],
                event_id=r["event_id"],
            )
            for r in rows
        ]

    @staticmethod
    async def _placements(conn: Connection, ids: list[str]) -> dict[str, Placement]:
        """Each new email's seq and its inbox's count, inside the writing transaction: a live
        view adds the email from its event alone, in order, with an exact count."""
        placed: dict[str, Placement] = {}
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            rows = await conn.execute_fetchall(
                "SELECT e.id, e.seq, i.email_count FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk"
                f" WHERE e.id IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for row in rows:
                placed[row[0]] = Placement(row[1], row[2])
        return placed

    @staticmethod
    def _email_filter(
        inbox: Inbox, older_than_seq: int | None, query: str | None, after_event: int = 0
    ) -> tuple[str, list[Any]]:
        where = "e.inbox_pk = ?"
        params: list[Any] = [inbox.pk]
        if after_event:
            where += " AND e.event_id > ?"
            params.append(after_event)
        if older_than_seq is not None:
            where += " AND e.seq < ?"
            params.append(older_than_seq)
        if query is not None:
            where += f" AND {_MATCHES}"
            params.extend([like_pattern(query)] * 4)
        return where, params

    async def page_emails(
        self,
        inbox: Inbox,
        limit: int = 100,
        older_than_seq: int | None = None,
        query: str | None = None,
        after_event: int = 0,
    ) -> list[Email]:
        """Emails newest first (by seq, the order of storing) before `older_than_seq`, with
        `query` in the subject, sender, text or `+tag`, past the event cursor `after_event`; the
        text and html of big
        emails are their first VIEW_BODY_CHARS characters, with `truncated` set (the whole bodies
        are not read)."""
        where, params = self._email_filter(inbox, older_than_seq, query, after_event)
        rows = await self._all(f"{_VIEW} WHERE {where} ORDER BY e.seq DESC LIMIT ?", (*params, limit))
        return [
            dataclasses.replace(e, truncated=bool(e.truncated), tls=bool(e.tls))
            for e in map_rows(Email, rows, skip=("details",))
        ]

    @staticmethod
    async def _number_events(
        conn: Connection, batch: list[Delivery], rows: list[list[Any]], per_account: dict[int, int]
    ) -> None:
        """Each account's next event ids, in the order of the batch (one counter row per account).
        The counter's row lock is held to the commit, so on a shared database the ids of one
        account are unique and committed in their order whichever node writes; accounts are
        taken in id order, so two batches never wait on each other crosswise."""
        next_id: dict[int, int] = {}
        for account_id, count in sorted(per_account.items()):
            rows_back = await conn.execute_fetchall(  # one round trip (a cursor would take three)
                "UPDATE accounts SET last_event_id = last_event_id + ? WHERE id = ? RETURNING last_event_id",
                (count, account_id),
            )
            [row] = rows_back
            next_id[account_id] = int(row[0]) - count + 1
        position = 0
        for delivery in batch:
            delivery.event_ids = []
            for inbox in delivery.inboxes:
                event_id = next_id[inbox.account_id]
                next_id[inbox.account_id] = event_id + 1
                rows[position][3] = event_id
                delivery.event_ids.append(event_id)
                position += 1

    async def _enqueue_webhooks(self, conn: Connection, batch: list[Delivery], ids: list[list[str]]) -> None:
        """Hook for the webhook outbox (`WebhookQueries`): rows in this same transaction."""

    async def email_by_cursor(self, inbox: Inbox, cursor: int) -> Email | None:
        """The email of this inbox whose event id is `cursor`."""
        row = await self._one(f"{_DETAILED} WHERE e.inbox_pk = ? AND e.event_id = ?", (inbox.pk, cursor))
        return Email.from_row(row, with_details=True) if row else None

    async def events_after(
        self,
        account_id: int,
        after_event: int,
        inbox: Inbox | None = None,
        limit: int = 500,
        before_event: int | None = None,
    ) -> list[Email]:
        """Stored emails of the account (or of one inbox) with an event id past `after_event`
        (and below `before_event`), oldest first, without bodies' details: what an event
        stream replays."""
        where = "e.account_id = ? AND e.event_id > ?"
        params: list[Any] = [account_id, after_event]
        if inbox is not None:
            where = "e.inbox_pk = ? AND e.event_id > ?"
            params = [inbox.pk, after_event]
        if before_event is not None:
            where += " AND e.event_id < ?"
            params.append(before_event)
        rows = await self._all(f"{_SUMMARY} WHERE {where} ORDER BY e.event_id LIMIT ?", (*params, limit))
        return map_rows(Email, rows, skip=("truncated", "details"))

    async def claim_next(self, inbox: Inbox, after_event: int = 0) -> Email | None:
        """The oldest unclaimed email of the inbox past `after_event`, marked claimed in the
        same write transaction: two claimers never get the same email. (SQLite writes one
        transaction at a time; on PostgreSQL a claimer passes over a row another one holds.)"""
        skip_held = " FOR UPDATE SKIP LOCKED" if self.dialect == "postgres" else ""
        async with (
            self._transaction() as conn,
            conn.execute(
                "UPDATE emails SET claimed_at = ? WHERE claimed_at IS NULL AND seq = (SELECT seq"
                " FROM emails WHERE inbox_pk = ? AND claimed_at IS NULL AND event_id > ?"
                f" ORDER BY seq LIMIT 1{skip_held}) RETURNING seq",
                (self.now(), inbox.pk, after_event),
            ) as cursor,
        ):
            row = await cursor.fetchone()
        if row is None:
            return None
        found = await self._one(f"{_DETAILED} WHERE e.seq = ?", (row[0],))
        return Email.from_row(found, with_details=True) if found else None

    async def page_email_previews(
        self,
        inbox: Inbox,
        limit: int = 100,
        older_than_seq: int | None = None,
        query: str | None = None,
        after_event: int = 0,
    ) -> list[EmailPreview]:
        """As `page_emails`, but what a list row shows: no HTML, the text cut short."""
        where, params = self._email_filter(inbox, older_than_seq, query, after_event)
        rows = await self._all(f"{_PREVIEW} WHERE {where} ORDER BY e.seq DESC LIMIT ?", (*params, limit))
        return [EmailPreview.from_row(row) for row in rows]

    async def count_matching_emails(self, inbox: Inbox, query: str) -> int:
        where, params = self._email_filter(inbox, None, query)
        return await self._count(f"SELECT count(*) FROM emails e WHERE {where}", params)

    async def email_seq(self, inbox: Inbox, email_id: str) -> int | None:
        row = await self._one("SELECT seq FROM emails WHERE id = ? AND inbox_pk = ?", (email_id, inbox.pk))
        return int(row["seq"]) if row else None

    async def get_email(self, inbox: Inbox, email_id: str) -> Email | None:
        row = await self._one(f"{_DETAILED} WHERE e.id = ? AND e.inbox_pk = ?", (email_id, inbox.pk))
        return Email.from_row(row, with_details=True) if row else None

    async def email_after(self, inbox: Inbox, after_event: int) -> Email | None:
        """The oldest email of the inbox with an event id past `after_event`, with details."""
        row = await self._one(
            f"{_DETAILED} WHERE e.inbox_pk = ? AND e.event_id > ? ORDER BY e.event_id LIMIT 1",
            (inbox.pk, after_event),
        )
        return Email.from_row(row, with_details=True) if row else None

    async def get_raw_slice(self, inbox: Inbox, email_id: str, start: int, end: int) -> bytes | None:
        """Bytes [start, end) of the stored message, read without loading the rest."""
        row = await self._one(
            "SELECT substr(raw, ?, ?) AS part FROM emails WHERE id = ? AND inbox_pk = ?",
            (start + 1, max(0, end - start), email_id, inbox.pk),
        )
        return bytes(row["part"]) if row else None

    async def get_raw(self, inbox: Inbox, email_id: str) -> bytes | None:
        row = await self._one("SELECT raw FROM emails WHERE id = ? AND inbox_pk = ?", (email_id, inbox.pk))
        return bytes(row["raw"]) if row else None

    async def delete_email(self, inbox: Inbox, email_id: str) -> bool:
        async with self._transaction() as conn:
            # The inbox before the email's row, as a delivery and the purge take them: the
            # DELETE alone locks the row, then its triggers the inbox (a lock cycle).
            await self._lock_inboxes(conn, [inbox.pk])
            cursor = await conn.execute(
                "DELETE FROM emails WHERE id = ? AND inbox_pk = ?", (email_id, inbox.pk)
            )
            self._search_dirty = self._search_dirty or cursor.rowcount > 0
            return cursor.rowcount > 0


def _email_rows(
    batch: list[Delivery], json_text: Callable[[Any], str]
) -> tuple[list[list[Any]], list[list[str]], dict[int, int], dict[int, int]]:
    """One `emails` row per delivery and inbox, with the new ids per delivery, how many
    arrive per inbox (pk) and how many per account. `json_text` writes the details column
    (the engine's: PostgreSQL's JSON functions refuse a NUL)."""
    rows: list[list[Any]] = []
    ids_per_delivery: list[list[str]] = []
    arriving: dict[int, int] = {}
    per_account: dict[int, int] = {}
    for delivery in batch:
        e = delivery.email
        details = json_text(e.details)
        rcpt = " ".join(str(a) for a in e.details.get("to", []))
        has_attachment = 1 if e.details.get("attachments") else 0
        ids = []
        for inbox in delivery.inboxes:
            email_id = str(uuid.uuid4())
            ids.append(email_id)
            per_account[inbox.account_id] = per_account.get(inbox.account_id, 0) + 1
            rows.append(
                [
                    email_id,
                    inbox.pk,
                    inbox.account_id,
                    0,  # event_id, numbered by _write_deliveries inside the transaction
                    delivery.received_at,
                    e.mail_from,
                    rcpt,
                    e.subject,
                    e.text,
                    e.html,
                    e.size,
                    has_attachment,
                    details,
                    e.raw,
                ]
            )
            arriving[inbox.pk] = arriving.get(inbox.pk, 0) + 1
        ids_per_delivery.append(ids)
    return rows, ids_per_delivery, arriving, per_account
