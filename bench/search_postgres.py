"""Search (`GET /api/v1/emails?q=...`) on PostgreSQL beside SQLite, over the same corpus.

Both stores are seeded through the storage layer with `run.seed_search_corpus` (the same
seeded random mail: Zipf-like words from a 5,000-word vocabulary), the PostgreSQL one then
gets `VACUUM ANALYZE` (what autovacuum does on a live database: the GIN index's pending list
merged, planner statistics). Then each query of `run.SEARCH_QUERIES` is timed over HTTP against
`dustmail-lite serve` on each backend, interleaved query by query.

Run: .venv/bin/python bench/search_postgres.py --emails 100000
Writes `search_postgres.<N>` in bench/results_postgres.json. Needs PostgreSQL's server
binaries (Debian package postgresql); it runs its own throwaway cluster, like the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import asyncpg  # noqa: E402
import pgcluster  # noqa: E402
from postgres import PgServer  # noqa: E402
from run import SEARCH_QUERIES, Server, http_bench, machine, seed_search_corpus  # noqa: E402


async def vacuum_analyze(url: str) -> int:
    """VACUUM ANALYZE the emails; the database's size in bytes."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("VACUUM ANALYZE emails")
        return int(await conn.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--emails", type=int, default=100_000)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results_postgres.json"))
    args = parser.parse_args()
    # Seeding only: commits need not wait for the disk (SQLite's seeding runs synchronous=OFF too).
    cluster = pgcluster.PgCluster(fsync=False)
    result: dict = {"stored": args.emails, "machine": machine(), "queries": {}}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "sqlite").mkdir()
            url = cluster.create_db()
            servers = {"sqlite": Server(folder / "sqlite"), "postgres": PgServer(folder / "postgres", url)}
            keys = {name: s.cli("keys", "create", "--owner", "bench", "--plan", "premium") for name, s in servers.items()}
            for name, server in servers.items():
                started = time.perf_counter()
                asyncio.run(seed_search_corpus(url if name == "postgres" else server.db, "bench", args.emails))
                result[f"{name}_seed_seconds"] = round(time.perf_counter() - started, 1)
                print(f"{name}: seeded {args.emails} in {result[f'{name}_seed_seconds']} s", flush=True)
            result["postgres_db_bytes"] = asyncio.run(vacuum_analyze(url))
            result["sqlite_db_bytes"] = servers["sqlite"].db.stat().st_size
            for server in servers.values():
                server.start()
            for name, q in SEARCH_QUERIES.items():
                row = {"q": q}
                for backend, server in servers.items():
                    point = http_bench(server.http_port, keys[backend], f"/api/v1/emails?q={quote(q)}",
                                       sequential=100, concurrency=4, seconds=1)
                    row[backend] = {"p50_ms": point["p50_ms"], "p99_ms": point["p99_ms"]}
                result["queries"][name] = row
                print(f"  {name:<20} sqlite p50 {row['sqlite']['p50_ms']:7.2f} ms p99 {row['sqlite']['p99_ms']:7.2f}"
                      f" | postgres p50 {row['postgres']['p50_ms']:7.2f} ms p99 {row['postgres']['p99_ms']:7.2f}",
                      flush=True)
            for server in servers.values():
                server.stop()
    finally:
        cluster.destroy()
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {}
    results.setdefault("search_postgres", {})[str(args.emails)] = result
    out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
