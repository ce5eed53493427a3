"""The route table of /api/v1: every operation, in the order Starlette matches them.
`openapi.py` describes exactly this table."""

from __future__ import annotations

from . import domains, emails, events, extract, inboxes
from .meta import health, openapi
from .routing import Operation

OPERATIONS: list[Operation] = [
    Operation(
        "GET", "/health", health, "health", "Liveness check (no key needed)", reply="public", public=True
    ),
    Operation("GET", "/openapi.json", openapi, "openapi", "This document", reply="public", public=True),
    *inboxes.OPERATIONS,
    *events.OPERATIONS,
    *emails.OPERATIONS,
    *extract.OPERATIONS,
    *domains.OPERATIONS,
]
