"""Signed webhooks with durable delivery (Standard Webhooks: https://www.standardwebhooks.com).

The store writes one outbox row per endpoint in each email's own transaction; `WebhookSender`
reads the due rows (the oldest pending one of each endpoint, so an endpoint gets its emails
in order), signs and posts them, and records each attempt. A failure is retried with
exponential backoff, also after a restart (the schedule is in the store); an endpoint that
fails for `disable_after` is disabled with its reason. Nothing is dropped.

SSRF: each attempt resolves the host itself, refuses if any address is not global (unless
`allow_private_targets`), and connects to the address it checked, not to a re-resolved name.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from .config import WebhooksConfig
from .store import Inbox, NewEmail, Store, WebhookDelivery

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2048
SENDER_JOB = "webhook-sender"  # the `Store.exclusive` job: one node empties the outbox at a time
OTHER_NODE_POLL = 1.0  # seconds a node waits while another sends (it takes over if that one dies)


class TargetRefused(Exception):
    """The URL may not be called: bad form, or it resolves to a non-public address."""


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value: v1,base64(HMAC-SHA256(key, "id.timestamp.body"))."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a usable webhook URL, or TargetRefused."""
    if len(url) > MAX_URL_LENGTH:
        raise TargetRefused(f"the URL is longer than {MAX_URL_LENGTH} characters")
    # urlsplit drops CR, LF and tab silently; a stored URL with them forges lines in listings.
    if " " in url or not url.isprintable():
        raise TargetRefused("the URL holds whitespace or a control character (percent-encode it)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise TargetRefused(f"not a URL: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused("the URL must be http:// or https:// with a host")
    if parts.username or parts.password:
        raise TargetRefused("credentials in the URL are not allowed")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


# Ranges Python's `is_global` (3.11) gets wrong or does not know, refused whatever it says:
# 192.0.0.0/24 (IETF protocol assignments), fec0::/10 (deprecated site-local), 3fff::/20
# (documentation, RFC 9637), 5f00::/16 (SRv6 SIDs) and 64:ff9b:1::/48 (local-use NAT64, RFC 8215).
_REFUSED_V4 = (ipaddress.IPv4Network("192.0.0.0/24"),)
_REFUSED_V6 = tuple(
    ipaddress.IPv6Network(net) for net in ("fec0::/10", "3fff::/20", "5f00::/16", "64:ff9b:1::/48")
)
# Prefixes whose last 32 bits are an IPv4 address: NAT64 well-known (RFC 6052), SIIT
# ::ffff:0:a.b.c.d (RFC 2765) and IPv4-compatible ::a.b.c.d (RFC 4291, deprecated).
_IPV4_IN_LOW_BITS = tuple(ipaddress.IPv6Network(net) for net in ("64:ff9b::/96", "::ffff:0:0:0/96", "::/96"))
# ISATAP (RFC 5214): under any prefix, an interface identifier 0:5efe followed by the IPv4
# address of the tunnel's end, with any of the universal/local and group bits set (200:5efe...).
_ISATAP_MARKS = tuple(bytes((bits, 0, 0x5E, 0xFE)) for bits in (0x00, 0x01, 0x02, 0x03))


def _is_public_v4(ip: ipaddress.IPv4Address) -> bool:
    return ip.is_global and not ip.is_multicast and not any(ip in net for net in _REFUSED_V4)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address `ip` carries: mapped, 6to4, Teredo (server and client), NAT64,
    SIIT, IPv4-compatible, ISATAP. A packet to it may end up at that IPv4 address."""
    found = [v4 for v4 in (ip.ipv4_mapped, ip.sixtofour) if v4 is not None]
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if any(ip in net for net in _IPV4_IN_LOW_BITS) or ip.packed[8:12] in _ISATAP_MARKS:
        found.append(ipaddress.IPv4Address(ip.packed[12:]))
    return found


def is_public(address: str) -> bool:
    """Whether a webhook may connect to `address`: a global unicast address, and for an IPv6
    address every IPv4 address embedded in it global too."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv4Address):
        return _is_public_v4(ip)
    if ip.ipv4_mapped is not None:  # ::ffff:a.b.c.d is the IPv4 address itself
        return _is_public_v4(ip.ipv4_mapped)
    if not ip.is_global or ip.is_multicast or any(ip in net for net in _REFUSED_V6):
        return False
    return all(_is_public_v4(v4) for v4 in embedded_ipv4(ip))


async def resolve_target(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to: every address the name resolves to must be public."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"cannot resolve {host}: {exc}") from None
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise TargetRefused(f"{host} has no address")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise TargetRefused(
                    f"{host} resolves to {address}, a loopback, private or link-local address"
                    " (set [webhooks] allow_private_targets = true to allow it)"
                )
    return addresses[0]


def email_payload(public_url: str) -> Callable[[Inbox, NewEmail, str, int, int], str]:
    """The body of an `email.received` message: the email's summary with its codes and links."""
    base = public_url.rstrip("/")

    def build(inbox: Inbox, email: NewEmail, email_id: str, event_id: int, received_at: int) -> str:
        details = email.details
        path = f"{base}/api/v1/inbox/{inbox.id}/emails/{email_id}"
        when = datetime.fromtimestamp(received_at / 1000, tz=UTC).isoformat(timespec="milliseconds")
        data = {
            "id": email_id,
            "event_id": event_id,
            "inbox_id": inbox.id,
            "inbox": inbox.address,
            "from": email.mail_from,
            "to": details.get("to", []),
            "subject": email.subject,
            "received_at": when.replace("+00:00", "Z"),
            "size": email.size,
            "codes": details.get("codes", []),
            "links": details.get("links", []),
            "attachments": len(details.get("attachments", [])),
            "url": path,
            "raw_url": path + "/raw",
        }
        return json.dumps({"type": "email.received", "timestamp": data["received_at"], "data": data})

    return build


@dataclass
class Attempt:
    delivered: bool
    status: int | None
    error: str | None


class WebhookSender:
    """The background task that empties the outbox."""

    def __init__(
        self,
        store: Store,
        config: WebhooksConfig,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> None:
        self.store = store
        self.config = config
        self.on_attempt = on_attempt
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = False
        self._in_flight: asyncio.Future[Any] | None = None

    def wake(self) -> None:
        """New outbox rows were committed."""
        self._wake.set()

    def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.config.timeout, follow_redirects=False, trust_env=False)
        self._task = asyncio.create_task(self._run(), name="webhook-sender")

    async def stop(self) -> None:
        """Let attempts under way finish (bounded by the attempt timeout), then stop: an
        attempt cut off after the receiver got it would be sent again after the restart."""
        self._stopping = True
        self._wake.set()
        if self._in_flight is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(self._in_flight), self.config.timeout + 1)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._client is not None:
            await self._client.aclose()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                sent = await self._send_due()
                if sent is None:  # another node sends: it loops until nothing is due
                    await self._wait_for_wake(OTHER_NODE_POLL)
                elif not sent:
                    await self._sleep_until_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("webhook sender: unexpected error; retrying in a second")
                await asyncio.sleep(1)

    async def _send_due(self) -> bool | None:
        """One round of due deliveries: whether there were any, None if another node holds
        the job. With several nodes on one database one sends at a time (`Store.exclusive`):
        two would post the same outbox row."""
        async with self.store.exclusive(SENDER_JOB) as ours:
            if not ours:
                return None
            due = await self.store.due_deliveries()
            if not due:
                return False
            self._in_flight = asyncio.gather(*(self._deliver(*row) for row in due))
            await self._in_flight
            self._in_flight = None
            return True

    async def _wait_for_wake(self, seconds: float) -> None:
        self._wake.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _sleep_until_due(self) -> None:
        self._wake.clear()
        due = await self.store.next_delivery_due()
        delay = 60.0 if due is None else max(0.0, (due - self.store.now()) / 1000)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), min(delay, 60.0))

    async def _deliver(self, delivery: WebhookDelivery, url: str, secret: str, payload: str) -> None:
        attempt = await self.attempt(url, secret, delivery.message_id, payload.encode())
        failures = delivery.attempts + 1
        backoff = min(self.config.retry_initial * 2 ** (failures - 1), self.config.retry_max_interval)
        disabled = await self.store.record_attempt(
            delivery,
            delivered=attempt.delivered,
            status=attempt.status,
            error=attempt.error,
            retry_at=self.store.now() + int(backoff * 1000),
            disable_after_ms=int(self.config.disable_after * 1000),
        )
        if self.on_attempt is not None:
            self.on_attempt(attempt)
        if disabled:
            log.warning("webhook %s disabled after failing for too long", delivery.webhook_id)

    async def attempt(self, url: str, secret: str, message_id: str, body: bytes) -> Attempt:
        """One signed POST to the address checked for this very attempt."""
        assert self._client is not None
        try:
            scheme, host, port = check_url(url)
            address = await resolve_target(host, port, self.config.allow_private_targets)
        except TargetRefused as refused:
            return Attempt(False, None, str(refused))
        timestamp = int(time.time())
        parts = urlsplit(url)
        ip_host = f"[{address}]" if ":" in address else address
        target = parts._replace(netloc=f"{ip_host}:{port}").geturl()
        headers = {
            "Host": parts.netloc,
            "Content-Type": "application/json",
            "User-Agent": "dustmail-lite-webhooks",
            "webhook-id": message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(secret, message_id, timestamp, body),
        }
        extensions = {"sni_hostname": host} if scheme == "https" else {}
        try:
            # Streamed and never read: a receiver's answer body is of no interest, whatever its size.
            async with self._client.stream(
                "POST", target, content=body, headers=headers, extensions=extensions
            ) as response:
                status = response.status_code
        except httpx.HTTPError as exc:
            return Attempt(False, None, f"{type(exc).__name__}: {exc}"[:500])
        if 200 <= status < 300:
            return Attempt(True, status, None)
        return Attempt(False, status, f"HTTP {status}")
