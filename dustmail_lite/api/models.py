"""The wire format: a msgspec Struct for every request body and response. The OpenAPI
document's schemas are generated from these (`openapi.py`)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from ..plans import DomainStatus, Plan

Uuid = Annotated[str, Meta(extra_json_schema={"format": "uuid"})]
Time = Annotated[str, Meta(extra_json_schema={"format": "date-time", "example": "2026-03-30T12:00:00.000Z"})]


@functools.lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")


def timestamp(ms: int) -> str:
    """UTC with milliseconds, as the contract writes it: 2026-03-30T12:00:00.000Z."""
    return f"{_second(ms // 1000)}{ms % 1000:03d}Z"


class Model(msgspec.Struct, kw_only=True):
    pass


# --- request bodies ------------------------------------------------------------------


class CreateInbox(Model, kw_only=True, forbid_unknown_fields=True):
    """Both optional: a random username, on the primary domain."""

    domain: str | None = msgspec.field(default=None)
    username: str | None = None

    # Which error a field of the wrong type gives (today's codes and messages).
    field_errors: ClassVar[dict[str, tuple[str, str]]] = {
        "domain": ("invalid_domain", "domain must be a string."),
        "username": ("invalid_username", "username must be a string"),
    }


class AddDomain(Model, kw_only=True):
    domain: str

    invalid: ClassVar[tuple[str, str]] = ("invalid_domain", 'Body must be {"domain": "example.com"}.')


class CreateWebhook(Model, kw_only=True, forbid_unknown_fields=True):
    url: str
    inbox_id: str | None = None

    invalid: ClassVar[tuple[str, str]] = (
        "invalid_webhook_url",
        'Body must be {"url": "https://...", "inbox_id": optional}.',
    )
    field_errors: ClassVar[dict[str, tuple[str, str]]] = {
        "inbox_id": ("invalid_field", "inbox_id must be a string (an inbox id) or null."),
    }


# --- meta --------------------------------------------------------------------------


class RateLimit(Model, kw_only=True):
    limit: int | None
    used: int


class ResponseMeta(Model, kw_only=True):
    rate_limit: RateLimit


class CreatedInboxMeta(ResponseMeta, kw_only=True):
    plan: Plan
    available_domains: list[str]


class Storage(Model, kw_only=True):
    """Stored mail of the account against its plan's quotas (null = unlimited)."""

    used_bytes: int
    max_bytes: int | None
    max_inbox_bytes: int | None


class InboxListMeta(ResponseMeta, kw_only=True):
    total: int
    plan: Plan
    next_cursor: str | None = None  # pass as ?cursor= for the next page; null: no more
    matches: int | UnsetType = UNSET  # with ?q=
    storage: Storage


class InboxViewMeta(ResponseMeta, kw_only=True):
    email_count: int
    next_cursor: str | None = None
    matches: int | UnsetType = UNSET  # with ?q=
    last_seq: int | UnsetType = UNSET  # with ?summary=1: seq of the inbox's newest email
    # The newest listed email's event id (with `after`): the next `after=`.
    last_event_id: int | UnsetType = UNSET


class WaitMeta(ResponseMeta, kw_only=True):
    timed_out: bool
    timeout: float | UnsetType = UNSET
    event_id: int | UnsetType = UNSET  # the email's cursor, for the next `after=`


class DomainListMeta(ResponseMeta, kw_only=True):
    total: int


# --- data --------------------------------------------------------------------------


class Inbox(Model, kw_only=True):
    id: Uuid
    email: str
    domain: str
    created_at: Time
    expires_at: Time


class InboxWithCount(Inbox, kw_only=True):
    email_count: int
    last_seq: int | UnsetType = UNSET  # with ?summary=1: seq of its newest email, 0 for none


class Email(Model, kw_only=True):
    id: Uuid
    from_: str = msgspec.field(name="from")
    subject: str
    text: str
    html: str
    received_at: Time
    # Beyond the contract's email: in the inbox view only with ?extended=1.
    tls: Annotated[bool, Meta(description="whether it arrived over STARTTLS")] | UnsetType = UNSET
    tag: Annotated[str | None, Meta(description="the sub-address tag (name+tag@domain)")] | UnsetType = UNSET
    truncated: (
        Annotated[
            bool,
            Meta(
                description="Present (true) only in the inbox view, on an email whose text or html was"
                " cut to 8,192 characters; the email itself has the whole bodies."
            ),
        ]
        | UnsetType
    ) = UNSET


class Header(Model, kw_only=True):
    name: str
    value: str


class Attachment(Model, kw_only=True):
    id: str
    filename: str
    content_type: str
    size: int
    download_url: str


Source = Literal["subject", "text", "html"]
Confidence = Annotated[float, Meta(ge=0, le=1)]


class CodeDetail(Model, kw_only=True):
    """One candidate code, best first (the order of `codes`), and why it ranks there."""

    value: str
    confidence: Confidence
    source: Source
    context: Annotated[str, Meta(description="the words around it")]
    cues: Annotated[list[str], Meta(description="cue words found near it")]
    reasons: list[str]


class RejectedCode(Model, kw_only=True):
    """A number near a cue word that was left out: date, time, price, phone number, order
    number, year, postcode, discount code..."""

    value: str
    source: Source
    context: str
    decoy: str


LinkKind = Literal["verification", "unsubscribe", "tracking", "asset", "other"]


class LinkDetail(Model, kw_only=True):
    """One link, best first (the order of `links`; the best 50)."""

    url: Annotated[str, Meta(description="what to open: a tracking redirect's own target, else href")]
    href: Annotated[str, Meta(description="the link as written in the mail")]
    text: Annotated[str, Meta(description="its visible text, or the words before it in plain text")]
    kind: LinkKind
    confidence: Confidence
    source: Literal["text", "html"]
    reasons: list[str]


class Extracted(Model, kw_only=True):
    """Codes and links, best first, with the reasons."""

    links: list[str]
    codes: list[str]
    code_details: list[CodeDetail]
    link_details: list[LinkDetail]
    rejected_codes: list[RejectedCode]


class EmailDetail(Email, kw_only=True):
    tls: bool
    tag: str | None
    from_name: str  # the display name in From: ("Acme" in "Acme <noreply@...>"), or ""
    inbox_id: Uuid
    to: list[str]
    cc: list[str]
    headers: list[Header]
    size: int
    attachments: list[Attachment]
    links: list[str]
    codes: list[str]
    code_details: list[CodeDetail]
    link_details: list[LinkDetail]
    rejected_codes: list[RejectedCode]
    raw_url: str
    html_url: str
    parse_error: Annotated[
        str | None,
        Meta(
            description="null when the message parsed; else timeout, worker_crashed, parse_failed,"
            " too_complex, malformed_body, part_unreadable, bad_headers or unparseable"
        ),
    ]
    safe_html: str | UnsetType = UNSET  # with ?safe_html=1: the HTML as /html serves it


class EmailPreview(Model, kw_only=True):
    """An email as a list row (?summary=1): no bodies."""

    id: Uuid
    from_: str = msgspec.field(name="from")
    subject: str
    preview: Annotated[str, Meta(max_length=200)]
    has_html: bool
    size: int
    seq: Annotated[int, Meta(description="Grows with every stored email: newest first = largest")]
    received_at: Time
    tls: bool | UnsetType = UNSET  # with ?extended=1, as in Email
    tag: str | UnsetType | None = UNSET


# msgspec cannot describe a union of two untagged structs; the schema says it instead.
_EMAIL_ROWS = Meta(
    extra_json_schema={
        "items": {
            "anyOf": [{"$ref": "#/components/schemas/Email"}, {"$ref": "#/components/schemas/EmailPreview"}]
        }
    }
)


class DryRunAttachment(Model, kw_only=True):
    id: str
    filename: str
    content_type: str
    size: int


class DryRun(Model, kw_only=True):
    """What a raw message would get as an email; nothing is stored."""

    from_: str = msgspec.field(name="from")
    subject: str
    text: str
    html: str
    to: list[str]
    cc: list[str]
    headers: list[Header]
    size: int
    attachments: list[DryRunAttachment]
    links: list[str]
    codes: list[str]
    code_details: list[CodeDetail]
    link_details: list[LinkDetail]
    rejected_codes: list[RejectedCode]
    parse_error: str | UnsetType = UNSET


class InboxView(Model, kw_only=True):
    inbox: Inbox
    emails: Annotated[list[Any], _EMAIL_ROWS]  # Email, or EmailPreview with ?summary=1


class Account(Model, kw_only=True):
    name: str
    plan: Plan
    available_domains: list[str]
    inbox_ttl_seconds: int
    custom_usernames: bool
    storage: Storage


class Domain(Model, kw_only=True):
    domain: str
    status: DomainStatus
    receiving: bool
    records: list[dict[str, Any]]
    failures: int
    last_check: dict[str, Any] | None
    check: dict[str, Any] | UnsetType = UNSET


class EmailSummary(Model, kw_only=True):
    """The data of an `email` event on the event streams: enough to add the row without a
    request (`seq` orders it; `email_count` is the inbox's count right after it was stored)."""

    id: Uuid
    inbox_id: Uuid
    from_: str = msgspec.field(name="from")
    subject: str
    received_at: Time
    preview: str
    has_html: bool
    size: int
    seq: int | None
    email_count: int | None
    tls: bool
    tag: str | None


class EmailHit(Model, kw_only=True):
    """A search result: where the email is and what a result row shows."""

    id: Uuid
    inbox_id: Uuid
    from_: str = msgspec.field(name="from")
    subject: str
    preview: str
    received_at: Time
    size: int
    event_id: int


class SearchMeta(ResponseMeta, kw_only=True):
    next_cursor: str | None


class Refusal(Model, kw_only=True):
    """An SMTP refusal of mail for one of the account's addresses."""

    at: Time
    stage: str  # RCPT or DATA
    client_address: str
    sender: str
    recipient: str
    domain: str
    inbox_id: Uuid | None  # the inbox the address is (or was) on, if any
    reply: str  # what the sending server was told
    reason: str  # unknown_mailbox, inbox_ended, domain_not_receiving, quota, size, ...


class RefusalListMeta(ResponseMeta, kw_only=True):
    next_cursor: str | None


class Webhook(Model, kw_only=True):
    id: str
    url: str
    inbox_id: Uuid | None  # null: every inbox of the account
    created_at: Time
    enabled: bool
    disabled_at: Time | None
    disabled_reason: str | None
    failing_since: Time | None
    pending: int  # deliveries not yet accepted by the receiver
    secret: str | UnsetType = UNSET  # only in the answer to its creation


class WebhookDelivery(Model, kw_only=True):
    id: str  # the `webhook-id` header (the same on every retry)
    email_id: Uuid
    event_id: int
    status: str  # pending, delivered, cancelled
    attempts: int
    created_at: Time
    last_attempt_at: Time | None
    last_status: int | None
    last_error: str | None
    next_attempt_at: Time | None  # when pending
    delivered_at: Time | None


class Health(Model, kw_only=True):
    status: str


# --- envelopes ---------------------------------------------------------------------


class Ok(Model, kw_only=True):
    """`{"success": true, "data": ..., "meta": {...}}`; its schema is built per operation."""

    success: bool = True
    data: Any
    meta: Any


class Done(Model, kw_only=True):
    """The answer to a deletion."""

    success: bool = True
    message: str
    meta: ResponseMeta
