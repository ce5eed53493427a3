"""PostgreSQL beside SQLite, side by side in one run (the machine is shared, so the two are
interleaved round by round and each figure is the median of its rounds):

- SMTP ingest on one node: SQLite file vs PostgreSQL (fsync on: a 250 is durable in both);
- two nodes on one PostgreSQL database, the load split between them;
- cross-node wake-up: SMTP 250 on node A -> the /wait parked on node B returns;
- GET /api/v1/inbox/{id} (100 emails) on PostgreSQL.

Run: .venv/bin/python bench/postgres.py [--rounds 3] [--messages 1500]
Writes bench/results_postgres.json. Needs PostgreSQL's server binaries (Debian package
postgresql); it runs its own throwaway cluster, like the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import pgcluster  # noqa: E402
from run import (  # noqa: E402
    HttpClient,
    Server,
    api_post,
    http_bench,
    machine,
    message_bytes,
    pct,
    python_load,
    smtp_transaction,
)


class PgServer(Server):
    def __init__(self, folder: Path, url: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(folder)
        text = self.config.read_text().replace("[storage]\n", f'[storage]\nurl = "{url}"\n', 1)
        self.config.write_text(text)


def ingest(server: Server, rcpt: str, count: int, sessions: int) -> float:
    return python_load(server.smtp_port, rcpt, count, sessions)["per_second"]


def split_ingest(nodes: list[Server], rcpt: str, count: int, sessions: int) -> float:
    """`sessions` spread over the nodes, `count` messages in all; combined messages/s."""
    results: list[dict] = [{} for _ in nodes]

    def drive(i: int) -> None:
        results[i] = python_load(nodes[i].smtp_port, rcpt, count // len(nodes), sessions // len(nodes))

    threads = [threading.Thread(target=drive, args=(i,)) for i in range(len(nodes))]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return sum(r["messages"] for r in results) / elapsed


def cross_node_wake(a: Server, b: Server, key: str, inbox_id: str, address: str, rounds: int = 100) -> dict:
    """SMTP 250 from node A -> the /wait parked on node B returns."""

    async def run() -> list[float]:
        latencies = []
        client = HttpClient(b.http_port, key)
        after = ""
        message = message_bytes(1024, "wake")
        for _ in range(rounds):
            waiter = asyncio.create_task(client.get(f"/api/v1/inbox/{inbox_id}/wait?timeout=10{after}"))
            await asyncio.sleep(0.02)  # parked on B
            await smtp_transaction(a.smtp_port, address.encode(), message)
            acknowledged = time.perf_counter()
            _, body = await waiter
            latencies.append(max(0.0, time.perf_counter() - acknowledged))
            after = f"&after={json.loads(body)['data']['id']}"
        await client.close()
        return latencies

    latencies = asyncio.run(run())
    return {"rounds": rounds, "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--messages", type=int, default=1500, help="messages per 10-session ingest run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results_postgres.json"))
    args = parser.parse_args()
    cluster = pgcluster.PgCluster(fsync=True)  # durable commits, as SQLite's synchronous=FULL
    results: dict = {"machine": machine(), "rounds": args.rounds, "messages": args.messages}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            url = cluster.create_db()
            (folder / "sqlite").mkdir()
            sqlite = Server(folder / "sqlite")
            node_a, node_b = PgServer(folder / "a", url), PgServer(folder / "b", url)
            keys = {}
            for name, server in (("sqlite", sqlite), ("postgres", node_a)):
                keys[name] = server.cli("keys", "create", "--owner", "bench", "--plan", "premium")
                server.start()
            node_b.start()
            boxes = {name: api_post(s, keys[name], "/api/v1/inbox", {"username": "load"})
                     for name, s in (("sqlite", sqlite), ("postgres", node_a))}
            figures: dict[str, list[float]] = {k: [] for k in (
                "sqlite_1", "postgres_1", "sqlite_10", "postgres_10", "postgres_two_nodes_10")}
            single = max(200, args.messages // 5)
            for r in range(args.rounds):
                print(f"round {r + 1}/{args.rounds} ...", flush=True)
                figures["sqlite_1"].append(ingest(sqlite, boxes["sqlite"]["email"], single, 1))
                figures["postgres_1"].append(ingest(node_a, boxes["postgres"]["email"], single, 1))
                figures["sqlite_10"].append(ingest(sqlite, boxes["sqlite"]["email"], args.messages, 10))
                figures["postgres_10"].append(ingest(node_a, boxes["postgres"]["email"], args.messages, 10))
                figures["postgres_two_nodes_10"].append(
                    split_ingest([node_a, node_b], boxes["postgres"]["email"], args.messages, 10))
            results["ingest_runs"] = figures
            results["ingest_median"] = {k: statistics.median(v) for k, v in figures.items()}
            m = results["ingest_median"]
            results["postgres_over_sqlite_10"] = m["postgres_10"] / m["sqlite_10"]
            results["postgres_over_sqlite_1"] = m["postgres_1"] / m["sqlite_1"]
            print("cross-node wake-up ...", flush=True)
            waiting = api_post(node_a, keys["postgres"], "/api/v1/inbox", {"username": "waiting"})
            results["cross_node_wake"] = cross_node_wake(
                node_a, node_b, keys["postgres"], waiting["id"], waiting["email"])
            print("GET /inbox/{id} ...", flush=True)
            hundred = api_post(node_a, keys["postgres"], "/api/v1/inbox", {"username": "hundred"})
            python_load(node_a.smtp_port, hundred["email"], 100, 5)
            results["inbox_100_emails"] = {
                "postgres": http_bench(node_b.http_port, keys["postgres"], f"/api/v1/inbox/{hundred['id']}"),
            }
            hundred_sqlite = api_post(sqlite, keys["sqlite"], "/api/v1/inbox", {"username": "hundred"})
            python_load(sqlite.smtp_port, hundred_sqlite["email"], 100, 5)
            results["inbox_100_emails"]["sqlite"] = http_bench(
                sqlite.http_port, keys["sqlite"], f"/api/v1/inbox/{hundred_sqlite['id']}")
            for server in (sqlite, node_a, node_b):
                server.stop()
    finally:
        cluster.destroy()
    Path(args.out).write_text(json.dumps(results, indent=2))
    m = results["ingest_median"]
    print(f"\ningest msg/s (median of {args.rounds} interleaved rounds, 1 KB-ish messages):")
    for k, v in m.items():
        print(f"  {k:<24} {v:8.0f}")
    print(f"PostgreSQL / SQLite: 10 sessions {results['postgres_over_sqlite_10']:.2f}x,"
          f" 1 session {results['postgres_over_sqlite_1']:.2f}x")
    w = results["cross_node_wake"]
    print(f"cross-node wake-up: p50 {w['p50_ms']:.2f} ms  p99 {w['p99_ms']:.2f} ms")
    for name, v in results["inbox_100_emails"].items():
        print(f"GET /inbox/{{id}} (100 emails) {name}: p50 {v['p50_ms']:.2f} ms  p99 {v['p99_ms']:.2f} ms"
              f"  {v['per_second']:.0f} req/s")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
