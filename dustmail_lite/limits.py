"""Abuse limits shared by the API and SMTP: who a client is, and per-account caps.

A client is its address, except that IPv6 clients are counted per /64: one
host gets a whole /64 and can rotate through it at will.
"""

from __future__ import annotations

import collections
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol, Self

from .config import Config, ConfigError

log = logging.getLogger(__name__)


def client_key(address: str) -> str:
    """The unit throttles and connection limits count: the IPv4 address, or the IPv6 /64."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class TooMany(Exception):
    """A per-account cap is reached."""


class Caps(Protocol):
    """Per-account caps on long requests: `ConcurrencyCaps` in this process's memory, or a
    store's caps shared by every node (`Store.concurrency_caps`)."""

    limit: int
    open: collections.Counter[int]  # slots this process holds, per account

    async def claim(self, account_id: int) -> Releasable: ...


class Releasable(Protocol):
    def __call__(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc: object) -> None: ...


class ConcurrencyCaps:
    """How many of one kind of long request (streams, waits) each account has open."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.open: collections.Counter[int] = collections.Counter()

    def acquire(self, account_id: int) -> None:
        if self.open[account_id] >= self.limit:
            raise TooMany(account_id)
        self.open[account_id] += 1

    def release(self, account_id: int) -> None:
        self.open[account_id] -= 1
        if self.open[account_id] <= 0:
            del self.open[account_id]

    def take(self, account_id: int) -> Slot:
        """A slot of the account (TooMany if none is free), to give back with `slot()` or `with`."""
        self.acquire(account_id)
        return Slot(self, account_id)

    async def claim(self, account_id: int) -> Slot:
        return self.take(account_id)


class Slot:
    """One taken slot; giving it back twice is harmless."""

    def __init__(
        self,
        caps: ConcurrencyCaps | None,
        account_id: int,
        release: Callable[[], None] | None = None,
        release_async: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.caps, self.account_id, self.returned = caps, account_id, False
        self._release = release
        self._release_async = release_async  # `async with`: back before the block's caller goes on

    def __call__(self) -> None:
        if not self.returned:
            self.returned = True
            if self._release is not None:
                self._release()
            elif self.caps is not None:
                self.caps.release(self.account_id)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.returned:
            return
        if self._release_async is None:
            self()
            return
        self.returned = True
        await self._release_async()


def is_loopback_host(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # "", "0.0.0.0"-like names, or a host name: assume reachable


def check_open_mail_drop(config: Config, warn: bool = True) -> None:
    """Refuse `accept_any_domain` on a listener others can reach, unless acknowledged
    (then log a warning, unless `warn` is False)."""
    smtp = config.smtp
    if not (smtp.accept_any_domain and smtp.catch_all_owner) or is_loopback_host(smtp.host):
        return
    if not smtp.accept_any_domain_on_public_listener:
        raise ConfigError(
            f"{config.source}: 'smtp.accept_any_domain' with catch_all_owner on {smtp.host!r} makes this "
            "server a free mail drop for anyone who can reach it. Listen on 127.0.0.1, or set "
            "'smtp.accept_any_domain_on_public_listener = true' if that is what you want."
        )
    if warn:
        log.warning(
            "accept_any_domain is on and SMTP listens on %s: anyone who can reach it can drop mail "
            "for any domain here (acknowledged by smtp.accept_any_domain_on_public_listener)",
            smtp.host,
        )
