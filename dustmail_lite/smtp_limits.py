"""Per-client SMTP abuse limits that outlive one session: connection rate,
recipient probing (unknown addresses answered 550) and catch-all creations.

Counted per client (IPv4 address or IPv6 /64, see `limits.client_key`) in
fixed windows kept in memory.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from .config import SmtpConfig
from .ratelimit import WindowCounter

TOO_FAST = "421 4.7.0 Too many connections from your address, try again later"
PROBING = "421 4.7.0 Too many unknown recipients from your address, try again later"
CATCH_ALL_CLIENT_CAP = "450 4.7.1 Too many new addresses from your address, try again later"
CATCH_ALL_TOTAL_CAP = "452 4.3.1 Catch-all inbox limit reached, try again later"


class SmtpGuard:
    def __init__(self, smtp: SmtpConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = smtp
        self.connections = WindowCounter(clock)
        self.unknown_recipients = WindowCounter(clock)
        self.catch_all_created = WindowCounter(clock)
        self.unlimited = [ipaddress.ip_network(n, strict=False) for n in smtp.unlimited_clients]

    def is_unlimited(self, address: str) -> bool:
        """Whether the per-client rates spare this address (local apps, CI: `unlimited_clients`)."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.unlimited)

    # `client` is None for an unlimited client: every rate below spares it.

    def admit_connection(self, client: str | None) -> str | None:
        """Count a new connection; the 421 to send instead of the banner, or None."""
        if client is None:
            return None
        used, _ = self.connections.hit(client, 60)
        if used > self.config.max_connections_per_minute:
            return TOO_FAST
        if self.is_probing(client):
            return PROBING
        return None

    def is_probing(self, client: str | None) -> bool:
        if client is None:
            return False
        return self.unknown_recipients.peek(client, self.config.probe_window) >= self.config.probe_max

    def unknown_recipient(self, client: str | None) -> None:
        """Count one 550 for an unknown mailbox."""
        if client is not None:
            self.unknown_recipients.hit(client, self.config.probe_window)

    def tarpit_delay(self, client: str | None) -> float:
        """Seconds to hold every RCPT reply to a client that has probed past the threshold
        (all replies, so the delay itself says nothing about which addresses exist)."""
        if client is None:
            return 0.0
        used = self.unknown_recipients.peek(client, self.config.probe_window)
        return self.config.probe_tarpit_delay if used >= self.config.probe_tarpit_after else 0.0

    def catch_all_allowed(self, client: str | None) -> bool:
        if client is None:
            return True
        return self.catch_all_created.peek(client, 3600) < self.config.catch_all_max_per_client

    def catch_all_done(self, client: str | None) -> None:
        if client is not None:
            self.catch_all_created.hit(client, 3600)
