"""SMTP refusals kept for a while, so an account can see why mail did not arrive.

`ObservedIngestHandler` is the SMTP handler with a look at each RCPT and DATA reply: every
4xx/5xx is classified and queued in memory (bounded), and a background task writes the
queue in batches, so a client sending refused recipients in a loop costs one transaction a
second, not one per command. The same look feeds the metrics."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from .config import RefusalsConfig
from .metrics import Metrics
from .smtp import IngestHandler
from .store import Store
from .store.refusals import NewRefusal

log = logging.getLogger(__name__)

MAX_QUEUED = 10000

# (text in the reply, reason): first match wins.
_REASONS = [
    ("5.1.1", "unknown_mailbox"),
    ("Relaying denied", "relay_denied"),
    ("553", "invalid_address"),
    ("4.5.3", "too_many_recipients"),
    ("Mailbox full", "quota"),
    ("Insufficient system storage", "disk_low"),
    ("unknown recipients", "probing"),
    ("Catch-all", "catch_all_limit"),
    ("new addresses", "catch_all_limit"),
    ("552", "size"),
    ("No valid recipients", "no_valid_recipients"),
    ("451", "temporary_failure"),
    ("421", "throttled"),
]


def reason_of(reply: str) -> str:
    for text, reason in _REASONS:
        if text in reply:
            return reason
    return "refused"


class RefusalLog:
    def __init__(self, store: Store, config: RefusalsConfig) -> None:
        self.store = store
        self.config = config
        self.queue: collections.deque[NewRefusal] = collections.deque(maxlen=MAX_QUEUED)
        self.dropped = 0  # past MAX_QUEUED between two flushes (counted, logged)
        self._task: asyncio.Task[None] | None = None

    def add(self, refusal: NewRefusal) -> None:
        if len(self.queue) == MAX_QUEUED:
            self.dropped += 1
        self.queue.append(refusal)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="refusal-log")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.flush()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(1)
            try:
                await self.flush()
            except Exception:
                log.exception("could not record SMTP refusals")

    async def flush(self) -> None:
        if self.dropped:
            log.warning("%d SMTP refusals were not recorded (too many at once)", self.dropped)
            self.dropped = 0
        batch = list(self.queue)
        self.queue.clear()
        if batch:
            await self.store.record_refusals(batch, int(self.config.keep * 1000), self.config.max_rows)


def _peer(server: SMTP) -> str:
    peer = getattr(server, "ip", None) or (server.session.peer if server.session else "")
    return peer[0] if isinstance(peer, tuple) else str(peer)


class ObservedIngestHandler(IngestHandler):
    """The ingest handler, recording refusals and counting for /metrics."""

    refusals: RefusalLog
    metrics: Metrics

    def observe(self, refusals: RefusalLog, metrics: Metrics) -> None:
        self.refusals = refusals
        self.metrics = metrics

    def _refused(
        self, server: SMTP, stage: str, envelope: Envelope, address: str, reply: str, **known: Any
    ) -> None:
        reason = reason_of(reply)
        self.metrics.refused.labels(stage=stage, reason=reason).inc()
        self.refusals.add(
            NewRefusal(
                at=self.store.now(),
                stage=stage,
                client_ip=_peer(server),
                mail_from=envelope.mail_from or "",
                rcpt=address.lower(),
                domain=address.rpartition("@")[2].lower(),
                reply=reply,
                reason=reason,
                **known,
            )
        )

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = await super().handle_RCPT(server, session, envelope, address, options)
        if reply[:1] in ("4", "5"):
            self._refused(server, "RCPT", envelope, address, reply)
        return reply

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        started = time.perf_counter()
        reply = await super().handle_DATA(server, session, envelope)
        self.observe_data(server, envelope, reply, started)
        return reply

    def observe_data(self, server: SMTP, envelope: Envelope, reply: str, started: float) -> None:
        """Count a reply to DATA (and record it if a refusal), here or in another SMTP process."""
        self.metrics.ingest_seconds.observe(time.perf_counter() - started)
        if reply.startswith("250"):
            self.metrics.accepted.inc()
        elif reply[:1] in ("4", "5"):
            inboxes = envelope.__dict__.get("inboxes", {}).values()
            for inbox in inboxes:
                self._refused(
                    server,
                    "DATA",
                    envelope,
                    inbox.address,
                    reply,
                    account_id=inbox.account_id,
                    inbox_id=inbox.id,
                )
            if not inboxes:
                self.metrics.refused.labels(stage="DATA", reason=reason_of(reply)).inc()
