"""`Client`: the DustMail API over a blocking httpx client."""

from __future__ import annotations

import time
from collections.abc import Iterator
from types import TracebackType
from typing import Any, TypeVar

import httpx2 as httpx

from ..api.models import (
    Account,
    Domain,
    EmailDetail,
    EmailSummary,
    Health,
    Inbox,
    InboxWithCount,
    RateLimit,
)
from . import calls
from .calls import Call, EmailPage, InboxPage, WaitResult
from .errors import WaitTimeout
from .pick import first_code, first_link
from .sse import EventParser

T = TypeVar("T")


class Client:
    """`Client("http://127.0.0.1:8025", "dm_live_...")`; every method is one API call,
    except the `wait_for_*` helpers and the iterators, which make as many as they need.

    Error answers raise `ApiError` (status, code, message); `wait_for_*` raise `WaitTimeout`.
    `rate_limit` is the account's rate limit as the last answer told it.
    """

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.rate_limit: RateLimit | None = None
        self._http = httpx.Client(
            base_url=self.base_url + "/api/v1",
            headers={"Authorization": f"Bearer {key}"},
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _run(self, call: Call[T]) -> T:
        extra: dict[str, Any] = {} if call.timeout is None else {"timeout": call.timeout}
        response = self._http.request(call.method, call.path, params=call.params, json=call.json, **extra)
        self.rate_limit = calls.rate_limit_of(response) or self.rate_limit
        return call.read(response)

    # --- public ----------------------------------------------------------------------

    def health(self) -> Health:
        """`GET /health` (no key needed): `status` is "ok" while the server runs."""
        return self._run(calls.health())

    def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document."""
        return self._run(calls.openapi())

    # --- the account and its inboxes ---------------------------------------------------

    def account(self) -> Account:
        return self._run(calls.account())

    def create_inbox(self, username: str | None = None, domain: str | None = None) -> Inbox:
        return self._run(calls.create_inbox(username, domain))

    def list_inboxes(
        self,
        limit: int | None = None,
        cursor: str | None = None,
        before: str | None = None,
        q: str | None = None,
    ) -> InboxPage:
        return self._run(calls.list_inboxes(limit, cursor, before, q))

    def iter_inboxes(self, q: str | None = None, page_size: int = 100) -> Iterator[InboxWithCount]:
        """Every inbox of the account, newest first, page after page."""
        cursor = None
        while True:
            page = self.list_inboxes(limit=page_size, cursor=cursor, q=q)
            yield from page.items
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def get_inbox(
        self,
        inbox: Inbox | str,
        limit: int | None = None,
        cursor: str | None = None,
        before: str | None = None,
        q: str | None = None,
    ) -> EmailPage:
        return self._run(calls.get_inbox(inbox, limit, cursor, before, q))

    def delete_inbox(self, inbox: Inbox | str) -> None:
        self._run(calls.delete_inbox(inbox))

    # --- emails ------------------------------------------------------------------------

    def get_email(self, inbox: Inbox | str, email_id: str, safe_html: bool = False) -> EmailDetail:
        return self._run(calls.get_email(inbox, email_id, safe_html))

    def delete_email(self, inbox: Inbox | str, email_id: str) -> None:
        self._run(calls.delete_email(inbox, email_id))

    def raw(self, inbox: Inbox | str, email_id: str) -> bytes:
        return self._run(calls.raw(inbox, email_id))

    def html(self, inbox: Inbox | str, email_id: str, images: bool = False) -> str:
        return self._run(calls.html(inbox, email_id, images))

    def attachment(self, inbox: Inbox | str, email_id: str, attachment_id: str) -> bytes:
        return self._run(calls.attachment(inbox, email_id, attachment_id))

    def wait(
        self, inbox: Inbox | str, timeout: float = 30.0, after: str | None = None, claim: bool = False
    ) -> WaitResult:
        """One `/wait` request: the email, or `timed_out` after `timeout` seconds."""
        return self._run(calls.wait(inbox, timeout, after, claim))

    def wait_for_email(
        self, inbox: Inbox | str, timeout: float = 30.0, after: str | None = None, claim: bool = False
    ) -> EmailDetail:
        """The oldest email newer than `after` (without it: the first email), as soon as it
        exists; with `claim=True` the oldest one nobody claimed. WaitTimeout after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            result = self.wait(inbox, min(remaining, calls.WAIT_SLICE), after, claim)
            if result.email is not None:
                return result.email
            if deadline - time.monotonic() <= 0:
                raise WaitTimeout(calls.inbox_id(inbox), timeout)

    def wait_for_code(
        self, inbox: Inbox | str, timeout: float = 30.0, after: str | None = None, claim: bool = False
    ) -> str:
        """The first one-time code of the next email (NothingFound if it has none)."""
        return first_code(self.wait_for_email(inbox, timeout, after, claim))

    def wait_for_link(
        self,
        inbox: Inbox | str,
        timeout: float = 30.0,
        after: str | None = None,
        claim: bool = False,
        contains: str | None = None,
    ) -> str:
        """The first link of the next email (the first containing `contains`, if given)."""
        return first_link(self.wait_for_email(inbox, timeout, after, claim), contains)

    def events(self, inbox: Inbox | str | None = None) -> Iterator[EmailSummary]:
        """Live `email` events of one inbox (or of the whole account), until you stop
        iterating. The stream stays open while the iterator is alive; close it with
        `.close()` on the generator or by leaving a `with contextlib.closing(...)` block."""
        with self._http.stream(
            "GET", calls.events_path(inbox), timeout=httpx.Timeout(10, read=None)
        ) as response:
            if not response.is_success:
                response.read()
                calls.check(response)
            parser = EventParser()
            for line in response.iter_lines():
                event = parser.feed(line)
                if event is not None and event.event == "email":
                    yield calls.email_event(event.data)

    # --- custom domains (Premium) ------------------------------------------------------

    def list_domains(self) -> list[Domain]:
        return self._run(calls.list_domains())

    def add_domain(self, domain: str) -> Domain:
        return self._run(calls.add_domain(domain))

    def verify_domain(self, domain: str) -> Domain:
        return self._run(calls.verify_domain(domain))

    def delete_domain(self, domain: str) -> None:
        self._run(calls.delete_domain(domain))
