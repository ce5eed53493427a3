"""Every API call as data (`Call`): method, path, parameters and how to read the answer.

`Client` and `AsyncClient` send the same calls, one over a blocking httpx client and one
over an async one, so the two can never disagree about a path, a parameter or a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx2 as httpx
import msgspec

from ..api.models import (
    Account,
    Domain,
    Email,
    EmailDetail,
    EmailSummary,
    Health,
    Inbox,
    InboxWithCount,
    RateLimit,
)
from .errors import ApiError

T = TypeVar("T")

# A wait is one request the server holds open; the client waits in slices of this size so
# that no single request outlives proxies' and the server's own limits.
WAIT_SLICE = 60.0
# Extra time allowed on top of a wait's own timeout before the HTTP read gives up.
WAIT_GRACE = 15.0


class InboxPage(msgspec.Struct, kw_only=True):
    """One page of the account's inboxes (newest first)."""

    items: list[InboxWithCount]
    total: int
    next_cursor: str | None = None  # pass as `cursor=` for the next page; None: the last page
    matches: int | None = None  # with `q=`


class EmailPage(msgspec.Struct, kw_only=True):
    """An inbox with one page of its emails (newest first)."""

    inbox: Inbox
    emails: list[Email]
    email_count: int
    next_cursor: str | None = None
    matches: int | None = None


class WaitResult(msgspec.Struct, kw_only=True):
    email: EmailDetail | None  # None: the wait timed out
    timed_out: bool


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str  # under /api/v1
    read: Callable[[httpx.Response], T]
    params: dict[str, str] = field(default_factory=dict)
    json: dict[str, Any] | None = None
    timeout: float | None = None  # None: the client's default


def inbox_id(inbox: Inbox | InboxWithCount | str) -> str:
    return inbox if isinstance(inbox, str) else inbox.id


def _segment(value: str) -> str:
    return quote(value, safe="")


def check(response: httpx.Response) -> httpx.Response:
    """The response, or ApiError when it is an error (the one error shape, or anything else)."""
    if response.is_success:
        return response
    code, message = "http_error", response.reason_phrase or f"HTTP {response.status_code}"
    try:
        body = msgspec.json.decode(response.content)
        code, message = str(body["error"]["code"]), str(body["error"]["message"])
    except (msgspec.DecodeError, KeyError, TypeError):
        pass
    retry_after = response.headers.get("retry-after")
    raise ApiError(response.status_code, code, message, float(retry_after) if retry_after else None)


def _envelope(response: httpx.Response) -> dict[str, Any]:
    body: dict[str, Any] = msgspec.json.decode(check(response).content)
    return body


def data_of(model: type[T]) -> Callable[[httpx.Response], T]:
    def read(response: httpx.Response) -> T:
        return msgspec.convert(_envelope(response)["data"], model)

    return read


def _nothing(response: httpx.Response) -> None:
    check(response)


def _bytes(response: httpx.Response) -> bytes:
    return check(response).content


def _text(response: httpx.Response) -> str:
    return check(response).text


def _params(**values: Any) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if v is not None}


def rate_limit_of(response: httpx.Response) -> RateLimit | None:
    """What the answer says about the account's rate limit (from its headers)."""
    used = response.headers.get("x-ratelimit-used")
    if used is None or not used.isdigit():
        return None
    limit = response.headers.get("x-ratelimit-limit")
    return RateLimit(limit=int(limit) if limit and limit.isdigit() else None, used=int(used))


# --- the public endpoints (no key needed) ------------------------------------------------


def health() -> Call[Health]:
    return Call("GET", "/health", data_of(Health))


def openapi() -> Call[dict[str, Any]]:
    def read(response: httpx.Response) -> dict[str, Any]:
        document: dict[str, Any] = msgspec.json.decode(check(response).content)
        return document

    return Call("GET", "/openapi.json", read)


# --- the account and its inboxes ---------------------------------------------------------


def account() -> Call[Account]:
    return Call("GET", "/account", data_of(Account))


def create_inbox(username: str | None, domain: str | None) -> Call[Inbox]:
    body = {k: v for k, v in (("username", username), ("domain", domain)) if v is not None}
    return Call("POST", "/inbox", data_of(Inbox), json=body)


def list_inboxes(limit: int | None, cursor: str | None, before: str | None, q: str | None) -> Call[InboxPage]:
    def read(response: httpx.Response) -> InboxPage:
        body = _envelope(response)
        meta = body["meta"]
        return InboxPage(
            items=msgspec.convert(body["data"], list[InboxWithCount]),
            total=meta["total"],
            next_cursor=meta.get("next_cursor"),
            matches=meta.get("matches"),
        )

    return Call("GET", "/inbox", read, _params(limit=limit, cursor=cursor, before=before, q=q))


def get_inbox(
    inbox: Inbox | str, limit: int | None, cursor: str | None, before: str | None, q: str | None
) -> Call[EmailPage]:
    def read(response: httpx.Response) -> EmailPage:
        body = _envelope(response)
        meta = body["meta"]
        return EmailPage(
            inbox=msgspec.convert(body["data"]["inbox"], Inbox),
            emails=msgspec.convert(body["data"]["emails"], list[Email]),
            email_count=meta["email_count"],
            next_cursor=meta.get("next_cursor"),
            matches=meta.get("matches"),
        )

    params = _params(limit=limit, cursor=cursor, before=before, q=q)
    return Call("GET", f"/inbox/{_segment(inbox_id(inbox))}", read, params)


def delete_inbox(inbox: Inbox | str) -> Call[None]:
    return Call("DELETE", f"/inbox/{_segment(inbox_id(inbox))}", _nothing)


# --- emails ------------------------------------------------------------------------------


def _email_path(inbox: Inbox | str, email_id: str) -> str:
    return f"/inbox/{_segment(inbox_id(inbox))}/emails/{_segment(email_id)}"


def get_email(inbox: Inbox | str, email_id: str, safe_html: bool) -> Call[EmailDetail]:
    params = {"safe_html": "1"} if safe_html else {}
    return Call("GET", _email_path(inbox, email_id), data_of(EmailDetail), params)


def delete_email(inbox: Inbox | str, email_id: str) -> Call[None]:
    return Call("DELETE", _email_path(inbox, email_id), _nothing)


def raw(inbox: Inbox | str, email_id: str) -> Call[bytes]:
    return Call("GET", _email_path(inbox, email_id) + "/raw", _bytes)


def html(inbox: Inbox | str, email_id: str, images: bool) -> Call[str]:
    params = {"images": "1"} if images else {}
    return Call("GET", _email_path(inbox, email_id) + "/html", _text, params)


def attachment(inbox: Inbox | str, email_id: str, attachment_id: str) -> Call[bytes]:
    path = _email_path(inbox, email_id) + f"/attachments/{_segment(attachment_id)}"
    return Call("GET", path, _bytes)


def wait(inbox: Inbox | str, timeout: float, after: str | None, claim: bool) -> Call[WaitResult]:
    def read(response: httpx.Response) -> WaitResult:
        body = _envelope(response)
        data = body["data"]
        email = None if data is None else msgspec.convert(data, EmailDetail)
        return WaitResult(email=email, timed_out=bool(body["meta"].get("timed_out", email is None)))

    params = _params(timeout=f"{timeout:g}", after=after, claim="true" if claim else None)
    return Call("GET", f"/inbox/{_segment(inbox_id(inbox))}/wait", read, params, timeout=timeout + WAIT_GRACE)


def events_path(inbox: Inbox | str | None) -> str:
    return "/events" if inbox is None else f"/inbox/{_segment(inbox_id(inbox))}/events"


def email_event(data: str) -> EmailSummary:
    return msgspec.json.decode(data, type=EmailSummary)


# --- custom domains ----------------------------------------------------------------------


def list_domains() -> Call[list[Domain]]:
    return Call("GET", "/domains", data_of(list[Domain]))


def add_domain(domain: str) -> Call[Domain]:
    return Call("POST", "/domains", data_of(Domain), json={"domain": domain})


def verify_domain(domain: str) -> Call[Domain]:
    return Call("POST", f"/domains/{_segment(domain)}/verify", data_of(Domain))


def delete_domain(domain: str) -> Call[None]:
    return Call("DELETE", f"/domains/{_segment(domain)}", _nothing)
