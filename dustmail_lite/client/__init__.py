"""A typed Python client of the DustMail API: `Client` (blocking) and `AsyncClient`.

    from dustmail_lite.client import Client

    with Client("http://127.0.0.1:8025", "dm_live_...") as dm:
        inbox = dm.create_inbox()
        ...  # your app mails inbox.email
        code = dm.wait_for_code(inbox, timeout=30)

Answers are the API's own wire models (`dustmail_lite.api.models`, msgspec Structs).
Error answers raise `ApiError` (`status`, `code`, `message`); `wait_for_*` raise
`WaitTimeout` when nothing arrives in time.
"""

from __future__ import annotations

from ..api.models import Account, Attachment, Domain, Email, EmailDetail, EmailSummary, Inbox, InboxWithCount
from .aio import AsyncClient
from .calls import EmailPage, InboxPage, WaitResult
from .errors import ApiError, DustmailError, NothingFound, WaitTimeout
from .sync import Client

__all__ = [
    "Account",
    "ApiError",
    "AsyncClient",
    "Attachment",
    "Client",
    "Domain",
    "DustmailError",
    "Email",
    "EmailDetail",
    "EmailPage",
    "EmailSummary",
    "Inbox",
    "InboxPage",
    "InboxWithCount",
    "NothingFound",
    "WaitResult",
    "WaitTimeout",
]
