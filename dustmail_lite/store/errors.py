"""What a store method raises, for any backend."""

from __future__ import annotations


class StoreError(Exception):
    """A storage fault: the caller must not report success."""


class StoreUnavailable(StoreError):
    """The database cannot be reached right now (a server down, a network fault): the
    caller should answer "try again later" and the store recovers by itself."""


class Conflict(Exception):
    """A unique name (account, address, domain) is already taken."""


class QuotaExceeded(StoreError):
    """Storing this message would take an inbox or account past its storage quota."""


def as_store_error(exc: BaseException) -> StoreError:
    return exc if isinstance(exc, StoreError) else StoreError(str(exc) or type(exc).__name__)
