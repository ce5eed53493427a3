"""Paging and search parameters of the list endpoints: cursors, `limit`, `q`, flags.

A cursor names a position in one ordering (never an OFFSET), so mail delivered or
inboxes created while a client pages through a list never shift the pages: new items
sort before the first page, and every older item is still reached exactly once.

Tokens are opaque to clients: url-safe base64 of "<kind>:<int>:<int>...". The kind
stops an inbox-list cursor from being replayed against an inbox's emails.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import TypeVar

from .errors import ApiError
from .routing import Param

INBOXES = "i"  # (created_at ms, pk) of the last inbox returned
EMAILS = "e"  # seq of the last email returned
MAX_QUERY = 200
MAX_LIMIT = 200

T = TypeVar("T")


class CursorError(ValueError):
    pass


def encode(kind: str, *values: int) -> str:
    text = ":".join([kind, *(str(v) for v in values)])
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def page_of(
    rows: Sequence[T], limit: int, kind: str, position: Callable[[T], tuple[int, ...]]
) -> tuple[list[T], str | None]:
    """A page from `limit + 1` rows asked for: the first `limit`, and when there were more,
    the cursor of `kind` at the last one's `position`."""
    if len(rows) <= limit:
        return list(rows), None
    page = list(rows[:limit])
    return page, encode(kind, *position(page[-1]))


def decode(kind: str, token: str, size: int) -> tuple[int, ...]:
    """The integers of a token of `kind`; CursorError for anything else."""
    if not token or len(token) > 120:
        raise CursorError("malformed cursor")
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
        found, *parts = text.split(":")
        values = tuple(int(p) for p in parts)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise CursorError("malformed cursor") from None
    if found != kind or len(values) != size or any(v < 0 for v in values):
        raise CursorError("this cursor belongs to another list")
    return values


def cursor_param(kind: str, token: str, size: int) -> tuple[int, ...]:
    try:
        return decode(kind, token, size)
    except CursorError as exc:
        raise ApiError.of(
            "invalid_cursor", f"Invalid cursor: {exc}; pass meta.next_cursor as given."
        ) from None


def limit_param(text: str | None, default: int) -> int:
    if text is None:
        return default
    if not text.isdigit() or not 1 <= int(text) <= MAX_LIMIT:
        raise ApiError.of("invalid_limit", f"limit must be a whole number from 1 to {MAX_LIMIT}.")
    return int(text)


def query_param(text: str | None) -> str | None:
    """The search text of `q`, or None for no filter."""
    if text is None or not text.strip():
        return None
    if len(text) > MAX_QUERY:
        raise ApiError.of("invalid_query", f"q is limited to {MAX_QUERY} characters.")
    return text.strip()


def flag_param(name: str, text: str | None) -> bool:
    if text is None or text in ("0", "false"):
        return False
    if text in ("1", "true"):
        return True
    raise ApiError.of("invalid_flag", f"{name} must be 1, true, 0 or false.")


def page_params(default_limit: int, search: str) -> tuple[Param, ...]:
    """The query parameters of a paged list, for the route table and the OpenAPI document."""
    flag = {"type": "string", "enum": ["0", "1", "true", "false"]}
    return (
        Param(
            "limit",
            "query",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": default_limit},
        ),
        Param(
            "cursor",
            "query",
            {"type": "string", "maxLength": 120, "description": "meta.next_cursor of the previous page"},
        ),
        Param("before", "query", {"type": "string", "description": "start right after this id"}),
        Param(
            "q",
            "query",
            {
                "type": "string",
                "maxLength": MAX_QUERY,
                "description": f"only items whose {search} contains this",
            },
        ),
        Param("summary", "query", {**flag, "description": "1: list rows without bodies"}),
    )
