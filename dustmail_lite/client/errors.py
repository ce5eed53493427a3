"""What the client raises: `ApiError` for every error answer of the API, `WaitTimeout` when
no email came in time, `NothingFound` when the email that came has no code or link."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..api.models import EmailDetail


class DustmailError(Exception):
    """Base class of the client's own errors (transport errors stay httpx's)."""


class ApiError(DustmailError):
    """An error answer: `status` (HTTP), `code` (e.g. `inbox_not_found`), `message`, and
    `retry_after` seconds when the server sent `Retry-After` (429)."""

    def __init__(self, status: int, code: str, message: str, retry_after: float | None = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.retry_after = retry_after


class WaitTimeout(DustmailError, TimeoutError):
    """No email arrived within the wait's timeout."""

    def __init__(self, inbox_id: str, timeout: float) -> None:
        super().__init__(f"no email arrived in inbox {inbox_id} within {timeout:g}s")
        self.inbox_id = inbox_id
        self.timeout = timeout


class NothingFound(DustmailError, LookupError):
    """The next email came, but held no code (or link); `email` is that email."""

    def __init__(self, what: str, email: EmailDetail) -> None:
        super().__init__(f"the email {email.id} ({email.subject!r}) has no {what}")
        self.email = email
