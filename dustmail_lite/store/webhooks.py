"""Queries on webhook endpoints and their outbox (`webhook_deliveries`).

An outbox row is written in the same transaction as the email it announces, so a
committed email always has its deliveries, whatever happens to the process next."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any

from .delivery import Delivery
from .engine import Connection, Engine
from .rows import Inbox, NewEmail, Webhook, WebhookDelivery, map_rows

# (inbox, email, email id, event id, received_at) -> the JSON body sent
PayloadBuilder = Callable[[Inbox, NewEmail, str, int, int], str]

DELIVERY_HISTORY_MS = 7 * 86400 * 1000  # how long delivered and cancelled rows stay listed

_WEBHOOK_COLUMNS = (
    "id, account_id, inbox_id, url, created_at, failing_since, disabled_at, disabled_reason,"
    " (SELECT count(*) FROM webhook_deliveries d WHERE d.webhook_id = webhooks.id"
    "  AND d.status = 'pending') AS pending"
)
_DELIVERY_COLUMNS = (
    "id, webhook_id, message_id, email_id, event_id, created_at, status, attempts,"
    " next_attempt_at, last_attempt_at, last_status, last_error, delivered_at"
)


def default_payload(inbox: Inbox, email: NewEmail, email_id: str, event_id: int, received_at: int) -> str:
    data = {"email_id": email_id, "inbox_id": inbox.id, "event_id": event_id, "subject": email.subject}
    return json.dumps({"type": "email.received", "data": data})


class WebhookQueries(Engine):
    webhook_payload: PayloadBuilder | None
    _webhooks_queued: bool  # set when a delivery's transaction queued deliveries

    async def create_webhook(self, account_id: int, url: str, inbox: Inbox | None) -> tuple[Webhook, str]:
        """A new endpoint and its signing secret (Standard Webhooks form: whsec_ + base64)."""
        import base64

        webhook_id = "wh_" + uuid.uuid4().hex[:20]
        secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO webhooks (id, account_id, inbox_pk, inbox_id, url, secret, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    webhook_id,
                    account_id,
                    inbox.pk if inbox else None,
                    inbox.id if inbox else None,
                    url,
                    secret,
                    self.now(),
                ),
            )
        webhook = await self.get_webhook(webhook_id, account_id)
        assert webhook is not None
        return webhook, secret

    async def list_webhooks(self, account_id: int) -> list[Webhook]:
        rows = await self._all(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = ? AND deleted_at IS NULL"
            " ORDER BY created_at, id",
            (account_id,),
        )
        return map_rows(Webhook, rows)

    async def count_webhooks(self, account_id: int) -> int:
        return await self._count(
            "SELECT count(*) FROM webhooks WHERE account_id = ? AND deleted_at IS NULL", (account_id,)
        )

    async def get_webhook(self, webhook_id: str, account_id: int) -> Webhook | None:
        row = await self._one(
            f"SELECT {_WEBHOOK_COLUMNS} FROM webhooks WHERE id = ? AND account_id = ? AND deleted_at IS NULL",
            (webhook_id, account_id),
        )
        return map_rows(Webhook, [row])[0] if row else None

    async def delete_webhook(self, webhook_id: str, account_id: int) -> bool:
        """Stop the endpoint; its undelivered rows are kept, marked `cancelled` (never silently lost)."""
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "UPDATE webhooks SET deleted_at = ? WHERE id = ? AND account_id = ? AND deleted_at IS NULL",
                (self.now(), webhook_id, account_id),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "UPDATE webhook_deliveries SET status = 'cancelled', payload = ''"
                " WHERE webhook_id = ? AND status = 'pending'",
                (webhook_id,),
            )
            return True

    async def webhook_deliveries(self, webhook_id: str, limit: int = 100) -> list[WebhookDelivery]:
        rows = await self._all(
            f"SELECT {_DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = ?"
            " ORDER BY id DESC LIMIT ?",
            (webhook_id, limit),
        )
        return map_rows(WebhookDelivery, rows)

    async def _enqueue_webhooks(self, conn: Connection, batch: list[Delivery], ids: list[list[str]]) -> None:
        accounts = sorted({inbox.account_id for d in batch for inbox in d.inboxes})
        marks = ",".join("?" * len(accounts))
        hooks = list(
            await conn.execute_fetchall(
                f"SELECT id, account_id, inbox_pk FROM webhooks WHERE account_id IN ({marks})"
                " AND disabled_at IS NULL AND deleted_at IS NULL ORDER BY id",
                accounts,
            )
        )
        if not hooks:
            return
        build = self.webhook_payload or default_payload
        now = self.now()
        rows: list[tuple[Any, ...]] = []
        for delivery, delivery_ids in zip(batch, ids, strict=True):
            for inbox, email_id, event_id in zip(
                delivery.inboxes, delivery_ids, delivery.event_ids, strict=True
            ):
                targets = [
                    h["id"]
                    for h in hooks
                    if h["account_id"] == inbox.account_id and h["inbox_pk"] in (None, inbox.pk)
                ]
                if not targets:
                    continue
                payload = build(inbox, delivery.email, email_id, event_id, delivery.received_at)
                for webhook_id in targets:
                    message_id = "msg_" + uuid.uuid4().hex
                    rows.append((webhook_id, message_id, email_id, event_id, payload, now, now))
        await conn.executemany(
            "INSERT INTO webhook_deliveries (webhook_id, message_id, email_id, event_id, payload,"
            " created_at, next_attempt_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self._webhooks_queued = bool(rows) or self._webhooks_queued  # read after the commit

    async def due_deliveries(self, limit: int = 64) -> list[tuple[WebhookDelivery, str, str, str]]:
        """The oldest pending delivery of each enabled endpoint, when it is due: per endpoint
        strictly in order. Each with the endpoint's url, secret and payload."""
        rows = await self._all(
            "SELECT d.id, d.webhook_id, d.message_id, d.email_id, d.event_id, d.created_at, d.status,"
            " d.attempts, d.next_attempt_at, d.last_attempt_at, d.last_status, d.last_error,"
            " d.delivered_at, d.payload, w.url, w.secret FROM webhooks w"
            " JOIN webhook_deliveries d ON d.id = (SELECT min(p.id) FROM webhook_deliveries p"
            "  WHERE p.webhook_id = w.id AND p.status = 'pending')"
            " WHERE w.disabled_at IS NULL AND w.deleted_at IS NULL AND d.next_attempt_at <= ?"
            " ORDER BY d.next_attempt_at LIMIT ?",
            (self.now(), limit),
        )
        deliveries = map_rows(WebhookDelivery, rows)
        return [(d, r["url"], r["secret"], r["payload"]) for d, r in zip(deliveries, rows, strict=True)]

    async def prune_delivery_history(self, keep_ms: int = DELIVERY_HISTORY_MS) -> int:
        """Forget delivered and cancelled deliveries older than `keep_ms`."""
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM webhook_deliveries WHERE status != 'pending' AND created_at < ?",
                (self.now() - keep_ms,),
            )
            return cursor.rowcount

    async def count_pending_deliveries(self) -> int:
        return await self._count("SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")

    async def next_delivery_due(self) -> int | None:
        """When the earliest pending delivery of an enabled endpoint is due (ms), if any."""
        row = await self._one(
            "SELECT min(d.next_attempt_at) FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id"
            " WHERE d.status = 'pending' AND w.disabled_at IS NULL AND w.deleted_at IS NULL"
        )
        return int(row[0]) if row and row[0] is not None else None

    async def record_attempt(
        self,
        delivery: WebhookDelivery,
        *,
        delivered: bool,
        status: int | None,
        error: str | None,
        retry_at: int,
        disable_after_ms: int,
    ) -> bool:
        """The outcome of one attempt; on failure the delivery is due again at `retry_at`, and
        the endpoint is disabled once it has failed for `disable_after_ms`. Whether it was."""
        now = self.now()
        async with self._transaction() as conn:
            # The endpoint's row first, as `delete_webhook` takes them (PostgreSQL: no deadlock).
            if delivered:
                await conn.execute(
                    "UPDATE webhooks SET failing_since = NULL WHERE id = ?", (delivery.webhook_id,)
                )
            else:
                await conn.execute(
                    "UPDATE webhooks SET failing_since = COALESCE(failing_since, ?) WHERE id = ?",
                    (now, delivery.webhook_id),
                )
            # Only while pending: a row cancelled meanwhile (the endpoint deleted) stays so.
            await conn.execute(
                "UPDATE webhook_deliveries SET attempts = attempts + 1, last_attempt_at = ?, last_status = ?,"
                " last_error = ?, status = ?, next_attempt_at = ?, delivered_at = ?,"
                " payload = CASE WHEN ? THEN '' ELSE payload END WHERE id = ? AND status = 'pending'",
                (
                    now,
                    status,
                    error,
                    "delivered" if delivered else "pending",
                    now if delivered else retry_at,
                    now if delivered else None,
                    delivered,  # a delivered payload (the mail's subject, codes) is not kept
                    delivery.id,
                ),
            )
            if delivered:
                return False
            reason = f"failing since at least {disable_after_ms // 1000} s; last attempt: {error or status}"
            cursor = await conn.execute(
                "UPDATE webhooks SET disabled_at = ?, disabled_reason = ? WHERE id = ?"
                " AND disabled_at IS NULL AND deleted_at IS NULL AND failing_since <= ?",
                (now, reason, delivery.webhook_id, now - disable_after_ms),
            )
            return cursor.rowcount > 0
