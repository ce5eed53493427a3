"""The plain records the store hands out; mapped from rows by column name."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from sqlite3 import Row
from typing import Any, TypeVar

from ..plans import DomainStatus, Plan


def now_ms() -> int:
    return int(time.time() * 1000)


def map_rows(cls: Callable[..., T], rows: Sequence[Row], skip: tuple[str, ...] = ()) -> list[T]:
    """Dataclass records `cls` from many rows, each field taken from the column of its name
    (fields in `skip` must have defaults and come last).

    The names are looked up once per result set, not once per value: sqlite3.Row's lookup
    by name scans the columns, which cost an inbox view of 100 emails a third of its time."""
    if not rows:
        return []
    names = [f.name for f in dataclasses.fields(cls) if f.name not in skip]  # type: ignore[arg-type]
    columns = list(rows[0].keys())
    positions = [columns.index(name) for name in names]  # ValueError names a missing column
    return [cls(*[row[i] for i in positions]) for row in rows]


T = TypeVar("T")


@dataclass(frozen=True)
class Account:
    id: int
    name: str
    plan: Plan
    created_at: int

    @classmethod
    def from_row(cls, row: Row) -> Account:
        return cls(row["id"], row["name"], Plan(row["plan"]), row["created_at"])


@dataclass(frozen=True)
class ApiKey:
    id: str
    account_id: int
    account_name: str
    plan: Plan
    prefix: str
    label: str
    created_at: int
    revoked_at: int | None
    key_hash: bytes = field(repr=False, default=b"")

    @classmethod
    def from_row(cls, row: Row) -> ApiKey:
        return cls(
            id=row["id"],
            account_id=row["account_id"],
            account_name=row["account_name"],
            plan=Plan(row["plan"]),
            prefix=row["prefix"],
            label=row["label"],
            created_at=row["created_at"],
            revoked_at=row["revoked_at"],
            key_hash=row["key_hash"],
        )


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

    @classmethod
    def from_row(cls, row: Row) -> Inbox:
        return cls(
            pk=row["pk"],
            id=row["id"],
            account_id=row["account_id"],
            address=row["address"],
            domain=row["domain"],
            created_at=row["created_at"],
            expires_at=row["expires_at"],
            email_count=row["email_count"],
        )


@dataclass(frozen=True)
class ReceivingInbox:
    """An active inbox found by address, with the custom domain it sits on (if any)."""

    inbox: Inbox
    domain_status: DomainStatus | None  # None: not (or no longer) a claimed custom domain
    domain_owner: int | None
    # Read with it, for the quota check at RCPT: (inbox bytes, account bytes, account plan).
    usage: tuple[int, int, str] | None = None

    @property
    def on_foreign_domain(self) -> bool:
        """The inbox's domain is now claimed by another account than the inbox's."""
        return self.domain_owner is not None and self.domain_owner != self.inbox.account_id


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
    tls: bool  # came over STARTTLS (1/0 as SQLite reads it from the details JSON)
    tag: str | None  # the sub-address it was sent to (name+tag@)
    event_id: int
    truncated: bool = False  # text or html cut to a preview (the inbox view)
    details: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Row, with_details: bool = False) -> Email:
        details = row["details"] if with_details else None
        return cls(
            event_id=row["event_id"],
            seq=row["seq"],
            id=row["id"],
            inbox_id=row["inbox_id"],
            mail_from=row["mail_from"],
            subject=row["subject"],
            text=row["text"],
            html=row["html"],
            received_at=row["received_at"],
            size=row["size"],
            tls=bool(row["tls"]),
            tag=row["tag"],
            details=json.loads(details) if details else {},
        )


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


PREVIEW_CHARS = 200  # of the text, in list rows and events


@dataclass(frozen=True)
class EmailPreview:
    """An email as a list row shows it: the start of the text, not the bodies."""

    seq: int
    id: str
    mail_from: str
    subject: str
    preview: str
    has_html: bool
    received_at: int
    size: int
    tls: bool
    tag: str | None
    event_id: int = 0

    @classmethod
    def from_row(cls, row: Row) -> EmailPreview:
        return cls(
            event_id=row["event_id"],
            seq=row["seq"],
            id=row["id"],
            mail_from=row["mail_from"],
            subject=row["subject"],
            preview=row["preview"],
            has_html=bool(row["has_html"]),
            received_at=row["received_at"],
            size=row["size"],
            tls=bool(row["tls"]),
            tag=row["tag"],
        )


@dataclass(frozen=True)
class InboxRow:
    """A listed inbox with the seq of its newest email (0: none), read with its count."""

    inbox: Inbox
    last_seq: int


@dataclass(frozen=True)
class Placement:
    """Where a just-stored email sits: its seq, and its inbox's count after the commit."""

    seq: int
    email_count: int


@dataclass(frozen=True)
class StoredEmail:
    """What the delivery queue reports after a commit, one per inbox a message went to;
    enough for a live view to add the row without asking (`seq` orders it, `email_count`
    is exact as of this commit; both None if the inbox cap pruned it at once)."""

    id: str
    inbox_id: str
    account_id: int
    mail_from: str
    subject: str
    received_at: int
    preview: str = ""
    has_html: bool = False
    size: int = 0
    seq: int | None = None
    email_count: int | None = None
    tls: bool = False
    tag: str | None = None
    event_id: int = 0  # per account, strictly increasing: the SSE id and the `after=` cursor


@dataclass(frozen=True)
class CustomDomain:
    name: str
    account_id: int
    account_name: str
    status: DomainStatus
    token: str
    created_at: int
    verified_at: int | None
    checked_at: int | None
    failures: int
    last_result: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: Row) -> CustomDomain:
        last = row["last_result"]
        return cls(
            name=row["name"],
            account_id=row["account_id"],
            account_name=row["account_name"],
            status=DomainStatus(row["status"]),
            token=row["token"],
            created_at=row["created_at"],
            verified_at=row["verified_at"],
            checked_at=row["checked_at"],
            failures=row["failures"],
            last_result=json.loads(last) if last else None,
        )


@dataclass(frozen=True)
class PurgeStats:
    inboxes: int = 0
    emails: int = 0
    batches: int = 0


@dataclass(frozen=True)
class Webhook:
    id: str
    account_id: int
    inbox_id: str | None
    url: str
    created_at: int
    failing_since: int | None
    disabled_at: int | None
    disabled_reason: str | None
    pending: int


@dataclass(frozen=True)
class WebhookDelivery:
    id: int
    webhook_id: str
    message_id: str
    email_id: str
    event_id: int
    created_at: int
    status: str  # pending, delivered, cancelled (the endpoint was deleted)
    attempts: int
    next_attempt_at: int
    last_attempt_at: int | None
    last_status: int | None
    last_error: str | None
    delivered_at: int | None
