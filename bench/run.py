"""dustmail-lite benchmarks: SMTP ingest against real peers, API latency, wait latency,
scale (10k/100k/1M stored messages), RSS, bytes per message, purge stalls.

Run with `bench/run` (it fetches the peers it can); prints a table and writes
bench/results.json. `--full` adds the 1M-message scale point.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ROOT / "bench" / ".tools"
sys.path.insert(0, str(ROOT))

MESSAGE_SIZE = 2048


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def message_bytes(size: int = MESSAGE_SIZE, subject: str = "bench") -> bytes:
    head = f"From: bench@example.com\r\nTo: x@example.com\r\nSubject: {subject}\r\n\r\n".encode()
    line = b"x" * 76 + b"\r\n"
    body = line * max(0, (size - len(head)) // len(line))
    return head + body + b"y" * max(0, size - len(head) - len(body) - 2) + b"\r\n"


# --- processes -------------------------------------------------------------------------


class Server:
    """`dustmail-lite serve` as a subprocess on its own ports and database."""

    def __init__(
        self, folder: Path, purge_interval: str = "60s", smtp_processes: int = 1, root: Path = ROOT
    ) -> None:
        self.folder = folder
        self.root = root  # the source tree to run (another revision's, to compare with)
        self.http_port, self.smtp_port = free_port(), free_port()
        self.db = folder / "bench.sqlite3"
        self.config = folder / "bench.toml"
        self.config.write_text(
            f'[storage]\npath = "{self.db}"\n[http]\nport = {self.http_port}\n'
            f'[smtp]\nport = {self.smtp_port}\nmax_connections_per_ip = 200\nmax_connections = 400\n'
            + (f'processes = {smtp_processes}\n' if smtp_processes != 1 else '')  # older revisions lack it
            + f'[domains]\nprimary = "bench.test"\n'
            f'[inboxes]\nmax_emails = 10000000\npurge_interval = "{purge_interval}"\n'
        )
        self.log = folder / "serve.log"
        self.proc: subprocess.Popen | None = None
        self.cli("init")  # admin commands never create the database; serve or init does

    def cli(self, *args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "dustmail_lite", "--config", str(self.config), *args],
                             capture_output=True, text=True, check=True, cwd=self.root)
        return out.stdout.strip()

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dustmail_lite", "--config", str(self.config), "serve", "--log-level", "info"],
                stdout=log, stderr=subprocess.STDOUT, cwd=self.root,
            )
        wait_port(self.http_port)
        wait_port(self.smtp_port)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)

    def rss_mb(self) -> float:
        """Resident memory of serve and every process under it (SMTP processes, parser workers)."""
        assert self.proc is not None
        return sum(process_rss_mb(pid) for pid in tree_pids(self.proc.pid))

    def rss_each(self) -> list[float]:
        assert self.proc is not None
        return [process_rss_mb(pid) for pid in tree_pids(self.proc.pid)]

    def processes(self) -> int:
        assert self.proc is not None
        return len(tree_pids(self.proc.pid))

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used (less sensitive to a shared
        machine's load than wall-clock figures)."""
        assert self.proc is not None
        total = 0.0
        for pid in tree_pids(self.proc.pid):  # with its SMTP processes and parser workers
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total

    def count_emails(self) -> int:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM emails").fetchone()[0]


def process_rss_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024


def child_pids(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def tree_pids(pid: int) -> list[int]:
    """The process and all its descendants."""
    found = [pid]
    try:
        children = child_pids(pid)
    except OSError:  # gone meanwhile
        return found
    for child in children:
        found += tree_pids(child)
    return found


class Peer:
    def __init__(self, name: str, argv: list[str], port: int, env: dict | None = None) -> None:
        self.name, self.port = name, port
        self.proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     env={**os.environ, **(env or {})})
        wait_port(port)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def postfix_tool(name: str) -> tuple[list[str], dict] | None:
    for base in (TOOLS / "postfix", Path("/")):
        path = base / "usr" / "sbin" / name
        if path.exists():
            return [str(path)], {"LD_LIBRARY_PATH": str(base / "usr" / "lib" / "postfix")}
    return None


def maildev_bin() -> Path | None:
    path = TOOLS / "node_modules" / ".bin" / "maildev"
    return path if path.exists() and shutil.which("node") else None


# --- SMTP load -------------------------------------------------------------------------


async def smtp_transaction(port: int, rcpt: bytes, message: bytes) -> float:
    """One message over one connection, as smtp-source does; returns seconds to the 250."""
    start = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        async def expect(prefix: bytes) -> None:
            while True:
                line = await reader.readline()
                if not line:
                    raise ConnectionError("closed")
                if line[3:4] != b"-":
                    if not line.startswith(prefix):
                        raise RuntimeError(line.decode(errors="replace").strip())
                    return

        await expect(b"220")
        writer.write(b"EHLO bench\r\n")
        await expect(b"250")
        writer.write(b"MAIL FROM:<bench@example.com>\r\n")
        await expect(b"250")
        writer.write(b"RCPT TO:<" + rcpt + b">\r\n")
        await expect(b"250")
        writer.write(b"DATA\r\n")
        await expect(b"354")
        writer.write(message + b".\r\n")
        await expect(b"250")
        elapsed = time.perf_counter() - start
        writer.write(b"QUIT\r\n")
        await writer.drain()
        return elapsed
    finally:
        writer.close()


def python_load(port: int, rcpt: str, count: int, sessions: int, size: int = MESSAGE_SIZE) -> dict:
    """Our own client (for latencies): `sessions` workers, one message per connection."""
    message = message_bytes(size)

    async def run() -> tuple[list[float], int, float]:
        latencies: list[float] = []
        failures = 0
        remaining = count

        async def worker() -> None:
            nonlocal remaining, failures
            while remaining > 0:
                remaining -= 1
                try:
                    latencies.append(await smtp_transaction(port, rcpt.encode(), message))
                except Exception:
                    failures += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(sessions)))
        return latencies, failures, time.perf_counter() - start

    try:
        import uvloop

        latencies, failures, elapsed = uvloop.run(run())
    except ImportError:
        latencies, failures, elapsed = asyncio.run(run())
    return {
        "client": "python",
        "sessions": sessions,
        "messages": len(latencies),
        "failures": failures,
        "per_second": len(latencies) / elapsed,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
    }


def smtp_source_load(port: int, rcpt: str, count: int, sessions: int, size: int = MESSAGE_SIZE) -> dict | None:
    tool = postfix_tool("smtp-source")
    if tool is None:
        return None
    argv, env = tool
    start = time.perf_counter()
    result = subprocess.run(
        [*argv, "-s", str(sessions), "-m", str(count), "-l", str(size), "-f", "bench@example.com",
         "-t", rcpt, f"127.0.0.1:{port}"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=600,
    )
    elapsed = time.perf_counter() - start
    return {
        "client": "smtp-source",
        "sessions": sessions,
        "messages": count if result.returncode == 0 else 0,
        "failures": 0 if result.returncode == 0 else count,
        "per_second": count / elapsed if result.returncode == 0 else 0.0,
        "error": result.stderr.strip()[-300:] if result.returncode else "",
    }


def ingest_runs(port: int, rcpt: str, single: int, multi: int) -> dict:
    runs = {}
    for sessions, count in ((1, single), (10, multi)):
        runs[f"python_{sessions}"] = python_load(port, rcpt, count, sessions)
        source = smtp_source_load(port, rcpt, count, sessions)
        if source:
            runs[f"smtp-source_{sessions}"] = source
    return runs


# --- HTTP ------------------------------------------------------------------------------


class HttpClient:
    """A minimal keep-alive HTTP/1.1 client, so the client costs little next to the server."""

    def __init__(self, port: int, key: str) -> None:
        self.port, self.key = port, key
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {self.key}\r\n\r\n".encode()
        )
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        body = await self.reader.readexactly(length)
        return int(status_line.split()[1]), body

    async def close(self) -> None:
        if self.writer:
            self.writer.close()


def http_bench(port: int, key: str, path: str, sequential: int = 400, concurrency: int = 10, seconds: float = 3.0) -> dict:
    async def run() -> dict:
        client = HttpClient(port, key)
        latencies = []
        for _ in range(sequential):
            start = time.perf_counter()
            status, _ = await client.get(path)
            latencies.append(time.perf_counter() - start)
            assert status == 200, status
        await client.close()

        done = 0
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal done
            c = HttpClient(port, key)
            while time.perf_counter() < stop:
                status, _ = await c.get(path)
                assert status == 200
                done += 1
            await c.close()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return {
            "p50_ms": pct(latencies, 50) * 1000,
            "p99_ms": pct(latencies, 99) * 1000,
            "per_second": done / (time.perf_counter() - start),
            "sequential": sequential,
            "concurrent_requests": done,
        }

    return asyncio.run(run())


def wait_latency(server: Server, key: str, inbox_id: str, address: str, rounds: int = 60) -> dict:
    """SMTP 250 -> the parked /wait request returns."""

    async def run() -> list[float]:
        latencies = []
        client = HttpClient(server.http_port, key)
        _, body = await client.get(f"/api/v1/inbox/{inbox_id}/wait?timeout=0")
        data = json.loads(body)["data"]
        after = f"&after={data['id']}" if data else ""
        message = message_bytes(1024, "wait")
        for _ in range(rounds):
            waiter = asyncio.create_task(client.get(f"/api/v1/inbox/{inbox_id}/wait?timeout=10{after}"))
            await asyncio.sleep(0.02)  # parked
            await smtp_transaction(server.smtp_port, address.encode(), message)
            acknowledged = time.perf_counter()
            _, body = await waiter
            returned = time.perf_counter()
            latencies.append(max(0.0, returned - acknowledged))
            after = f"&after={json.loads(body)['data']['id']}"
        await client.close()
        return latencies

    latencies = asyncio.run(run())
    return {"rounds": rounds, "p50_ms": pct(latencies, 50) * 1000, "p99_ms": pct(latencies, 99) * 1000}


def api_post(server: Server, key: str, path: str, body: dict) -> dict:
    import urllib.request

    request = urllib.request.Request(
        f"http://127.0.0.1:{server.http_port}{path}", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())["data"]


# --- hostile messages in flight ------------------------------------------------------


def hostile_messages() -> dict[str, bytes]:
    """The four messages of issue 11, in SMTP-legal lines."""

    def lines(unit: bytes, total: int) -> bytes:
        blob = unit * (total // len(unit) + 1)
        return b"\r\n".join(blob[i : i + 996] for i in range(0, total, 996)) + b"\r\n"

    def html(subject: str, body: bytes) -> bytes:
        return (f"From: evil@attacker.example\r\nSubject: {subject}\r\nMIME-Version: 1.0\r\n"
                "Content-Type: text/html; charset=utf-8\r\n\r\n").encode() + body

    parts = b"".join(b"--b\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(10_000))
    return {
        "<!-- x 240 KB": html("comments-240k", lines(b"<!--", 240 * 1024)),
        "<!-- x 5 MB": html("comments-5m", lines(b"<!--", 5 * 1024 * 1024)),
        "10 MB HTML": html("html-10m", lines(b"<p>lorem <b>ipsum</b> <a href='https://e.example/'>x</a></p>",
                                             10 * 1024 * 1024 - 65536)),
        "10,000 parts": (b"From: evil@attacker.example\r\nSubject: parts\r\nMIME-Version: 1.0\r\n"
                         b"Content-Type: multipart/mixed; boundary=b\r\n\r\n" + parts + b"--b--\r\n"),
    }


async def _ordinary_flow(port: int, rcpt: bytes, sessions: int, seconds: float) -> int:
    message = message_bytes()
    stop = time.perf_counter() + seconds
    done = 0

    async def worker() -> None:
        nonlocal done
        while time.perf_counter() < stop:
            await smtp_transaction(port, rcpt, message)
            done += 1

    await asyncio.gather(*(worker() for _ in range(sessions)))
    return done


async def _health_pings(port: int, until: asyncio.Event) -> list[float]:
    client = HttpClient(port, "")
    pings = []
    while not until.is_set():
        start = time.perf_counter()
        status, _ = await client.get("/api/v1/health")
        pings.append(time.perf_counter() - start)
        assert status == 200
        await asyncio.sleep(0.01)
    await client.close()
    return pings


def hostile_in_flight(server: Server, rcpt: str, seconds: float = 12.0, sessions: int = 4) -> dict:
    """Ordinary 2 KB deliveries and health pings, first alone, then while the hostile
    messages are delivered again and again (one connection each)."""
    hostile = hostile_messages()

    async def phase(with_hostile: bool) -> dict:
        until = asyncio.Event()
        pinger = asyncio.create_task(_health_pings(server.http_port, until))
        delivered = {name: 0 for name in hostile}

        async def attacker(name: str, raw: bytes) -> None:
            while not until.is_set():
                await smtp_transaction(server.smtp_port, rcpt.encode(), raw)
                delivered[name] += 1

        attackers = [asyncio.create_task(attacker(n, r)) for n, r in hostile.items()] if with_hostile else []
        start = time.perf_counter()
        ordinary = await _ordinary_flow(server.smtp_port, rcpt.encode(), sessions, seconds)
        elapsed = time.perf_counter() - start
        until.set()
        pings = await pinger
        for task in attackers:
            await task  # each finishes the message it is sending
        return {"ordinary_per_second": ordinary / elapsed, "hostile_delivered": delivered,
                "health_pings": len(pings), "health_p50_ms": pct(pings, 50) * 1000,
                "health_p99_ms": pct(pings, 99) * 1000, "health_max_ms": max(pings) * 1000}

    calm = asyncio.run(phase(False))
    attacked = asyncio.run(phase(True))
    return {"calm": calm, "attacked": attacked, "sessions": sessions, "seconds": seconds,
            "ordinary_ratio": attacked["ordinary_per_second"] / calm["ordinary_per_second"]}


def heavy_inbox(server: Server, key: str, rcpt: str) -> None:
    """100 emails of 100 KB of HTML each (text derived from it by the server)."""
    row = b"<tr><td>Item</td><td><a href='https://shop.example/item'>details</a></td><td>12.00</td></tr>\r\n"
    body = row * (100 * 1024 // len(row))
    raw = (b"From: shop@example.com\r\nSubject: newsletter\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/html; charset=utf-8\r\n\r\n<table>\r\n" + body + b"</table>\r\n")

    async def send() -> None:
        for _ in range(100):
            await smtp_transaction(server.smtp_port, rcpt.encode(), raw)

    asyncio.run(send())


# --- seeding through the storage layer --------------------------------------------------


async def seed_messages(db: Path, account: str, total: int, label: str, per_inbox: int = 100) -> None:
    from dustmail_lite.store import NewEmail, Store

    store = Store(db, max_emails_per_inbox=10_000_000, synchronous="OFF", max_batch=2000)
    async with store:
        acc = await store.get_account(account)
        raw = message_bytes()
        email = NewEmail("seed@example.com", "seeded", raw.decode()[-200:], "", len(raw), raw,
                         {"to": [], "cc": [], "headers": [], "attachments": [], "links": [], "codes": []})
        created = 0
        while created < total:
            inbox = await store.create_inbox(acc.id, f"seed{label}-{created}", "bench.test", 365 * 86400 * 1000)
            n = min(per_inbox, total - created)
            await asyncio.gather(*(store.deliver([inbox], email) for _ in range(n)))
            created += n


async def seed_expired(db: Path, account: str, count: int) -> None:
    from dustmail_lite.store import NewEmail, Store

    store = Store(db, synchronous="OFF", max_batch=2000)
    async with store:
        acc = await store.get_account(account)
        raw = message_bytes(1024)
        email = NewEmail("seed@example.com", "expiring", "x", "", len(raw), raw, {})
        for start in range(0, count, 1000):
            inboxes = [await store.create_inbox(acc.id, f"old{i}", "bench.test", 1) for i in range(start, min(count, start + 1000))]
            await asyncio.gather(*(store.deliver([i], email) for i in inboxes))


# Search corpus: words drawn Zipf-like from a fixed vocabulary, so some words are in most
# mails and most words in few, as in real mail; a few exact markers to find.
VOCABULARY = [f"w{n:04d}" for n in range(5000)]
SENDERS = [f"{name}@{domain}" for name in ("noreply", "billing", "alerts", "news", "support", "team")
           for domain in ("shop.example", "bank.example", "social.example", "ci.example", "mail.example")]
SEARCH_QUERIES = {
    "common word": "w0001",
    "rare word": "w4321",
    "two words": "w0002 w0150",
    "phrase": '"w0003 w0004"',
    "prefix": "w43*",
    "prefix, 2 letters": "w4*",
    "prefix, 4 letters": "w432*",
    "common word as prefix": "w0001*",
    "prefix of 10 common words": "w001*",
    "prefix of 111 words (fallback)": "to:search1*",
    "prefix of 1,001 words (fallback)": "sear*",
    "from:": "from:billing@bank.example",
    "subject: + word": "subject:w0010 w0020",
    "has:attachment": "has:attachment",
    "marker code": "marker777777",
    "date range + word": "after:2020-01-01 before:2100-01-01 w0005",
    "no match": "zzzznothing",
}


async def seed_search_corpus(
    db: Path | str, account: str, total: int, per_inbox: int = 1000, label: str = ""
) -> None:
    """The search corpus in the store at `db` (an SQLite file, or a PostgreSQL URL)."""
    import random

    from dustmail_lite.store import NewEmail, Store

    rng = random.Random(15)
    weights = [1 / (rank + 1) for rank in range(len(VOCABULARY))]
    options = {} if str(db).startswith("postgresql://") else {"synchronous": "OFF"}
    store = Store(db, max_emails_per_inbox=10_000_000, max_batch=2000, **options)
    async with store:
        acc = await store.get_account(account)
        created = 0
        while created < total:
            inbox = await store.create_inbox(acc.id, f"search{label}{created}", "bench.test", 365 * 86400 * 1000)
            batch = []
            for n in range(min(per_inbox, total - created)):
                words = rng.choices(VOCABULARY, weights, k=60)
                subject = " ".join(words[:6])
                text = " ".join(words[6:]) + (" marker777777" if (created + n) % 100_000 == 7 else "")
                attachments = [{"id": "1", "filename": "a.pdf", "content_type": "application/pdf", "size": 10}] \
                    if (created + n) % 50 == 0 else []
                raw = f"Subject: {subject}\r\n\r\n{text}\r\n".encode()
                batch.append(NewEmail(rng.choice(SENDERS), subject, text, "", len(raw), raw,
                                      {"to": [inbox.address], "attachments": attachments, "codes": [], "links": []}))
            await asyncio.gather(*(store.deliver([inbox], email) for email in batch))
            created += len(batch)
            if created % 100_000 == 0:
                print(f"  seeded {created}", flush=True)


def search_bench(total: int, out: Path) -> None:
    """GET /api/v1/emails?q= latency over `total` stored emails of one account."""
    from urllib.parse import quote

    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp))
        key = server.cli("keys", "create", "--owner", "bench", "--plan", "premium")
        started = time.perf_counter()
        asyncio.run(seed_search_corpus(server.db, "bench", total))
        seed_seconds = time.perf_counter() - started
        server.start()
        figures = {}
        for name, q in SEARCH_QUERIES.items():
            point = http_bench(server.http_port, key, f"/api/v1/emails?q={quote(q)}", sequential=100,
                               concurrency=4, seconds=1)
            figures[name] = {"q": q, "p50_ms": point["p50_ms"], "p99_ms": point["p99_ms"]}
            print(f"  {name:<20} p50 {point['p50_ms']:7.2f} ms  p99 {point['p99_ms']:7.2f} ms", flush=True)
        server.stop()
        db_bytes = server.db.stat().st_size
    results = json.loads(out.read_text()) if out.exists() else {}
    results["search"] = {"stored": total, "seed_seconds": seed_seconds, "db_bytes": db_bytes,
                         "queries": figures, "machine": machine()}
    out.write_text(json.dumps(results, indent=2))
    p50s = sorted(f["p50_ms"] for f in figures.values())
    print(f"search over {total}: median of the queries' p50 {p50s[len(p50s) // 2]:.2f} ms, worst p50 {p50s[-1]:.2f} ms")


def many_parts(count: int) -> bytes:
    body = b"".join(b"--x\r\nContent-Type: text/plain\r\n\r\npart %d\r\n" % i for i in range(count))
    return b'Subject: wide\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n' + body + b"--x--\r\n"


def health_ping(port: int) -> float:
    start = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while sock.recv(4096):
            pass
    return time.perf_counter() - start


def costly_parse_stall(server: Server, address: str, messages: int = 3, parts: int = 10_000) -> dict:
    """Ping the API while 10,000-part messages are received and parsed (off the event loop)."""
    import smtplib
    import threading

    raw = many_parts(parts)
    done = threading.Event()
    elapsed: list[float] = []

    def send() -> None:
        try:
            with smtplib.SMTP("127.0.0.1", server.smtp_port, timeout=120) as smtp:
                for _ in range(messages):
                    start = time.perf_counter()
                    smtp.sendmail("bench@example.com", [address], raw)
                    elapsed.append(time.perf_counter() - start)
        finally:
            done.set()

    sender = threading.Thread(target=send)
    sender.start()
    pings = []
    while not done.is_set():
        pings.append(health_ping(server.http_port))
        time.sleep(0.01)
    sender.join()
    return {"messages": len(elapsed), "parts": parts, "bytes": len(raw),
            "p50_transaction_ms": pct(elapsed, 50) * 1000, "pings": len(pings),
            "max_ping_ms": max(pings) * 1000, "p50_ping_ms": pct(pings, 50) * 1000}


def purge_stall(server: Server, count: int) -> dict:
    """Start the server with `count` expired inboxes; ping it while the purge runs."""
    server.start()
    pings = []
    deadline = time.monotonic() + 600
    marker = re.compile(r"purged (\d+) inboxes and (\d+) emails in ([\d.]+)s")
    found = None
    while time.monotonic() < deadline and not found:
        start = time.perf_counter()
        with socket.create_connection(("127.0.0.1", server.http_port)) as sock:
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            while sock.recv(4096):
                pass
        pings.append(time.perf_counter() - start)
        found = marker.search(server.log.read_text())
        time.sleep(0.005)
    assert found, "the purge did not run"
    return {
        "inboxes": int(found.group(1)),
        "emails": int(found.group(2)),
        "seconds": float(found.group(3)),
        "pings": len(pings),
        "max_ping_ms": max(pings) * 1000,
        "p50_ping_ms": pct(pings, 50) * 1000,
    }


# --- the run ----------------------------------------------------------------------------


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "kernel": platform.release(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--full", action="store_true", help="add the 1M-message scale point")
    parser.add_argument("--messages", type=int, default=3000, help="messages per 10-session ingest run")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    parser.add_argument("--quick", action="store_true",
                        help="dustmail-lite only: ingest, API and wait figures (no peers, scale or purge)")
    parser.add_argument("--only", choices=["issue11", "processes"],
                        help="issue11: only the ingest comparison, inbox view and hostile runs; processes: "
                             "[smtp] processes = 1 against 2 and the discard server, interleaved rounds")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --only processes")
    parser.add_argument("--search", type=int, default=0, metavar="N",
                        help="only the search figures, over N stored emails (1000000 for the target)")
    args = parser.parse_args()
    if args.search:
        search_bench(args.search, Path(args.out))
        return
    single, multi = max(200, args.messages // 5), args.messages
    results: dict = {"machine": machine(), "message_size": MESSAGE_SIZE}
    if args.only == "processes":
        processes_comparison(args.rounds, multi, Path(args.out))
        return

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        server = Server(folder)
        key = server.cli("keys", "create", "--owner", "bench", "--plan", "premium")
        server.start()
        inbox = api_post(server, key, "/api/v1/inbox", {"username": "load"})
        print("ingest: dustmail-lite ...", flush=True)
        before = server.count_emails()
        runs = ingest_runs(server.smtp_port, inbox["email"], single, multi)
        accepted = sum(r["messages"] for r in runs.values())
        stored = server.count_emails() - before
        results["ingest"] = {"dustmail-lite": runs}
        results["ingest_check"] = {"accepted": accepted, "stored": stored, "all_stored": stored == accepted}
        if args.quick:
            api_and_wait(server, key, results)
            server.stop()
            Path(args.out).write_text(json.dumps(results, indent=2))
            report_quick(results)
            print(f"\nwritten: {args.out}")
            return

        peers = []
        port = free_port()
        peers.append(("aiosmtpd-uvloop-discard", [sys.executable, str(ROOT / "bench" / "discard_server.py"), str(port)], port, {}))
        sink = postfix_tool("smtp-sink")
        if sink:
            port = free_port()
            as_root = ["-u", "nobody"] if os.geteuid() == 0 else []
            peers.append(("postfix-smtp-sink", [*sink[0], *as_root, f"127.0.0.1:{port}", "256"], port, sink[1]))
        if maildev_bin():
            port = free_port()
            peers.append(("maildev", ["node", str(maildev_bin()), "--smtp", str(port), "--web", str(free_port()),
                                      "--ip", "127.0.0.1", "--silent"], port, {}))
        for name, argv, port, env in peers:
            print(f"ingest: {name} ...", flush=True)
            peer = Peer(name, argv, port, env)
            try:
                results["ingest"][name] = ingest_runs(port, "x@example.com", single, multi)
            finally:
                peer.stop()

        hundred = api_and_wait(server, key, results)

        print("inbox view: 100 emails of 100 KB HTML ...", flush=True)
        heavy = api_post(server, key, "/api/v1/inbox", {"username": "heavy"})
        heavy_inbox(server, key, heavy["email"])
        results["api"]["inbox_100_html_100kb"] = http_bench(server.http_port, key, f"/api/v1/inbox/{heavy['id']}")

        print("hostile messages in flight ...", flush=True)
        target = api_post(server, key, "/api/v1/inbox", {"username": "target"})
        results["hostile"] = hostile_in_flight(server, target["email"])
        results["processes"] = {"count": server.processes(), "rss_mb": server.rss_mb(),
                                "rss_mb_each": server.rss_each()}
        server.stop()
        if args.only:
            Path(args.out).write_text(json.dumps(results, indent=2))
            print(json.dumps({k: results[k] for k in ("ingest", "api", "hostile", "processes")}, indent=1))
            return

        results["scale"] = {}
        seeded = server.count_emails()
        for target in ([10_000, 100_000] + ([1_000_000] if args.full else [])):
            print(f"scale: {target} stored messages ...", flush=True)
            asyncio.run(seed_messages(server.db, "bench", target - seeded, str(target)))
            seeded = target
            server.start()
            point = {
                "stored": server.count_emails(),
                "inbox_100_emails": http_bench(server.http_port, key, f"/api/v1/inbox/{hundred['id']}", seconds=2),
                "list": http_bench(server.http_port, key, "/api/v1/inbox", seconds=2),
            }
            point["rss_mb"] = server.rss_mb()
            point["processes"] = server.processes()
            server.stop()
            point["db_bytes"] = server.db.stat().st_size + sum(
                p.stat().st_size for p in folder.glob("bench.sqlite3-*"))
            point["bytes_per_message"] = point["db_bytes"] / point["stored"]
            results["scale"][str(target)] = point

        print("purge: 100k expired inboxes ...", flush=True)
        purge_folder = folder / "purge"
        purge_folder.mkdir()
        purge_server = Server(purge_folder, purge_interval="2s")
        purge_server.cli("keys", "create", "--owner", "bench", "--plan", "premium")
        asyncio.run(seed_expired(purge_server.db, "bench", 100_000))
        try:
            results["purge"] = purge_stall(purge_server, 100_000)
        finally:
            purge_server.stop()

    Path(args.out).write_text(json.dumps(results, indent=2))
    report(results)
    print(f"\nwritten: {args.out}")


def load_average() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def ingest_round(port: int, rcpt: str, count: int, server: Server | None) -> dict:
    """One round against one server: our client and smtp-source at 10 sessions, our client
    alone for the single-session latency; CPU per message of the server's processes."""
    cpu = server.cpu_seconds() if server else 0.0
    figures = {"load_before": load_average(), "python_10": python_load(port, rcpt, count, 10)}
    source = smtp_source_load(port, rcpt, count, 10)
    if source:
        figures["smtp-source_10"] = source
    figures["python_1"] = python_load(port, rcpt, max(200, count // 10), 1)
    if server:
        messages = sum(figures[k]["messages"] for k in ("python_10", "smtp-source_10", "python_1") if k in figures)
        figures["server_cpu_ms_per_message"] = (server.cpu_seconds() - cpu) / messages * 1000
    figures["load_after"] = load_average()
    return figures


def processes_comparison(rounds: int, count: int, out: Path) -> None:
    """[smtp] processes = 1 and = 2 and the bare discard server, side by side in one run,
    their rounds interleaved (the order rotates each round), so the machine's load weighs on
    all three alike; then the hostile flood against each, and RSS of all processes."""
    results: dict = {"machine": machine(), "message_size": MESSAGE_SIZE, "rounds": []}
    with tempfile.TemporaryDirectory() as tmp:
        targets: dict[str, tuple[int, str, Server | None]] = {}
        servers = {}
        for n in (1, 2):
            folder = Path(tmp) / f"p{n}"
            folder.mkdir()
            server = servers[n] = Server(folder, smtp_processes=n)
            key = server.cli("keys", "create", "--owner", "bench", "--plan", "premium")
            server.start()
            inbox = api_post(server, key, "/api/v1/inbox", {"username": "load"})
            targets[f"processes={n}"] = (server.smtp_port, inbox["email"], server)
        port = free_port()
        peer = Peer("aiosmtpd-uvloop-discard", [sys.executable, str(ROOT / "bench" / "discard_server.py"), str(port)],
                    port)
        targets["discard"] = (port, "x@example.com", None)
        peers = [peer]
        if maildev_bin():
            port = free_port()
            peers.append(Peer("maildev", ["node", str(maildev_bin()), "--smtp", str(port), "--web", str(free_port()),
                                          "--ip", "127.0.0.1", "--silent"], port))
            targets["maildev"] = (port, "x@example.com", None)
        try:
            names = list(targets)
            for r in range(rounds):
                order = names[r % len(names):] + names[:r % len(names)]
                figures = {}
                for name in order:
                    print(f"round {r + 1}: {name} ...", flush=True)
                    figures[name] = ingest_round(*targets[name][:2], count, targets[name][2])
                results["rounds"].append({"order": order, **figures})
        finally:
            for running in peers:
                running.stop()
        for n, server in servers.items():
            name = f"processes={n}"
            accepted = sum(rnd[name][k]["messages"] for rnd in results["rounds"]
                           for k in ("python_10", "smtp-source_10", "python_1") if k in rnd[name])
            results[f"check {name}"] = {"accepted": accepted, "stored": server.count_emails()}
            print(f"hostile messages in flight: processes={n} ...", flush=True)
            target = api_post(server, server.cli("keys", "create", "--owner", "h", "--plan", "premium"),
                              "/api/v1/inbox", {"username": "target"})
            results[f"hostile processes={n}"] = hostile_in_flight(server, target["email"])
            results[f"processes={n}"] = {"count": server.processes(), "rss_mb": server.rss_mb(),
                                         "rss_mb_each": server.rss_each()}
            before = server.count_emails()
            server.stop()
            results[f"processes={n}"]["stored"] = before
    out.write_text(json.dumps(results, indent=2))
    report_processes(results)
    print(f"\nwritten: {out}")


def report_processes(r: dict) -> None:
    print("\nround | server | python 10 msg/s | smtp-source 10 msg/s | 1 session p50 ms | cpu ms/msg | load")
    for i, rnd in enumerate(r["rounds"], 1):
        for name in rnd["order"]:
            f = rnd[name]
            source = f.get("smtp-source_10", {}).get("per_second", 0)
            print(f"{i} | {name} | {f['python_10']['per_second']:.0f} | {source:.0f} | "
                  f"{f['python_1']['p50_ms']:.2f} | {f.get('server_cpu_ms_per_message', 0):.2f} | "
                  f"{f['load_before']:.1f}-{f['load_after']:.1f}")
    for n in (1, 2):
        print(f"processes={n}: accepted/stored {r[f'check processes={n}']}")
        h = r[f"hostile processes={n}"]
        print(f"processes={n}: hostile health p99 {h['attacked']['health_p99_ms']:.1f} ms (calm "
              f"{h['calm']['health_p99_ms']:.1f}), ordinary {h['ordinary_ratio'] * 100:.0f} % of calm; "
              f"RSS {r[f'processes={n}']['rss_mb']:.0f} MB in {r[f'processes={n}']['count']} processes")


def api_and_wait(server: Server, key: str, results: dict) -> dict:
    """The API and wait figures into `results`; returns the inbox of 100 emails."""
    print("api and wait ...", flush=True)
    hundred = api_post(server, key, "/api/v1/inbox", {"username": "hundred"})
    python_load(server.smtp_port, hundred["email"], 100, 5)
    results["api"] = {}
    for name, path in (("inbox_100_emails", f"/api/v1/inbox/{hundred['id']}"), ("list", "/api/v1/inbox")):
        cpu = server.cpu_seconds()
        figures = http_bench(server.http_port, key, path)
        requests = figures["sequential"] + figures["concurrent_requests"]
        figures["server_cpu_ms_per_request"] = (server.cpu_seconds() - cpu) * 1000 / requests
        results["api"][name] = figures
    waiting = api_post(server, key, "/api/v1/inbox", {"username": "waiting"})
    results["wait"] = wait_latency(server, key, waiting["id"], waiting["email"])
    print("api while parsing 10,000-part messages ...", flush=True)
    wide = api_post(server, key, "/api/v1/inbox", {"username": "wide"})
    results["costly_parse"] = costly_parse_stall(server, wide["email"])
    return hundred


def report_quick(r: dict) -> None:
    print(f"\nMachine: {r['machine']['cpu']} ({r['machine']['cores']} cores), Python {r['machine']['python']}")
    print(f"SMTP ingest into dustmail-lite, {r['message_size']}-byte messages, one per connection")
    for run in r["ingest"]["dustmail-lite"].values():
        print(f"  {run['client']:<12} {run['sessions']:>2} sessions {run['per_second']:>7.0f} msg/s  "
              f"p50 {run.get('p50_ms', float('nan')):.2f} ms  p99 {run.get('p99_ms', float('nan')):.2f} ms")
    check = r["ingest_check"]
    print(f"stored/accepted: {check['stored']}/{check['accepted']}")
    print("API (p50/p99 sequential, req/s with 10 clients)")
    for name, v in r["api"].items():
        print(f"  {name:<18} p50 {v['p50_ms']:.2f} ms  p99 {v['p99_ms']:.2f} ms  {v['per_second']:.0f} req/s"
              f"  server CPU {v['server_cpu_ms_per_request']:.3f} ms/request")
    print(f"delivery-to-wait: p50 {r['wait']['p50_ms']:.2f} ms  p99 {r['wait']['p99_ms']:.2f} ms")


def report(r: dict) -> None:
    ingest = r["ingest"]
    print(f"\nMachine: {r['machine']['cpu']} ({r['machine']['cores']} cores), Python {r['machine']['python']}")
    print(f"\nSMTP ingest, {r['message_size']}-byte messages, one per connection")
    print(f"{'server':<26} {'client':<12} {'sessions':>8} {'msg/s':>9} {'p50 ms':>8} {'p99 ms':>8}")
    for name, runs in ingest.items():
        for run in runs.values():
            print(f"{name:<26} {run['client']:<12} {run['sessions']:>8} {run['per_second']:>9.0f} "
                  f"{run.get('p50_ms', float('nan')):>8.2f} {run.get('p99_ms', float('nan')):>8.2f}")
    check = r["ingest_check"]
    print(f"stored/accepted: {check['stored']}/{check['accepted']} ({'all stored' if check['all_stored'] else 'MISSING MAIL'})")

    def best(name: str, sessions: int) -> float:
        runs = [v for v in ingest.get(name, {}).values() if v["sessions"] == sessions]
        return max((v["per_second"] for v in runs), default=float("nan"))

    print("\nratios (best client, 10 sessions):")
    ours = best("dustmail-lite", 10)
    for name in ingest:
        if name != "dustmail-lite":
            print(f"  dustmail-lite / {name}: {ours / best(name, 10):.2f}x")
    print("\nAPI (p50/p99 sequential, req/s with 10 clients)")
    for name, v in r["api"].items():
        print(f"  {name:<18} p50 {v['p50_ms']:.2f} ms  p99 {v['p99_ms']:.2f} ms  {v['per_second']:.0f} req/s")
    print(f"delivery-to-wait: p50 {r['wait']['p50_ms']:.2f} ms  p99 {r['wait']['p99_ms']:.2f} ms")
    h = r["hostile"]
    for phase in ("calm", "attacked"):
        v = h[phase]
        print(f"{phase:>9}: ordinary {v['ordinary_per_second']:.0f} msg/s ({h['sessions']} sessions), health p50 "
              f"{v['health_p50_ms']:.1f} ms p99 {v['health_p99_ms']:.1f} ms max {v['health_max_ms']:.1f} ms,"
              f" hostile delivered {v['hostile_delivered']}")
    print(f"processes: {r['processes']['count']}, RSS together {r['processes']['rss_mb']:.0f} MB")
    print("\nscale:")
    for target, v in r["scale"].items():
        print(f"  {int(target):>9,} stored: GET inbox p50 {v['inbox_100_emails']['p50_ms']:.2f} ms, list p50 "
              f"{v['list']['p50_ms']:.2f} ms, RSS {v['rss_mb']:.0f} MB, {v['bytes_per_message']:.0f} bytes/message")
    c = r.get("costly_parse")
    if c:
        print(f"costly parse: {c['messages']} messages of {c['parts']:,} parts ({c['bytes'] / 1e6:.1f} MB), "
              f"{c['p50_transaction_ms']:.0f} ms each; longest health ping meanwhile {c['max_ping_ms']:.1f} ms "
              f"(p50 {c['p50_ping_ms']:.1f} ms)")
    p = r["purge"]
    print(f"purge: {p['inboxes']:,} inboxes + {p['emails']:,} emails in {p['seconds']:.2f}s; "
          f"longest health ping during it {p['max_ping_ms']:.1f} ms (p50 {p['p50_ping_ms']:.1f} ms)")

    single = [v for v in ingest["dustmail-lite"].values() if v["sessions"] == 1 and v["client"] == "python"][0]
    targets = [
        ("ingest 10 sessions >= 1.2x bare aiosmtpd", ours / best("aiosmtpd-uvloop-discard", 10), 1.2, ">="),
        ("ingest 10 sessions >= 6x maildev", ours / best("maildev", 10), 6, ">="),
        ("single session < 3 ms per transaction (p50)", single["p50_ms"], 3, "<"),
        ("hostile in flight: health p99 < 50 ms", h["attacked"]["health_p99_ms"], 50, "<"),
        ("hostile in flight: ordinary mail >= 70% of its calm rate", h["ordinary_ratio"], 0.7, ">="),
        ("GET inbox, 100 x 100 KB HTML: p50 < 10 ms", r["api"]["inbox_100_html_100kb"]["p50_ms"], 10, "<"),
        ("GET inbox p50 < 5 ms at 10k", r["scale"]["10000"]["inbox_100_emails"]["p50_ms"], 5, "<"),
        ("delivery-to-wait p50 < 5 ms", r["wait"]["p50_ms"], 5, "<"),
        ("purge: no stall > 50 ms", p["max_ping_ms"], 50, "<"),
    ]
    if c:
        targets.append(("API answers < 500 ms while parsing 10k-part messages", c["max_ping_ms"], 500, "<"))
    if "1000000" in r["scale"]:
        targets += [
            ("GET inbox p50 < 5 ms at 1M", r["scale"]["1000000"]["inbox_100_emails"]["p50_ms"], 5, "<"),
            ("RSS of all processes < 250 MB after 1M", r["scale"]["1000000"]["rss_mb"], 250, "<"),
        ]
    print("\ntargets:")
    for label, value, bound, op in targets:
        ok = value >= bound if op == ">=" else value < bound
        print(f"  [{'met' if ok else 'NOT MET'}] {label}: {value:.2f}")


if __name__ == "__main__":
    main()
