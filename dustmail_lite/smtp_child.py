"""An extra SMTP process of `serve` (`[smtp] processes` > 1; see smtp_processes).

It listens on the SMTP port beside serve (SO_REUSEPORT: the kernel spreads new
connections over the listeners), runs aiosmtpd's protocol, reads DATA and parses the
message in its own parser workers. Everything that needs the store or state shared by
all sessions is asked of serve over the relay channel: admitting a connection (the
per-client connection limits and rates), each RCPT (recipient checks, quotas, probing,
catch-all, refusal records) and the delivery itself, which serve commits through its
group commit before it answers. The child replies 250 only after that answer; if serve
is gone or fails, 451. The child never opens the database.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import pickle
import signal
import socket
import ssl
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from . import logs
from .config import SmtpConfig
from .mime import Limits
from .parsing import die_with_parent
from .smtp import TEMPFAIL, Connections, DustmailSMTP, HandlerBase, SmtpServer
from .smtp_limits import SmtpGuard
from .smtp_relay import RelayClient, RelayLost, read_frame, write_frame
from .threads import share_the_gil_sooner

log = logging.getLogger(__name__)

CHANNEL_FD = "DUSTMAIL_SMTP_CHANNEL_FD"
BOOT = "from dustmail_lite.smtp_child import child_main; child_main()"
NOT_ADMITTED = "421 4.3.0 Temporary failure, try again later"


class ServeRates(SmtpGuard):
    """The per-client rates are serve's to count (it sees every process's clients):
    here only `is_unlimited` (a pure reading of the config) is used."""

    def admit_connection(self, client: str | None) -> str | None:
        return None


class RelayedSMTP(DustmailSMTP):
    """A session of this process: admitted by serve before the banner."""

    def __init__(
        self,
        handler: RelayHandler,
        connections: Connections,
        smtp: SmtpConfig,
        tls_context: ssl.SSLContext | None,
        session_id: int,
    ) -> None:
        super().__init__(handler, connections, smtp, tls_context)
        self.relay = handler.relay
        self.session_id = session_id
        self.open_sent = False

    async def _handle_client(self) -> None:
        if self.admitted and not self.refusal:
            # From here on serve may count this session: connection_lost must say `close`,
            # even if the client leaves (and this task is cancelled) before the answer.
            self.open_sent = True
            try:
                answer = await self.relay.call("open", sid=self.session_id, ip=self.ip)
                self.refusal = answer.get("refusal")
            except RelayLost:
                self.refusal = NOT_ADMITTED
        await super()._handle_client()

    def connection_lost(self, error: Exception | None) -> None:
        if self.open_sent:
            self.open_sent = False
            self.relay.send("close", sid=self.session_id)  # after `open` on the channel, always
        super().connection_lost(error)


class RelayHandler(HandlerBase):
    """aiosmtpd handler hooks that ask serve for every decision that needs the store."""

    def __init__(self, smtp: SmtpConfig, limits: Limits, relay: RelayClient) -> None:
        super().__init__(smtp, limits)
        self.guard = ServeRates(smtp)
        self.relay = relay
        self.transactions = itertools.count(1)

    def _transaction(self, envelope: Envelope) -> int:
        # aiosmtpd starts a new Envelope for each transaction (RSET, after DATA, EHLO).
        number: int = envelope.__dict__.setdefault("transaction", next(self.transactions))
        return number

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        assert isinstance(server, RelayedSMTP)
        try:
            answer = await self.relay.call(
                "rcpt",
                sid=server.session_id,
                txn=self._transaction(envelope),
                mail_from=envelope.mail_from,
                address=address,
                options=options,
                tls=server.uses_tls,
            )
        except RelayLost:
            return TEMPFAIL
        reply = str(answer.get("reply") or TEMPFAIL)
        if reply.startswith("250"):
            envelope.rcpt_tos.append(address)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(server, RelayedSMTP)
        prepared = await self.prepare(session, envelope)
        request: dict[str, Any] = {"sid": server.session_id, "txn": self._transaction(envelope)}
        blob = b""
        if isinstance(prepared, str):
            request["refused"] = prepared  # for serve's refusal records and metrics
        else:
            # The bodies travel as bytes beside the JSON, not inside it: no escaping of
            # megabytes on either side.
            text, html = prepared.text.encode("utf-8"), prepared.html.encode("utf-8")
            blob = prepared.raw + text + html
            request["email"] = {
                "mail_from": prepared.mail_from,
                "subject": prepared.subject,
                "lengths": [len(prepared.raw), len(text), len(html)],
                "size": prepared.size,
                "details": prepared.details,
            }
        try:
            answer = await self.relay.call("data", blob=blob, **request)
        except RelayLost:
            log.error("serve is gone: a message was answered 451")
            return TEMPFAIL
        envelope.__dict__["stored_ids"] = list(answer.get("ids") or [])
        return str(answer.get("reply") or TEMPFAIL)


class ChildSmtpServer(SmtpServer):
    def __init__(self, smtp: SmtpConfig, handler: RelayHandler) -> None:
        super().__init__(smtp, handler, reuse_port=True)
        self.relay_handler = handler
        # No local caps: serve counts this process's sessions with its own.
        self.connections = Connections(1 << 30, 1 << 30)
        self.session_ids = itertools.count(1)

    def new_session(self) -> DustmailSMTP:
        return RelayedSMTP(
            self.relay_handler,
            self.connections,
            self.smtp,
            self.certificates.context,
            next(self.session_ids),
        )


def child_main() -> None:
    """Entry point of the child process (started by smtp_processes with the channel's fd)."""
    die_with_parent()
    share_the_gil_sooner()
    try:
        import uvloop

        uvloop.run(_serve(int(os.environ[CHANNEL_FD])))
    except ImportError:
        asyncio.run(_serve(int(os.environ[CHANNEL_FD])))


async def _serve(fd: int) -> None:
    reader, writer = await asyncio.open_unix_connection(sock=socket.socket(fileno=fd))
    frame = await read_frame(reader)
    if frame is None:
        return  # serve went away before it said what to do
    # The set-up comes from serve itself, over a socket pair nobody else holds.
    smtp, limits, logging_config, level, port = pickle.loads(frame[1])
    logs.configure(logging_config, level)
    relay = RelayClient(reader, writer)
    relay.start()
    handler = RelayHandler(smtp, limits, relay)
    handler.parser.start()
    server = ChildSmtpServer(smtp, handler)
    await server.start(port)
    write_frame(writer, {"op": "ready", "pid": os.getpid()})
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    lost = asyncio.create_task(relay.lost.wait())
    stopping = asyncio.create_task(stop.wait())
    await asyncio.wait([lost, stopping], return_when=asyncio.FIRST_COMPLETED)
    # Drain: stop accepting, let transactions under way finish (serve still answers them).
    await server.stop()
    relay.close()
    handler.parser.close()
    for task in (lost, stopping):
        task.cancel()
