"""Background work on the server's loop: the purge and the custom-domain re-checks.

Each run first asks the store for the job (`Store.exclusive`): with several nodes on one
PostgreSQL database one node runs it at a time, and a node that dies lets another take it."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from .config import DnsConfig, InboxesConfig
from .domains import Domains
from .store import Store, now_ms

log = logging.getLogger(__name__)


async def every(
    interval: float, job: Callable[[], Awaitable[object]], name: str, store: Store | None = None
) -> None:
    """Run `job` every `interval` seconds until cancelled (when `store` grants it to this
    node); a failing run is logged, not fatal."""
    while True:
        try:
            if store is None:
                await job()
            else:
                async with store.exclusive(name) as ours:
                    if ours:
                        await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; retrying in %.0fs", name, interval)
        await asyncio.sleep(interval)


async def purge_once(store: Store) -> None:
    started = time.monotonic()
    stats = await store.purge()
    if stats.inboxes:
        log.info(
            "purged %d inboxes and %d emails in %.2fs (%d batches)",
            stats.inboxes,
            stats.emails,
            time.monotonic() - started,
            stats.batches,
        )


async def recheck_domains(domains: Domains, dns: DnsConfig) -> None:
    checked = await domains.recheck_due(int(dns.recheck_interval * 1000), now_ms())
    if checked:
        log.info("re-checked %d custom domains", checked)
    expired = await domains.expire_claims()
    if expired:
        log.info("dropped %d pending domain claims older than domains.claim_ttl", expired)


def start(store: Store, domains: Domains, inboxes: InboxesConfig, dns: DnsConfig) -> list[asyncio.Task[None]]:
    return [
        asyncio.create_task(
            every(inboxes.purge_interval, lambda: purge_once(store), "purge", store),
            name="purge",
        ),
        asyncio.create_task(
            every(
                min(dns.recheck_interval, domains.claim_ttl_ms / 1000, 3600),
                lambda: recheck_domains(domains, dns),
                "domain re-check",
                store,
            ),
            name="domain-recheck",
        ),
    ]
