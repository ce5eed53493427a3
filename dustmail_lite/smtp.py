"""SMTP ingest on the application's event loop: RCPT checks, limits, DATA -> store.

The rules an MX on the open internet needs: mail only for active inboxes on
domains we serve (never a relay), 250 only after the message is durable, 451
for any fault of ours, and bounded time, size and connection counts per client.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import re
import signal
import ssl
import time
from collections.abc import Callable
from typing import Any, Protocol

from aiosmtpd.smtp import MISSING, SMTP, Envelope, Session, TLSSetupException, syntax

from . import logs, smtp_limits
from .config import SmtpConfig
from .domains import DomainError, Domains, normalise_domain
from .inboxes import InboxService
from .limits import client_key
from .mime import Limits, MessageRefused, check_limits
from .parsing import ParserPool
from .quota import DISK_LOW, MAILBOX_FULL, Quotas
from .smtp_limits import SmtpGuard
from .smtp_wire import DataState, read_data, trace_header
from .store import Inbox, NewEmail, QuotaExceeded, Store, StoreError
from .tls import Certificates

log = logging.getLogger(__name__)

TEMPFAIL = "451 4.3.0 Temporary failure, please try again later"

# `<local@domain> params` with a plain dot-atom local part: what nearly every client sends.
_PLAIN_PATH = re.compile(
    r"\s*<((?!\.)(?!.*\.\.)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+(?<!\.)@[A-Za-z0-9.-]+)>(.*)\Z", re.S
)


class Counted(Protocol):
    """A session as the connection limits see it: this process's own, or one of another
    SMTP process (smtp_processes.RelayedSession)."""

    transaction_deadline: float | None


class Connections:
    """Live SMTP sessions: counts for the connection limits (per client key: the
    IPv4 address or the IPv6 /64), and the shutdown."""

    def __init__(self, max_total: int, max_per_ip: int) -> None:
        self.max_total = max_total
        self.max_per_ip = max_per_ip
        self.sessions: set[Counted] = set()
        self.per_ip: collections.Counter[str] = collections.Counter()

    def admit(self, session: Counted, ip: str) -> bool:
        self.sessions.add(session)
        self.per_ip[ip] += 1
        return len(self.sessions) <= self.max_total and self.per_ip[ip] <= self.max_per_ip

    def release(self, session: Counted, ip: str) -> None:
        if session in self.sessions:
            self.sessions.discard(session)
            self.per_ip[ip] -= 1
            if self.per_ip[ip] <= 0:
                del self.per_ip[ip]

    @property
    def in_transaction(self) -> int:
        return sum(1 for s in self.sessions if s.transaction_deadline is not None)


class DustmailSMTP(SMTP):
    """aiosmtpd's protocol plus connection limits, an error budget, a deadline for
    the whole transaction (MAIL FROM to the end of DATA) and, for the whole
    session, a lifetime and a command budget that NOOP and RSET do not renew."""

    def __init__(
        self,
        handler: HandlerBase,
        connections: Connections,
        smtp: SmtpConfig,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        # aiosmtpd keeps these on the class (its per-command table is even shared by all
        # sessions); values set on the instance before its __init__ take precedence.
        self.line_length_limit = smtp.max_line_length
        self.command_size_limit = smtp.max_command_length
        self.command_size_limits = collections.defaultdict(lambda: smtp.max_command_length)
        super().__init__(
            handler,
            data_size_limit=smtp.max_message_size,
            enable_SMTPUTF8=True,
            decode_data=False,
            tls_context=tls_context,
            hostname=smtp.hostname,
            ident="ESMTP",
            timeout=smtp.idle_timeout,
            loop=_running_loop(),  # else aiosmtpd looks for one under a warnings filter, per session
        )
        self.connections = connections
        self.guard: SmtpGuard = handler.guard
        self.max_commands = smtp.max_commands
        self.max_session_time = smtp.max_session_time
        self.session_deadline: float | None = None
        self.commands = 0
        self._smtp_methods = _BudgetedCommands(self._smtp_methods, self._budgeted)
        self.max_errors = smtp.max_errors
        self.transaction_timeout = smtp.transaction_timeout
        self.transaction_deadline: float | None = None
        self.errors = 0
        self.ip = ""
        self.client = ""
        self.rated_client: str | None = None  # None: spared by the per-client rates
        self.admitted = False
        self.refusal: str | None = None
        self._replies: list[str] | None = None
        self._idle_deadline = 0.0  # loop time; see _reset_timeout

    async def smtp_AUTH(self, arg: str) -> None:
        # No @syntax: left out of HELP as EHLO leaves it out (an MX has no users to log in).
        await super().smtp_AUTH(arg)

    def __dir__(self) -> list[str]:
        # aiosmtpd's __init__ runs inspect.getmembers(self) and dir(self) on every connection
        # to find its smtp_*/auth_* methods, touching every attribute: a tenth of a
        # transaction. Only those names matter to it, so dir() lists only them.
        return _protocol_method_names(type(self))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._original_transport is not None:
            # Called again once the STARTTLS handshake is done: aiosmtpd resets the session
            # and drops whatever the client pipelined in clear text behind STARTTLS.
            super().connection_made(transport)
            return
        peer = transport.get_extra_info("peername")
        self.ip = peer[0] if isinstance(peer, tuple) else str(peer)
        self.client = client_key(self.ip)
        self.admitted = self.connections.admit(self, self.client)
        if not self.guard.is_unlimited(self.ip):
            self.rated_client = self.client
        if self.admitted:
            self.refusal = self.guard.admit_connection(self.rated_client)
        self.session_deadline = asyncio.get_running_loop().time() + self.max_session_time
        super().connection_made(transport)

    def connection_lost(self, error: Exception | None) -> None:
        self.connections.release(self, self.client)
        envelope = self.envelope
        if envelope is not None and envelope.mail_from and envelope.rcpt_tos:
            # Recipients accepted, no reply to DATA: the client left or was cut off (timeout).
            logs.aborted(self.ip, self.uses_tls, envelope.mail_from, list(envelope.rcpt_tos))
        super().connection_lost(error)

    async def _handle_client(self) -> None:
        if not self.admitted or self.refusal:
            await super().push(self.refusal or "421 4.7.0 Too many connections, try again later")
            assert self.transport is not None
            self.transport.close()
            return
        await super()._handle_client()

    def _budgeted(self, method: Any) -> Any:
        async def counted(arg: str | None) -> None:
            self.commands += 1
            if self.commands > self.max_commands and self.rated_client is not None:
                await self.push("421 4.7.0 Too many commands in one session, closing connection")
                return
            await method(arg)

        for name in _SYNTAX_ATTRIBUTES:  # what HELP reads from a command's method
            if hasattr(method, name):
                setattr(counted, name, getattr(method, name))
        return counted

    def _timeout_cb(self) -> None:
        writer: asyncio.StreamWriter | None = getattr(self, "_writer", None)
        if writer is not None and self.transport is not None and not self.transport.is_closing():
            over = self.session_deadline is not None and self.loop.time() >= self.session_deadline - 0.01
            reason = b"Session time limit reached" if over else b"Timeout"
            writer.write(b"421 4.4.2 " + reason + b", closing connection\r\n")
        super()._timeout_cb()  # type: ignore[no-untyped-call]

    async def push(self, status: Any) -> None:
        await super().push(status)
        text = status if isinstance(status, str) else status.decode("ascii", "replace")
        if self._replies is not None:
            self._replies.append(text)
        if text.startswith("421"):
            if self.transport is not None:
                self.transport.close()  # every 421 of ours ends the session
            return
        if text[:1] in ("4", "5") and not text.startswith("451"):
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

    @syntax("STARTTLS", when="tls_context")
    async def smtp_STARTTLS(self, arg: str) -> None:
        if self._tls_protocol is not None:
            # aiosmtpd would start a second TLS layer inside the first one.
            await self.push("554 5.5.1 TLS already active")
            return
        await super().smtp_STARTTLS(arg)

    async def _replies_to(self, command: Any, arg: str) -> list[str]:
        """Run an aiosmtpd command handler and return the reply lines it sent."""
        replies: list[str] = []
        self._replies = replies
        try:
            await command(arg)
        finally:
            self._replies = None
        return replies

    @syntax("DATA")
    async def smtp_DATA(self, arg: str) -> None:
        envelope = self.envelope
        replies = await self._replies_to(self._receive_data, arg)
        # A transaction is a DATA the client was invited to send (354); its reply is the last line.
        if envelope is not None and replies and replies[0].startswith("354") and len(replies) > 1:
            content = envelope.original_content
            logs.transaction(
                self.ip,
                self.uses_tls,
                envelope.mail_from,
                list(envelope.rcpt_tos),
                len(content) if content is not None else None,
                replies[-1],
                envelope.__dict__.get("stored_ids", []),
            )

    @property
    def uses_tls(self) -> bool:
        return self._tls_protocol is not None or (self.session is not None and bool(self.session.ssl))

    @syntax(SMTP.smtp_MAIL.__smtp_syntax__, SMTP.smtp_MAIL.__smtp_syntax_extended__)  # type: ignore[attr-defined]
    async def smtp_MAIL(self, arg: str) -> None:
        refusal = _utf8_refusal(arg, "SMTPUTF8" in (arg or "").upper().split())
        if refusal:
            await self.push(refusal)
            return
        replies = await self._replies_to(super().smtp_MAIL, arg)
        if replies and replies[-1][:1] in ("4", "5") and self.envelope is not None and (arg or "").count("<"):
            sender = arg[arg.index("<") + 1 :].partition(">")[0]
            logs.refused_sender(self.ip, self.uses_tls, sender, replies[-1])
        if self.envelope is not None and self.envelope.mail_from and self.transaction_deadline is None:
            self.transaction_deadline = self.loop.time() + self.transaction_timeout
            self._reset_timeout()

    @syntax(SMTP.smtp_RCPT.__smtp_syntax__, SMTP.smtp_RCPT.__smtp_syntax_extended__)  # type: ignore[attr-defined]
    async def smtp_RCPT(self, arg: str) -> None:
        utf8 = self.envelope is not None and self.envelope.smtp_utf8
        refusal = _utf8_refusal(arg, utf8)
        if refusal:
            await self.push(refusal)
            return
        await super().smtp_RCPT(arg)

    async def _receive_data(self, arg: str) -> None:
        # aiosmtpd's DATA reads CRLF lines only; this one also takes bare LF and lone CR
        # (smtp_wire.read_data), with the same replies and the same end of data.
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        try:
            result = await read_data(
                self._reader,
                self.data_size_limit,
                keepalive=self._reset_timeout,  # well within the idle time, while bytes come
                keepalive_every=min(1.0, self._timeout_duration / 4),
            )
        except asyncio.CancelledError:
            self._writer.close()
            raise
        if result.state is DataState.LINE_TOO_LONG:
            await self.push("500 Line too long (see RFC5321 4.5.3.1.6)")
        elif result.state is DataState.TOO_MUCH:
            await self.push("552 Error: Too much mail data")
        else:
            self.envelope.content = self.envelope.original_content = result.content
            status = await self._call_handler_hook("DATA")
            self._set_post_data_state()
            await self.push("250 OK" if status is MISSING else status)
            return
        self._set_post_data_state()

    def _set_post_data_state(self) -> None:
        self.transaction_deadline = None
        super()._set_post_data_state()  # type: ignore[no-untyped-call]
        self._reset_timeout()  # the client's silence is counted from the reply to DATA

    def _reset_timeout(self, duration: float | None = None) -> None:
        # Called for every command: the deadline moves, and the one timer is re-armed only
        # when it would fire too late (a new timer per command cost a tenth of the loop's
        # time per session in cancelled timer handles).
        now = self.loop.time()
        deadline = now + (duration or self._timeout_duration)
        for limit in (getattr(self, "transaction_deadline", None), getattr(self, "session_deadline", None)):
            if limit is not None:
                deadline = min(deadline, max(limit, now + 0.001))
        self._idle_deadline = deadline
        handle = self._timeout_handle
        if handle is None or handle.cancelled() or handle.when() > deadline:
            if handle is not None:
                handle.cancel()
            self._timeout_handle = self.loop.call_at(deadline, self._timeout_due)

    def _timeout_due(self) -> None:
        """The timer fired: the session timed out, unless the deadline moved on since."""
        if self.loop.time() < self._idle_deadline:
            self._timeout_handle = self.loop.call_at(self._idle_deadline, self._timeout_due)
            return
        self._timeout_cb()


def _utf8_refusal(arg: str | None, smtputf8: bool) -> str | None:
    """With SMTPUTF8 on, aiosmtpd decodes arguments as UTF-8 with surrogate escapes:
    bytes that are not UTF-8 are refused here, and so is UTF-8 in an envelope that
    did not declare SMTPUTF8 (RFC 6531 3.4)."""
    if not arg or arg.isascii():
        return None
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return "501 5.5.2 Invalid UTF-8 in the command"
    if not smtputf8:
        return "553 5.6.7 Non-ASCII address requires the SMTPUTF8 parameter"
    return None


def split_subaddress(local: str, separator: str) -> tuple[str, str | None]:
    """`name+tag` -> ("name", "tag"); no separator (or none configured) -> (local, None)."""
    if not separator:
        return local, None
    base, found, tag = local.partition(separator)
    if not found or not base:
        return local, None
    return base, tag


def _peer_ip(session: Session) -> str:
    peer = session.peer
    return peer[0] if isinstance(peer, tuple) else str(peer)


_method_names: dict[type, list[str]] = {}
_SYNTAX_ATTRIBUTES = ("__smtp_syntax__", "__smtp_syntax_extended__", "__smtp_syntax_when__")


class _BudgetedCommands(dict[str, Any]):
    """A session's table of command methods, as aiosmtpd reads it (`get` for each command):
    a method comes out counted against the session's command budget. Wrapped on the way out,
    not all up front: a session uses five or six of the table's commands."""

    def __init__(self, methods: dict[str, Any], budgeted: Callable[[Any], Any]) -> None:
        super().__init__(methods)
        self._budgeted = budgeted

    def get(self, command: str, default: Any = None) -> Any:
        method = super().get(command)
        return default if method is None else self._budgeted(method)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:  # a session built outside the loop (tests): aiosmtpd finds one
        return None


def _protocol_method_names(cls: type, prefixes: tuple[str, ...] = ("smtp_", "auth_")) -> list[str]:
    if cls not in _method_names:
        _method_names[cls] = [name for name in dir(cls) if name.startswith(prefixes)]
    return _method_names[cls]


class HandlerBase:
    """What every SMTP process's handler does alike: EHLO, errors, and turning a received
    DATA into a parsed message (`prepare`); storing it is the subclass's business."""

    def __init__(self, smtp: SmtpConfig, limits: Limits) -> None:
        self.smtp = smtp
        self.limits = limits
        self.guard = SmtpGuard(smtp)
        self.parser = ParserPool.shared(smtp.parse_workers)

    def __dir__(self) -> list[str]:
        # aiosmtpd's SMTP.__init__ also looks through the handler on every connection
        # (inspect.getmembers for auth_*, dir() for handle_*): only those names matter to it.
        return _protocol_method_names(type(self), ("handle_", "auth_"))

    async def handle_EHLO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str, responses: list[str]
    ) -> list[str]:
        """Advertise PIPELINING (aiosmtpd handles it, but does not say so); no AUTH: an MX
        has no users to log in, and aiosmtpd would offer it once TLS is up. The lines go
        out as one reply (aiosmtpd would write, and the kernel send, each line alone)."""
        session.host_name = hostname
        kept = [r for r in responses if not r.startswith("250-AUTH")]
        return ["\r\n".join([*kept[:1], "250-PIPELINING", *kept[1:]])]

    async def prepare(self, session: Session, envelope: Envelope) -> NewEmail | str:
        """The message with its trace header, parsed off the loop; or the refusal to send."""
        try:
            check_limits(envelope.original_content or b"", self.limits)
        except MessageRefused as refused:
            return refused.smtp_reply
        raw = self._trace(session, envelope) + (envelope.original_content or b"")
        try:
            email = await self.parser.parse(
                raw, envelope.mail_from or "", self.limits, self.smtp.parse_timeout
            )
        except Exception:
            log.exception("could not parse a message")
            return TEMPFAIL
        email.details["tls"] = session.ssl is not None
        return email

    def _trace(self, session: Session, envelope: Envelope) -> bytes:
        peer = session.peer
        return trace_header(
            helo=session.host_name,
            ip=peer[0] if isinstance(peer, tuple) else str(peer),
            hostname=self.smtp.hostname,
            extended=session.extended_smtp,
            utf8=envelope.smtp_utf8,
            tls=session.ssl,
            recipients=envelope.rcpt_tos,
            when=time.time(),
        )

    async def handle_exception(self, error: Exception) -> str:
        if isinstance(error, TLSSetupException):  # the client's handshake failed: not our fault
            log.info("STARTTLS handshake failed: %s", error.__cause__)
            return TEMPFAIL
        log.error("SMTP session error: %s: %s", type(error).__name__, error)
        return TEMPFAIL


class IngestHandler(HandlerBase):
    """aiosmtpd handler hooks of the process that owns the store: recipient checks, limits
    and delivery (also for the sessions of the extra SMTP processes, see smtp_processes)."""

    def __init__(
        self,
        smtp: SmtpConfig,
        limits: Limits,
        store: Store,
        domains: Domains,
        inboxes: InboxService,
        quotas: Quotas,
    ) -> None:
        super().__init__(smtp, limits)
        self.store = store
        self.domains = domains
        self.inboxes = inboxes
        self.quotas = quotas
        self.catch_all_account: int | None = None  # set by the app when sink mode is on

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        client = getattr(server, "rated_client", None)
        reply = await self._rcpt_reply(client, envelope, address)
        if reply.startswith("550 5.1.1"):
            self.guard.unknown_recipient(client)
        if self.guard.is_probing(client):
            reply = smtp_limits.PROBING
        else:
            delay = self.guard.tarpit_delay(client)
            if delay:
                await asyncio.sleep(delay)
        if not reply.startswith("2"):
            tls = bool(getattr(server, "uses_tls", False))
            logs.refused_recipient(_peer_ip(session), tls, envelope.mail_from, address, reply)
        return reply

    async def _rcpt_reply(self, client: str | None, envelope: Envelope, address: str) -> str:
        if len(envelope.rcpt_tos) >= self.smtp.max_recipients:
            return "452 4.5.3 Too many recipients"
        local, at, domain_part = address.rpartition("@")
        try:
            if not at or not local:
                raise DomainError(address)
            domain = normalise_domain(domain_part)
        except DomainError:
            return "553 5.1.3 Recipient address is not valid"
        base, tag = split_subaddress(local, self.smtp.subaddress_separator)
        local, base = local.lower(), base.lower()
        try:
            for name, name_tag in [(local, None)] + ([(base, tag)] if tag is not None else []):
                found = await self.store.receiving_inbox(f"{name}@{domain}")
                if found is not None and self.domains.receives_at(found):
                    refusal = await self.quotas.rcpt_refusal(found.inbox, found.usage)
                    if refusal is None and found.usage is not None:
                        envelope.__dict__.setdefault("plans", {})[found.inbox.pk] = found.usage[2]
                    return refusal or self._accept(envelope, address, found.inbox, name_tag)
            configured = self.domains.is_configured(domain)
            custom = None if configured else await self.store.get_domain(domain)
            served = configured or (custom is not None and self.domains.receives(domain, custom.status))
            # Catch-all never creates inboxes on a tenant's custom domain, claimed or verified.
            catchable = configured or (custom is None and self.smtp.accept_any_domain)
            if self.catch_all_account is not None and catchable:
                refusal, inbox = await self._catch_all_inbox(client, local, domain)
                if refusal is None and inbox is None and tag is not None:
                    refusal, inbox = await self._catch_all_inbox(client, base, domain)
                if refusal:
                    return refusal
                if inbox is not None:
                    exact = inbox.address == f"{local}@{domain}"
                    return self._accept(envelope, address, inbox, None if exact else tag)
        except StoreError:
            log.exception("RCPT lookup failed")
            return TEMPFAIL
        if served:
            return "550 5.1.1 No such mailbox here"
        return "550 5.7.1 Relaying denied: this server only accepts mail for its own domains"

    @staticmethod
    def _accept(envelope: Envelope, address: str, inbox: Inbox, tag: str | None = None) -> str:
        inboxes = envelope.__dict__.setdefault("inboxes", {})
        envelope.rcpt_tos.append(address)
        inboxes.setdefault(inbox.pk, inbox)  # one copy per inbox, however often it is named
        envelope.__dict__.setdefault("tags", {}).setdefault(inbox.pk, tag)  # the first naming's
        return "250 2.1.5 OK"

    async def _catch_all_inbox(
        self, client: str | None, local: str, domain: str
    ) -> tuple[str | None, Inbox | None]:
        """Sink mode, for an address with no inbox: (a refusal or None, the inbox created for
        the catch-all account or None). Creations are capped per client and in total."""
        assert self.catch_all_account is not None
        if not self.guard.catch_all_allowed(client):
            return smtp_limits.CATCH_ALL_CLIENT_CAP, None
        if await self.store.count_active_inboxes(self.catch_all_account) >= self.smtp.catch_all_max_inboxes:
            return smtp_limits.CATCH_ALL_TOTAL_CAP, None
        inbox = await self.inboxes.catch_all(self.catch_all_account, self.smtp.catch_all_owner, local, domain)
        if inbox is None:
            return None, None
        self.guard.catch_all_done(client)
        return await self.quotas.rcpt_refusal(inbox), inbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if not envelope.__dict__.get("inboxes"):
            return "554 5.5.1 No valid recipients"
        prepared = await self.prepare(session, envelope)
        if isinstance(prepared, str):
            return prepared
        return await self.store_message(envelope, prepared)

    async def store_message(self, envelope: Envelope, email: NewEmail) -> str:
        """Deliver a parsed message to the envelope's accepted inboxes; the reply to DATA."""
        inboxes = list(envelope.__dict__.get("inboxes", {}).values())
        if not inboxes:
            return "554 5.5.1 No valid recipients"
        try:
            if self.quotas.disk_low(len(email.raw) * len(inboxes)):
                return DISK_LOW
            quotas = await self.quotas.for_delivery(inboxes, envelope.__dict__.get("plans"))
            ids = await self._deliver(inboxes, envelope.__dict__.get("tags", {}), email, quotas)
            envelope.__dict__["stored_ids"] = ids
        except QuotaExceeded as exc:
            log.info("refused a message with 452: %s", exc)
            return MAILBOX_FULL
        except Exception:
            log.exception("could not store a message for %d inbox(es)", len(inboxes))
            return TEMPFAIL
        return f"250 2.0.0 OK: stored as {ids[0]}" + (f" and {len(ids) - 1} more" if len(ids) > 1 else "")

    async def _deliver(
        self,
        inboxes: list[Inbox],
        tags: dict[int, str | None],
        email: NewEmail,
        quotas: dict[int, tuple[int, int]],
    ) -> list[str]:
        """One delivery per distinct sub-address tag (nearly always one), all queued at once
        so that the store's group commit writes them in the same transaction. Should that
        transaction fail, the store retries each alone: if only some land, the sender gets
        451 and its retry duplicates those (never a loss, never a 250 for unstored mail)."""
        groups: dict[str | None, list[Inbox]] = {}
        for inbox in inboxes:
            groups.setdefault(tags.get(inbox.pk), []).append(inbox)
        deliveries = [
            self.store.deliver(
                group, dataclasses.replace(email, details={**email.details, "tag": tag}), quotas
            )
            for tag, group in groups.items()
        ]
        if len(deliveries) == 1:
            return await deliveries[0]
        results = await asyncio.gather(*deliveries)
        return [email_id for ids in results for email_id in ids]


class SmtpServer:
    """The listener and its sessions, on the running loop. With `reuse_port` the socket is
    bound with SO_REUSEPORT, so that other processes (smtp_processes) listen on the same port."""

    def __init__(self, smtp: SmtpConfig, handler: HandlerBase, reuse_port: bool = False) -> None:
        self.smtp = smtp
        self.handler = handler
        self.reuse_port = reuse_port
        self.connections = Connections(smtp.max_connections, smtp.max_connections_per_ip)
        self.certificates = Certificates(smtp.tls_cert, smtp.tls_key)
        self.server: asyncio.base_events.Server | None = None
        self.sighup_installed = False
        self.accepted = 0  # connections this listener took
        self.reload_hooks: list[Callable[[], object]] = [self.certificates.reload]

    def new_session(self) -> DustmailSMTP:
        # Each session takes the certificate current when it connects (see tls.py).
        return DustmailSMTP(self.handler, self.connections, self.smtp, self.certificates.context)

    def _accept(self) -> DustmailSMTP:
        self.accepted += 1
        return self.new_session()

    async def start(self, port: int | None = None) -> None:
        self.certificates.load()
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            self._accept,
            host=self.smtp.host,
            port=self.smtp.port if port is None else port,
            reuse_port=self.reuse_port or None,
        )
        try:
            loop.add_signal_handler(signal.SIGHUP, self._reload)
            self.sighup_installed = True
        except (RuntimeError, ValueError, NotImplementedError, AttributeError):
            log.debug("not in the main thread: SIGHUP does not reload the TLS certificate")

    def _reload(self) -> None:
        for hook in self.reload_hooks:
            hook()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop accepting, let transactions under way finish (bounded), close the rest."""
        if self.server is None:
            return
        if self.sighup_installed:
            asyncio.get_running_loop().remove_signal_handler(signal.SIGHUP)
            self.sighup_installed = False
        self.server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.smtp.shutdown_grace
        while self.connections.in_transaction and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for session in list(self.connections.sessions):
            transport = getattr(session, "transport", None)  # None: a session of another process
            if isinstance(transport, asyncio.WriteTransport):
                transport.write(b"421 4.3.2 Service shutting down\r\n")
                transport.close()
        await asyncio.sleep(0)
        self.server = None
