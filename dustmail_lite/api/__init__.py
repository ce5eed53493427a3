"""The DustMail JSON API under /api/v1.

- `routes`: the route table (`OPERATIONS`); `routing`: `Operation`, `bind`, replies, body decoding
- `inboxes`, `emails`, `events` (wait and streams), `domains`, `extract` (the dry run), `meta` (health,
  openapi): the handlers
- `auth`: the caller, key checks, throttles; `errors`: every error code, the one envelope, the handlers
- `models`: the wire format as msgspec Structs; `openapi`: the document generated from both
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import Route

from ..config import Config
from ..domains import Domains
from ..events import EventHub
from ..inboxes import InboxService
from ..mime import Limits
from ..parsing import ParserPool
from ..quota import Quotas
from ..store import Store
from .auth import Authenticator, Caller
from .context import ApiContext
from .errors import EXCEPTION_HANDLERS, ApiError, JSONResponse, error_response
from .models import timestamp
from .openapi import openapi_document
from .routes import OPERATIONS
from .routing import Operation, bind


def build_api(
    config: Config, store: Store, domains: Domains, events: EventHub, inboxes: InboxService, quotas: Quotas
) -> ApiContext:
    return ApiContext(
        store=store,
        domains=domains,
        events=events,
        inboxes=inboxes,
        auth=Authenticator(store, config.http, config.plans),
        limits=Limits.from_config(config),
        http=config.http,
        wait=config.wait,
        webhooks=config.webhooks,
        max_message_size=config.smtp.max_message_size,
        parser=ParserPool.shared(config.smtp.parse_workers),
        parse_timeout=config.smtp.parse_timeout,
        openapi=openapi_document(config, OPERATIONS),
        quotas=quotas,
        # Shared by every node when the store's database is (PostgreSQL), else in memory.
        streams=store.concurrency_caps("streams", config.wait.max_streams_per_account),
        waits=store.concurrency_caps("waits", config.wait.max_waits_per_account),
    )


def api_routes(ctx: ApiContext, operations: Sequence[Operation] = OPERATIONS) -> list[Route]:
    """Routes relative to the /api/v1 mount."""
    return bind(ctx, operations)


__all__ = [
    "EXCEPTION_HANDLERS",
    "OPERATIONS",
    "ApiContext",
    "ApiError",
    "Authenticator",
    "Caller",
    "JSONResponse",
    "api_routes",
    "build_api",
    "error_response",
    "openapi_document",
    "timestamp",
]
