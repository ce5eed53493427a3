"""`create_app(config)`: the Starlette app whose lifespan runs the whole server.

Startup opens the store, starts SMTP on the same loop and the background
tasks; shutdown stops them in reverse, letting SMTP transactions under way
finish before the database closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from . import maintenance
from .api import EXCEPTION_HANDLERS, api_routes, build_api
from .config import Config
from .domains import Domains
from .events import EventHub
from .inboxes import InboxService
from .limits import check_open_mail_drop
from .mcp import mcp_endpoint
from .metrics import Metrics
from .mime import Limits
from .quota import Quotas
from .refusals import ObservedIngestHandler, RefusalLog
from .security_headers import SecurityHeaders
from .smtp import SmtpServer
from .smtp_processes import SmtpProcesses, process_count, resident_bytes
from .store import PurgeStats, Store, StoredEmail
from .webhooks import Attempt, WebhookSender, email_payload

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent / "web"


class Server:
    """The running pieces, reachable from tests as `app.state.server`."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.events = EventHub()
        self.store = Store.from_config(config, on_committed=self._committed)
        self.store.webhook_payload = email_payload(config.webhooks.public_url)
        self.metrics = Metrics()
        self.webhooks = WebhookSender(self.store, config.webhooks, self._webhook_attempted)
        self.refusals = RefusalLog(self.store, config.refusals)
        self.domains = Domains.from_config(self.store, config)
        self.inboxes = InboxService(self.store, self.domains, config.plans)
        self.quotas = Quotas(self.store, config.storage, config.plans)
        self.api = build_api(config, self.store, self.domains, self.events, self.inboxes, self.quotas)
        self.ingest = ObservedIngestHandler(
            config.smtp, Limits.from_config(config), self.store, self.domains, self.inboxes, self.quotas
        )
        self.ingest.observe(self.refusals, self.metrics)
        count = process_count(config.smtp.processes)
        self.smtp = SmtpServer(config.smtp, self.ingest, reuse_port=count > 1)
        self.smtp_processes = SmtpProcesses(config, self.ingest, self.smtp.connections, count)
        self.mcp = mcp_endpoint(self.api.auth)
        self.tasks: list[asyncio.Task[None]] = []
        self._instrument()

    def _instrument(self) -> None:
        m = self.metrics
        self.store.observe_commit = m.commit_seconds.observe
        self.store.observe_purge = self._purged
        self.store.on_webhooks_queued = self.webhooks.wake
        self.pending_webhooks = 0  # refreshed by the purge task's interval (a count query)
        m.add_gauges(
            [
                (
                    "dustmail_delivery_queue",
                    "Deliveries waiting for a group commit",
                    lambda: self.store.queued_deliveries,
                ),
                (
                    "dustmail_refusal_queue",
                    "Refusals waiting to be recorded",
                    lambda: len(self.refusals.queue),
                ),
                (
                    "dustmail_webhook_outbox",
                    "Webhook deliveries pending (at the last purge run)",
                    lambda: self.pending_webhooks,
                ),
                ("dustmail_smtp_sessions", "Open SMTP sessions", lambda: len(self.smtp.connections.sessions)),
                ("dustmail_waiters", "Waits under way", lambda: sum(self.api.waits.open.values())),
                ("dustmail_streams", "Open event streams", lambda: sum(self.api.streams.open.values())),
                (
                    "dustmail_processes",
                    "Processes of this serve: itself, SMTP processes, parser workers",
                    lambda: resident_bytes()[0],
                ),
                (
                    "dustmail_resident_bytes",
                    "Resident memory of all those processes together",
                    lambda: resident_bytes()[1],
                ),
            ]
        )
        m.add_labelled_gauge(
            "dustmail_smtp_connections_accepted",
            "SMTP connections taken by each SMTP process since it started (0: serve itself)",
            "process",
            lambda: {"0": self.smtp.accepted, **self.smtp_processes.accepted()},
        )

    def _purged(self, stats: PurgeStats) -> None:
        self.metrics.purge_runs.inc()
        self.metrics.purged_emails.inc(stats.emails)
        task = asyncio.create_task(self._count_outbox())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _count_outbox(self) -> None:
        self.pending_webhooks = await self.store.count_pending_deliveries()

    def _webhook_attempted(self, attempt: Attempt) -> None:
        (self.metrics.webhook_deliveries if attempt.delivered else self.metrics.webhook_failures).inc()

    def _committed(self, stored: list[StoredEmail]) -> None:
        """After each group commit: wake waiters and streams."""
        self.events.publish_stored(stored)

    async def start(self) -> None:
        check_open_mail_drop(self.config)
        await self.store.open()
        self._background: set[asyncio.Task[None]] = set()
        await self._count_outbox()
        self.webhooks.start()
        self.refusals.start()
        owner = self.config.smtp.catch_all_owner
        if owner:
            account = await self.store.get_account(owner) or await self.store.ensure_account(owner)
            self.ingest.catch_all_account = account.id
        self.ingest.parser.start()
        await self.smtp.start()
        await self.smtp_processes.start(self.smtp.port)
        self.smtp.reload_hooks.append(lambda: self.smtp_processes.signal_all(signal.SIGHUP))
        self.tasks = maintenance.start(self.store, self.domains, self.config.inboxes, self.config.dns)
        log.info(
            "SMTP listening on %s:%d, database %s",
            self.config.smtp.host,
            self.smtp.port,
            self.store.location,
        )
        if await self.store.count_active_keys() == 0:
            log.warning(
                "No API keys yet. Create one with: %s keys create --owner NAME [--plan premium]",
                self.config.admin_command,
            )

    async def stop(self) -> None:
        # The other SMTP processes drain while serve still commits what they hand over.
        await asyncio.gather(self.smtp.stop(), self.smtp_processes.stop())
        await self.webhooks.stop()
        await self.refusals.stop()
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.store.close()


def create_app(config: Config) -> Starlette:
    server = Server(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await server.start()
        try:
            async with server.mcp.run():
                yield
        finally:
            await server.stop()

    # A mount of its own, so that API paths never fall through to the dashboard's files.
    routes: list[Route | Mount] = [
        Mount("/api/v1", routes=api_routes(server.api)),
        Route("/mcp", server.mcp, methods=["GET", "POST", "DELETE"]),
    ]
    if config.metrics.enabled:
        routes.append(
            Route("/metrics", server.metrics.endpoint(config.metrics.allow_remote), methods=["GET"])
        )
    if config.web.enabled:
        prefix = config.web.prefix.rstrip("/")
        if prefix:
            routes.append(Route(prefix, lambda r: RedirectResponse(prefix + "/"), methods=["GET"]))
        routes.append(Mount(prefix or "/", app=StaticFiles(directory=WEB_DIR, html=True), name="web"))
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers=dict(EXCEPTION_HANDLERS),
    )
    app.state.server = server
    return app
