"""Prometheus metrics (`GET /metrics`, off unless `[metrics] enabled`; loopback clients only
unless `[metrics] allow_remote`). One registry per server, so several in one process (tests)
never share or clash."""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from .api.errors import error_response

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Gauges(Collector):
    """Values read at scrape time: (name, help, read) each."""

    def __init__(self, gauges: list[tuple[str, str, Callable[[], float]]]) -> None:
        self.gauges = gauges

    def collect(self) -> Iterable[Metric]:
        for name, text, read in self.gauges:
            family = GaugeMetricFamily(name, text)
            family.add_metric([], read())
            yield family


class LabelledGauge(Collector):
    """One gauge with one label, its values read at scrape time."""

    def __init__(self, name: str, text: str, label: str, read: Callable[[], dict[str, float]]) -> None:
        self.name, self.text, self.label, self.read = name, text, label, read

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(self.name, self.text, labels=[self.label])
        for value, number in self.read().items():
            family.add_metric([value], number)
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.accepted = Counter("dustmail_smtp_accepted", "Messages accepted (250 after DATA)", registry=r)
        self.refused = Counter(
            "dustmail_smtp_refused", "SMTP refusals by stage and reason", ["stage", "reason"], registry=r
        )
        self.ingest_seconds = Histogram(
            "dustmail_ingest_seconds", "End of DATA to the reply", buckets=LATENCY_BUCKETS, registry=r
        )
        self.commit_seconds = Histogram(
            "dustmail_commit_seconds",
            "A delivery's wait for its group commit (queue, write, fsync)",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.webhook_deliveries = Counter(
            "dustmail_webhook_deliveries", "Webhook requests answered 2xx", registry=r
        )
        self.webhook_failures = Counter(
            "dustmail_webhook_failures", "Webhook attempts that failed (retried later)", registry=r
        )
        self.purge_runs = Counter("dustmail_purge_runs", "Purge runs", registry=r)
        self.purged_emails = Counter("dustmail_purged_emails", "Emails removed by the purge", registry=r)

    def add_gauges(self, gauges: list[tuple[str, str, Callable[[], float]]]) -> None:
        self.registry.register(Gauges(gauges))

    def add_labelled_gauge(
        self, name: str, text: str, label: str, read: Callable[[], dict[str, float]]
    ) -> None:
        self.registry.register(LabelledGauge(name, text, label, read))

    def endpoint(self, allow_remote: bool) -> Callable[[Request], Awaitable[Response]]:
        # On the event loop (async), so the gauges read the server's state from its own thread.
        async def metrics(request: Request) -> Response:
            client = request.client.host if request.client else ""
            if not allow_remote and not _is_loopback(client):
                return error_response(403, "forbidden", "Metrics are served to loopback clients only.")
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)

        return metrics


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
