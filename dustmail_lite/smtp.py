"""SMTP ingest on the application's event loop: RCPT checks, limits, DATA -> store.

The rules an MX on the open internet needs: mail only for active inboxes on
domains we serve (never a relay), 250 only after the message is durable, 451
for any fault of ours, and bounded time, size and connection counts per client.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from .config import SmtpConfig
from .domains import DomainError, Domains, normalise_domain
from .inboxes import InboxService
from .mime import Limits, MessageRefused, check_limits, is_costly, parse_message
from .store import Inbox, Store, StoreError

log = logging.getLogger(__name__)

TEMPFAIL = "451 4.3.0 Temporary failure, please try again later"

# `<local@domain> params` with a plain dot-atom local part: what nearly every client sends.
_PLAIN_PATH = re.compile(
    r"\s*<((?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?<!\.)@[A-Za-z0-9.-]+)>(.*)\Z", re.S
)


class Connections:
    """Live SMTP sessions: counts for the connection limits, and the shutdown."""

    def __init__(self, max_total: int, max_per_ip: int) -> None:
        self.max_total = max_total
        self.max_per_ip = max_per_ip
        self.sessions: set[DustmailSMTP] = set()
        self.per_ip: collections.Counter[str] = collections.Counter()

    def admit(self, session: DustmailSMTP, ip: str) -> bool:
        self.sessions.add(session)
        self.per_ip[ip] += 1
        return len(self.sessions) <= self.max_total and self.per_ip[ip] <= self.max_per_ip

    def release(self, session: DustmailSMTP, ip: str) -> None:
        if session in self.sessions:
            self.sessions.discard(session)
            self.per_ip[ip] -= 1
            if self.per_ip[ip] <= 0:
                del self.per_ip[ip]

    @property
    def in_transaction(self) -> int:
        return sum(1 for s in self.sessions if s.transaction_deadline is not None)


class DustmailSMTP(SMTP):
    """aiosmtpd's protocol plus connection limits, an error budget and a
    deadline for the whole transaction (MAIL FROM to the end of DATA)."""

    def __init__(self, handler: IngestHandler, connections: Connections, smtp: SmtpConfig) -> None:
        # aiosmtpd keeps these on the class (its per-command table is even shared by all
        # sessions); values set on the instance before its __init__ take precedence.
        self.line_length_limit = smtp.max_line_length
        self.command_size_limit = smtp.max_command_length
        self.command_size_limits = collections.defaultdict(lambda: smtp.max_command_length)
        super().__init__(
            handler,
            data_size_limit=smtp.max_message_size,
            enable_SMTPUTF8=False,
            decode_data=False,
            hostname=smtp.hostname,
            ident="ESMTP",
            timeout=smtp.idle_timeout,
        )
        self.connections = connections
        self.max_errors = smtp.max_errors
        self.transaction_timeout = smtp.transaction_timeout
        self.transaction_deadline: float | None = None
        self.errors = 0
        self.ip = ""
        self.admitted = False

    def __dir__(self) -> list[str]:
        # aiosmtpd's __init__ runs inspect.getmembers(self) and dir(self) on every connection
        # to find its smtp_*/auth_* methods, touching every attribute: a tenth of a
        # transaction. Only those names matter to it, so dir() lists only them.
        return _protocol_method_names(type(self))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        peer = transport.get_extra_info("peername")
        self.ip = peer[0] if isinstance(peer, tuple) else str(peer)
        self.admitted = self.connections.admit(self, self.ip)
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.connections.release(self, self.ip)
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        if not self.admitted:
            await super().push("421 4.7.0 Too many connections, try again later")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()

    async def push(self, status: Any) -> None:
        await super().push(status)
        text = status if isinstance(status, str) else status.decode("ascii", "replace")
        if text[:1] in ("4", "5") and not text.startswith("421") and not text.startswith("451"):
            self.errors += 1
            if self.errors >= self.max_errors and self.transport is not None:
                await super().push("421 4.7.0 Too many errors, closing connection")
                self.transport.close()

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        # aiosmtpd parses every path with the email package's full RFC 5322 parser, a tenth
        # of the cost of a transaction; the plain form is read directly, anything else as before.
        match = _PLAIN_PATH.match(arg or "")
        if match:
            return match.group(1), match.group(2).lstrip()
        return super()._getaddr(arg)

    async def smtp_MAIL(self, arg: str) -> None:
        await super().smtp_MAIL(arg)
        if self.envelope is not None and self.envelope.mail_from and self.transaction_deadline is None:
            self.transaction_deadline = self.loop.time() + self.transaction_timeout
            self._reset_timeout()

    def _set_post_data_state(self) -> None:
        self.transaction_deadline = None
        super()._set_post_data_state()  # type: ignore[no-untyped-call]

    def _reset_timeout(self, duration: float | None = None) -> None:
        duration = duration or self._timeout_duration
        deadline = getattr(self, "transaction_deadline", None)
        if deadline is not None:
            duration = max(0.001, min(duration, deadline - self.loop.time()))
        super()._reset_timeout(duration)


_method_names: dict[type, list[str]] = {}


def _protocol_method_names(cls: type) -> list[str]:
    if cls not in _method_names:
        _method_names[cls] = [name for name in dir(cls) if name.startswith(("smtp_", "auth_"))]
    return _method_names[cls]


class IngestHandler:
    """aiosmtpd handler hooks."""

    def __init__(
        self, smtp: SmtpConfig, limits: Limits, store: Store, domains: Domains, inboxes: InboxService
    ) -> None:
        self.smtp = smtp
        self.store = store
        self.domains = domains
        self.inboxes = inboxes
        self.limits = limits
        self.catch_all_account: int | None = None  # set by the app when sink mode is on

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if len(envelope.rcpt_tos) >= self.smtp.max_recipients:
            return "452 4.5.3 Too many recipients"
        local, at, domain_part = address.rpartition("@")
        try:
            if not at or not local:
                raise DomainError(address)
            domain = normalise_domain(domain_part)
        except DomainError:
            return "553 5.1.3 Recipient address is not valid"
        local = local.lower()
        normalised = f"{local}@{domain}"
        try:
            found = await self.store.receiving_inbox(normalised)
            if found is not None and self.domains.receives_at(found):
                return self._accept(envelope, address, found.inbox)
            served = self.domains.is_configured(domain)
            if not served:
                custom = await self.store.get_domain(domain)
                served = custom is not None and self.domains.receives(domain, custom.status)
            if self.catch_all_account is not None and (served or self.smtp.accept_any_domain):
                inbox = await self.inboxes.catch_all(
                    self.catch_all_account, self.smtp.catch_all_owner, local, domain
                )
                if inbox is not None:
                    return self._accept(envelope, address, inbox)
        except StoreError:
            log.exception("RCPT lookup failed")
            return TEMPFAIL
        if served:
            return "550 5.1.1 No such mailbox here"
        return "550 5.7.1 Relaying denied: this server only accepts mail for its own domains"

    @staticmethod
    def _accept(envelope: Envelope, address: str, inbox: Inbox) -> str:
        inboxes = envelope.__dict__.setdefault("inboxes", {})
        envelope.rcpt_tos.append(address)
        inboxes.setdefault(inbox.pk, inbox)  # one copy per inbox, however often it is named
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        inboxes = list(envelope.__dict__.get("inboxes", {}).values())
        if not inboxes:
            return "554 5.5.1 No valid recipients"
        try:
            check_limits(raw, self.limits)
        except MessageRefused as refused:
            return refused.smtp_reply
        sender = envelope.mail_from or ""
        try:
            if is_costly(raw):
                email = await asyncio.to_thread(parse_message, raw, sender, self.limits)
            else:
                email = parse_message(raw, sender, self.limits)
            ids = await self.store.deliver(inboxes, email)
        except Exception:
            log.exception("could not store a message for %d inbox(es)", len(inboxes))
            return TEMPFAIL
        return f"250 2.0.0 OK: stored as {ids[0]}" + (f" and {len(ids) - 1} more" if len(ids) > 1 else "")

    async def handle_exception(self, error: Exception) -> str:
        log.error("SMTP session error: %s: %s", type(error).__name__, error)
        return TEMPFAIL


class SmtpServer:
    """The listener and its sessions, on the running loop."""

    def __init__(self, smtp: SmtpConfig, handler: IngestHandler) -> None:
        self.smtp = smtp
        self.handler = handler
        self.connections = Connections(smtp.max_connections, smtp.max_connections_per_ip)
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: DustmailSMTP(self.handler, self.connections, self.smtp),
            host=self.smtp.host,
            port=self.smtp.port,
        )

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop accepting, let transactions under way finish (bounded), close the rest."""
        if self.server is None:
            return
        self.server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.smtp.shutdown_grace
        while self.connections.in_transaction and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for session in list(self.connections.sessions):
            if isinstance(session.transport, asyncio.WriteTransport):
                session.transport.write(b"421 4.3.2 Service shutting down\r\n")
                session.transport.close()
        await asyncio.sleep(0)
        self.server = None
