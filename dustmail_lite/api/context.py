"""What the handlers work with: the store, services and the config sections they use."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import HttpConfig, WaitConfig, WebhooksConfig
from ..domains import Domains
from ..events import EventHub
from ..inboxes import InboxService
from ..limits import Caps
from ..mime import Limits
from ..parsing import ParserPool
from ..quota import Quotas
from ..store import Store
from .auth import Authenticator


@dataclass(frozen=True)
class ApiContext:
    store: Store
    domains: Domains
    events: EventHub
    inboxes: InboxService
    auth: Authenticator
    limits: Limits
    http: HttpConfig
    wait: WaitConfig
    webhooks: WebhooksConfig
    max_message_size: int  # SMTP's limit, which the dry run's body shares
    parser: ParserPool  # the dry run parses in the same worker processes as SMTP
    parse_timeout: float
    openapi: dict[str, Any]  # the generated document, served as is
    quotas: Quotas
    streams: Caps  # open event streams per account
    waits: Caps  # waits under way per account
