"""Search before and after migration 0010 (FTS5 prefix indexes), on the same emails.

    .venv/bin/python bench/search_prefix.py --emails 1000000 --baseline main --work /tmp/search-bench

Seeds one database with the baseline revision's code (its schema, its triggers: the index as
it was), copies it twice, lets this tree's `dustmail-lite init` migrate one copy (timed),
then serves each copy with its own code and runs every search query over HTTP, the two
servers taking turns query by query for `--rounds` rounds (so a change of the machine's load
hits both alike). Write cost: `--write` more emails stored through each side's store, in
turns, timed; and `--write-fresh` emails stored into an empty store by each side (the index
grown by its triggers alone, as in production, not made at once by the migration). Sizes: the files and the FTS5 tables' pages (`dbstat`). A seeded base in
`--work` is reused by the next run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from run import ROOT, SEARCH_QUERIES, Server, http_bench, machine

SEED = """
import asyncio, sys, time
sys.path.insert(0, {bench!r})
import run
sys.path.insert(0, {src!r})  # the store of the side being measured, not this tree's
import dustmail_lite
assert dustmail_lite.__file__.startswith({src!r}), dustmail_lite.__file__
started = time.perf_counter()
asyncio.run(run.seed_search_corpus(run.Path({db!r}), {account!r}, {count}, label={label!r}))
print(time.perf_counter() - started)
"""


SMALL_ACCOUNT_EMAILS = 20
SMALL_ACCOUNT_QUERIES = {  # fewer matches than a page in its own mail
    "small account: common word": "w0001",
    "small account: prefix": "w43*",
    "small account: long prefix": "w0001*",
    "small account: no match": "w4321",
}


def seed(src: Path, db: Path, count: int, label: str, account: str = "bench") -> float:
    """Store `count` search-corpus emails with the store of source tree `src`; seconds taken."""
    code = SEED.format(bench=str(ROOT / "bench"), src=str(src), db=str(db), count=count, label=label,
                       account=account)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=src)
    return float(out.stdout.strip().splitlines()[-1])


def fts_bytes(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'email_search%'").fetchone()
    return int(row[0] or 0)


def checkpoint(db: Path) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def baseline_tree(rev: str, into: Path) -> Path:
    if not (into / "dustmail_lite").exists():
        into.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", rev], capture_output=True, check=True, cwd=ROOT).stdout
        subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def prepare(work: Path, emails: int, base_src: Path) -> tuple[Server, Server, dict]:
    base = work / "base"
    if not (base / "seeded").exists():
        shutil.rmtree(base, ignore_errors=True)
        base.mkdir(parents=True)
        server = Server(base, root=base_src)
        (base / "key").write_text(server.cli("keys", "create", "--owner", "bench", "--plan", "premium"))
        (base / "seeded").write_text(str(seed(base_src, server.db, emails, "")))
        checkpoint(server.db)
    if not (base / "small-key").exists():
        # A second account with a few emails, newer than the million: its searches must not
        # walk the big account's matches.
        server = Server(base, root=base_src)
        key = server.cli("keys", "create", "--owner", "small", "--plan", "premium")
        seed(base_src, server.db, SMALL_ACCOUNT_EMAILS, "small", account="small")
        (base / "small-key").write_text(key)
        checkpoint(server.db)
    figures: dict = {"seed_seconds_baseline": float((base / "seeded").read_text())}
    servers = []
    for side, src in (("before", base_src), ("after", ROOT)):
        folder = work / side
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        shutil.copy(base / "bench.sqlite3", folder / "bench.sqlite3")
        started = time.perf_counter()
        servers.append(Server(folder, root=src))  # runs `dustmail-lite init`: the migrations
        figures[f"init_seconds_{side}"] = time.perf_counter() - started
        checkpoint(folder / "bench.sqlite3")
    return servers[0], servers[1], figures


def sizes(server: Server) -> dict:
    return {"db_bytes": server.db.stat().st_size, "fts_bytes": fts_bytes(server.db)}


def query_rounds(sides: dict[str, Server], rounds: int, queries: dict[str, tuple[str, str]]) -> dict:
    """`queries`: name -> (key, q)."""
    samples: dict = {side: {name: [] for name in queries} for side in sides}
    for round_ in range(rounds):
        for name, (key, q) in queries.items():
            for side, server in sides.items():
                point = http_bench(server.http_port, key, f"/api/v1/emails?q={quote(q)}", sequential=100,
                                   concurrency=1, seconds=0)
                samples[side][name].append(point)
                print(f"  round {round_ + 1} {side:<6} {name:<20} p50 {point['p50_ms']:7.2f} ms"
                      f"  p99 {point['p99_ms']:7.2f} ms", flush=True)
    return {side: {name: {"q": queries[name][1], "p50_ms": [p["p50_ms"] for p in points],
                          "p99_ms": [p["p99_ms"] for p in points]} for name, points in per.items()}
            for side, per in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--emails", type=int, default=1_000_000)
    parser.add_argument("--baseline", default="main", help="git revision before migration 0010")
    parser.add_argument("--work", type=Path, required=True, help="folder for the databases (several GB at 1M)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", type=int, default=50_000, help="emails stored per side for the write cost")
    parser.add_argument("--write-fresh", type=int, default=200_000,
                        help="emails stored per side into an empty store, twice in turns (0: skip)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    base_src = baseline_tree(args.baseline, args.work / "baseline-src")
    before, after, figures = prepare(args.work, args.emails, base_src)
    key = (args.work / "base" / "key").read_text().strip()
    small_key = (args.work / "base" / "small-key").read_text().strip()
    queries = {name: (key, q) for name, q in SEARCH_QUERIES.items()}
    queries.update({name: (small_key, q) for name, q in SMALL_ACCOUNT_QUERIES.items()})
    figures["size_before"], figures["size_after"] = sizes(before), sizes(after)
    print(json.dumps(figures), flush=True)
    sides = {"before": before, "after": after}
    for server in sides.values():
        server.start()
    try:
        figures["queries"] = query_rounds(sides, args.rounds, queries)
    finally:
        for server in sides.values():
            server.stop()
    if args.write:
        figures["write_seconds"] = {"before": [], "after": []}
        for turn in range(2):
            for side, src in (("before", base_src), ("after", ROOT)):
                seconds = seed(src, sides[side].db, args.write // 2, f"w{turn}-")
                figures["write_seconds"][side].append(seconds)
                print(f"  write {side}: {args.write // 2} emails in {seconds:.1f} s", flush=True)
    if args.write_fresh:
        figures["write_fresh_seconds"] = {"before": [], "after": []}
        for turn in range(2):
            for side, src in (("before", base_src), ("after", ROOT)):
                folder = args.work / f"fresh-{side}"
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir()
                server = Server(folder, root=src)
                server.cli("keys", "create", "--owner", "bench", "--plan", "premium")
                seconds = seed(src, server.db, args.write_fresh, "")
                figures["write_fresh_seconds"][side].append(seconds)
                print(f"  write {side}: {args.write_fresh} emails into an empty store in {seconds:.1f} s", flush=True)
                shutil.rmtree(folder)
    figures.update(emails=args.emails, baseline=args.baseline, machine=machine())
    results = json.loads(args.out.read_text()) if args.out.exists() else {}
    results["search_prefix"] = figures
    args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
