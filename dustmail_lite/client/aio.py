"""`AsyncClient`: the DustMail API over an async httpx client (the same calls as `Client`)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
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


class AsyncClient:
    """`async with AsyncClient(base_url, key) as dm:`; the methods of `Client`, awaited."""

    def __init__(
        self,
        base_url: str,
        key: str,
        *,
        timeout: float = 30.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.rate_limit: RateLimit | None = None
        self._http = httpx.AsyncClient(
            base_url=self.base_url + "/api/v1",
            headers={"Authorization": f"Bearer {key}"},
            timeout=timeout,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def _run(self, call: Call[T]) -> T:
        extra: dict[str, Any] = {} if call.timeout is None else {"timeout": call.timeout}
        response = await self._http.request(
            call.method, call.path, params=call.params, json=call.json, **extra
        )
        self.rate_limit = calls.rate_limit_of(response) or self.rate_limit
        return call.read(response)

    # --- public ----------------------------------------------------------------------

    async def health(self) -> Health:
        """`GET /health` (no key needed): `status` is "ok" while the server runs."""
        return await self._run(calls.health())

    async def openapi(self) -> dict[str, Any]:
        """The server's OpenAPI document."""
        return await self._run(calls.openapi())

    # --- the account and its inboxes ---------------------------------------------------

    async def account(self) -> Account:
        return await self._run(calls.account())

    async def create_inbox(self, username: str | None = None, domain: str | None = None) -> Inbox:
        return await self._run(calls.create_inbox(username, domain))

    async def list_inboxes(
        self,
        limit: int | None = None,
        cursor: str | None = None,
        before: str | None = None,
        q: str | None = None,
    ) -> InboxPage:
        return await self._run(calls.list_inboxes(limit, cursor, before, q))

    async def iter_inboxes(self, q: str | None = None, page_size: int = 100) -> AsyncIterator[InboxWithCount]:
        """Every inbox of the account, newest first, page after page."""
        cursor = None
        while True:
            page = await self.list_inboxes(limit=page_size, cursor=cursor, q=q)
            for item in page.items:
                yield item
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    async def get_inbox(
        self,
        inbox: Inbox | str,
        limit: int | None = None,
        cursor: str | None = None,
        before: str | None = None,
        q: str | None = None,
    ) -> EmailPage:
        return await self._run(calls.get_inbox(inbox, limit, cursor, before, q))

    async def delete_inbox(self, inbox: Inbox | str) -> None:
        await self._run(calls.delete_inbox(inbox))

    # --- emails ------------------------------------------------------------------------

    async def get_email(self, inbox: Inbox | str, email_id: str, safe_html: bool = False) -> EmailDetail:
        return await self._run(calls.get_email(inbox, email_id, safe_html))

    async def delete_email(self, inbox: Inbox | str, email_id: str) -> None:
        await self._run(calls.delete_email(inbox, email_id))

    async def raw(self, inbox: Inbox | str, email_id: str) -> bytes:
        return await self._run(calls.raw(inbox, email_id))

    async def html(self, inbox: Inbox | str, email_id: str, images: bool = False) -> str:
        return await self._run(calls.html(inbox, email_id, images))

    async def attachment(self, inbox: Inbox | str, email_id: str, attachment_id: str) -> bytes:
        return await self._run(calls.attachment(inbox, email_id, attachment_id))

    async def wait(
        self, inbox: Inbox | str, timeout: float = 30.0, after: str | None = None, claim: bool = False
    ) -> WaitResult:
        """One `/wait` request: the email, or `timed_out` after `timeout` seconds."""
        return await self._run(calls.wait(inbox, timeout, after, claim))

    async def wait_for_email(
        self, inbox: Inbox | str, timeout: float = 30.0, after: str | None = None, claim: bool = False
    ) -> EmailDetail:
        """The oldest email newer than `after` (without it: the first email), as soon as it
        exists; with `claim=True` the oldest one nobody claimed. WaitTimeout after `timeout`."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = max(0.0, deadline - time.monotonic())
            result = await self.wait(inbox, min(remaining, calls.WAIT_SLICE), after, claim)
            if result.email is not None:
                return result.email
            if deadline - time.monotonic() <= 0:
                raise WaitTimeout(calls.inbox_id(inbox), timeout)

    async def wait_for_code(
        self, inbox: Inbox | str, timeout: float = 30.0, after: str | None = None, claim: bool = False
    ) -> str:
        """The first one-time code of the next email (NothingFound if it has none)."""
        return first_code(await self.wait_for_email(inbox, timeout, after, claim))

    async def wait_for_link(
        self,
        inbox: Inbox | str,
        timeout: float = 30.0,
        after: str | None = None,
        claim: bool = False,
        contains: str | None = None,
    ) -> str:
        """The first link of the next email (the first containing `contains`, if given)."""
        return first_link(await self.wait_for_email(inbox, timeout, after, claim), contains)

    async def events(self, inbox: Inbox | str | None = None) -> AsyncIterator[EmailSummary]:
        """Live `email` events of one inbox (or of the whole account), until you stop
        iterating. The stream stays open while the iterator is alive; close it with
        `await ....aclose()` on the generator (or `contextlib.aclosing`)."""
        async with self._http.stream(
            "GET", calls.events_path(inbox), timeout=httpx.Timeout(10, read=None)
        ) as response:
            if not response.is_success:
                await response.aread()
                calls.check(response)
            parser = EventParser()
            async for line in response.aiter_lines():
                event = parser.feed(line)
                if event is not None and event.event == "email":
                    yield calls.email_event(event.data)

    # --- custom domains (Premium) ------------------------------------------------------

    async def list_domains(self) -> list[Domain]:
        return await self._run(calls.list_domains())

    async def add_domain(self, domain: str) -> Domain:
        return await self._run(calls.add_domain(domain))

    async def verify_domain(self, domain: str) -> Domain:
        return await self._run(calls.verify_domain(domain))

    async def delete_domain(self, domain: str) -> None:
        await self._run(calls.delete_domain(domain))
