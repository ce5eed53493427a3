"""MIME parsing in supervised worker processes, never on the event loop.

Each worker is a child Python process (`python -c ...`, so nothing of the parent's
loop, threads or sockets is inherited) that reads length-prefixed requests on its
stdin, runs `mime.parse_message` on them and answers on its stdout. One supervisor
thread per worker feeds it jobs and enforces the per-parse time budget: past it the
worker is killed (SIGKILL) and replaced, and the job ends with `parse_error` set to
"timeout"; a worker that dies mid-parse ends its job with "worker_crashed". Either way
the caller gets a `NewEmail` built from a cheap, bounded read of the header block, so
the message is still stored with its raw bytes.

One pool per worker count is shared by every server in the process (tests start many
servers), started lazily on the first parse; the workers exit when their stdin closes,
so a parent killed with SIGKILL leaves none behind.
"""

from __future__ import annotations

import asyncio
import atexit
import collections
import concurrent.futures
import email.parser
import email.utils
import logging
import os
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from email import policy
from pathlib import Path
from typing import IO, Any, ClassVar

import orjson

from .attachments import locate_attachments
from .mime import Limits, clean, decode_header_value, header_block_size, parse_message
from .store import NewEmail

log = logging.getLogger(__name__)

# Messages up to this size go to the fast lane: with two or more workers, the last one
# never takes larger messages, so ordinary mail keeps flowing past a flood of huge or
# hostile ones; and the workers that do take them run at a lower CPU priority (nice), so
# the event loop and the small parses win the cores when the machine is busy.
SMALL_MESSAGE = 64 * 1024
LARGE_WORKER_NICE = 10
# A worker whose resident memory grew past this after a parse retires and is replaced.
WORKER_RSS_LIMIT = 96 * 1024 * 1024
RSS_CHECK_FROM = 32 * 1024  # bytes of message: a bigger one costs far more to parse than the read
RSS_CHECK_EVERY = 32

_REQUEST = struct.Struct("!IQ")  # metadata length, raw length
_RESPONSE = struct.Struct("!QQQ")  # metadata length, text length, html length
_WORKER_BOOT = "from dustmail_lite.parsing import worker_main; worker_main()"
_READY = b"R"  # a new worker's first byte: imports done, so start-up never counts as parse time
STARTUP_TIMEOUT = 60.0


class ParseUnavailable(Exception):
    """No worker could be started: the caller must not acknowledge the message."""


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


# --- the parent side --------------------------------------------------------------------


@dataclass
class _Job:
    raw: bytes
    envelope_from: str
    limits: Limits
    timeout: float
    future: concurrent.futures.Future[NewEmail]

    @property
    def large(self) -> bool:
        return len(self.raw) > SMALL_MESSAGE


class ParserPool:
    """`await pool.parse(raw, sender, limits, timeout)` -> NewEmail, whatever the message does."""

    _shared: ClassVar[dict[int, ParserPool]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    def __init__(self, workers: int) -> None:
        self.size = max(1, workers)
        # Large messages may occupy all but one worker.
        self.max_large = max(1, self.size - 1)
        self._small: collections.deque[_Job] = collections.deque()
        self._large: collections.deque[_Job] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False
        self.workers: list[_Worker] = []

    @classmethod
    def shared(cls, workers: int) -> ParserPool:
        """The process's pool of `workers` workers (0: one per CPU core)."""
        workers = workers or default_workers()
        with cls._shared_lock:
            pool = cls._shared.get(workers)
            if pool is None or pool._closed:
                pool = cls._shared[workers] = cls(workers)
            return pool

    def _ensure_started(self) -> None:
        if self.workers:
            return
        with self._cond:
            if self.workers:
                return
            self.workers = [_Worker(self, i, takes_large=i < self.max_large) for i in range(self.size)]
            for worker in self.workers:
                worker.thread.start()

    def start(self) -> None:
        """Start the workers now (in the background) instead of on the first parse."""
        self._ensure_started()

    def pids(self, parsing_only: bool = False) -> list[int]:
        """Process ids of the live workers (or of those parsing a message right now)."""
        return [
            w.proc.pid
            for w in self.workers
            if w.proc is not None and w.proc.poll() is None and (w.parsing or not parsing_only)
        ]

    async def parse(self, raw: bytes, envelope_from: str, limits: Limits, timeout: float) -> NewEmail:
        return await asyncio.wrap_future(self.submit(raw, envelope_from, limits, timeout))

    def submit(
        self, raw: bytes, envelope_from: str, limits: Limits, timeout: float
    ) -> concurrent.futures.Future[NewEmail]:
        self._ensure_started()
        job = _Job(raw, envelope_from, limits, timeout, concurrent.futures.Future())
        with self._cond:
            if self._closed:
                raise ParseUnavailable("the parser pool is closed")
            if job.large:
                self._large.append(job)
                self._cond.notify_all()  # only some workers take large jobs: wake them all
            else:
                self._small.append(job)
                self._cond.notify()  # every worker takes small jobs: one wakes
        return job.future

    def _next_job(self, takes_large: bool) -> _Job | None:
        with self._cond:
            while True:
                if self._closed:
                    return None
                if self._small:
                    return self._small.popleft()
                if takes_large and self._large:
                    return self._large.popleft()
                self._cond.wait()

    def close(self) -> None:
        """Stop the workers; queued jobs fail with ParseUnavailable."""
        with self._cond:
            self._closed = True
            pending = list(self._small) + list(self._large)
            self._small.clear()
            self._large.clear()
            self._cond.notify_all()
        for job in pending:
            job.future.set_exception(ParseUnavailable("the parser pool closed"))
        for worker in self.workers:
            worker.stop()


@atexit.register
def _close_shared_pools() -> None:
    for pool in list(ParserPool._shared.values()):
        pool.close()


class _Worker:
    """One child process and the thread that supervises it."""

    def __init__(self, pool: ParserPool, index: int, takes_large: bool) -> None:
        self.pool = pool
        self.takes_large = takes_large
        self.nice = LARGE_WORKER_NICE if takes_large and pool.size > 1 else 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.parsing = False  # a request is in the worker and its answer not yet read
        self.thread = threading.Thread(target=self._run, name=f"parse-worker-{index}", daemon=True)

    def _run(self) -> None:
        self._replace()
        while True:
            job = self.pool._next_job(self.takes_large)
            if job is None:
                return
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(self._handle(job))
            except BaseException as exc:  # the caller answers 451; this thread lives on
                job.future.set_exception(exc)
            if self.proc is None and not self.pool._closed:
                self._replace()

    def _replace(self) -> None:
        """A new worker right away, so the next message does not wait for its start-up."""
        try:
            self.proc = self._spawn()
        except ParseUnavailable as exc:
            log.error("%s", exc)

    def _spawn(self) -> subprocess.Popen[bytes]:
        package_root = str(Path(__file__).resolve().parent.parent)
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            "DUSTMAIL_WORKER_NICE": str(self.nice),
            "DUSTMAIL_WORKER_PARENT": str(os.getpid()),
        }
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", _WORKER_BOOT],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=env,
                bufsize=0,
            )
        except OSError as exc:
            raise ParseUnavailable(f"cannot start a parser worker: {exc}") from exc
        assert proc.stdout is not None
        try:
            if _read_exact(proc.stdout.fileno(), 1, time.monotonic() + STARTUP_TIMEOUT) == _READY:
                return proc
        except (TimeoutError, EOFError):
            pass
        proc.kill()
        proc.wait()
        raise ParseUnavailable(f"a parser worker did not start (exit code {proc.returncode})")

    def _handle(self, job: _Job) -> NewEmail:
        for attempt in range(2):
            if self.proc is None or self.proc.poll() is not None:
                self.proc = self._spawn()
            try:
                _send_request(self.proc, job)
            except (BrokenPipeError, ConnectionResetError):
                self._reap()  # died between jobs: a fresh worker takes the job
                if attempt:
                    raise ParseUnavailable("parser workers die on start") from None
                continue
            self.parsing = True
            try:
                return self._await_answer(job)
            finally:
                self.parsing = False
        raise AssertionError("unreachable")

    def _await_answer(self, job: _Job) -> NewEmail:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            # An answer is never much larger than its message (charset decoding at most
            # triples it); a worker that announces more is treated as crashed.
            limit = 4 * len(job.raw) + (1 << 20)
            answer = _read_response(self.proc.stdout, time.monotonic() + job.timeout, limit)
        except TimeoutError:
            log.warning("parse of a %d-byte message ran past %gs: worker killed", len(job.raw), job.timeout)
            self._kill()
            return fallback_email(job.raw, job.envelope_from, job.limits, "timeout")
        except ValueError:  # an answer that does not decode: the worker is not to be trusted
            log.error("parser worker sent a malformed answer: worker killed")
            self._kill()
            return fallback_email(job.raw, job.envelope_from, job.limits, "worker_crashed")
        except EOFError:
            code = self._reap()
            log.error("parser worker died (exit %s) on a %d-byte message", code, len(job.raw))
            return fallback_email(job.raw, job.envelope_from, job.limits, "worker_crashed")
        meta, text, html = answer
        if meta.get("retire"):
            self._reap(wait=5)
        if "fields" not in meta:
            return fallback_email(job.raw, job.envelope_from, job.limits, meta.get("error", "parse_failed"))
        fields = meta["fields"]
        return NewEmail(
            fields["mail_from"], fields["subject"], text, html, len(job.raw), job.raw, fields["details"]
        )

    def _kill(self) -> None:
        if self.proc is not None:
            try:
                self.proc.kill()
            except OSError:
                pass
        self._reap()

    def _reap(self, wait: float = 10) -> int | None:
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        try:
            return proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()

    def stop(self) -> None:
        self._kill()


def _send_request(proc: subprocess.Popen[bytes], job: _Job) -> None:
    assert proc.stdin is not None
    meta = orjson.dumps(
        {
            "from": job.envelope_from,
            "limits": [job.limits.max_parts, job.limits.max_depth, job.limits.max_header_size],
        }
    )
    _write_all(proc.stdin.fileno(), b"".join((_REQUEST.pack(len(meta), len(job.raw)), meta, job.raw)))


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_response(stream: IO[bytes], deadline: float, limit: int) -> tuple[dict[str, Any], str, str]:
    fd = stream.fileno()
    head = _read_exact(fd, _RESPONSE.size, deadline)
    meta_len, text_len, html_len = _RESPONSE.unpack(head)
    if meta_len + text_len + html_len > limit:
        raise EOFError("answer too large")
    body = _read_exact(fd, meta_len + text_len + html_len, deadline)
    meta = orjson.loads(body[:meta_len])
    text = body[meta_len : meta_len + text_len].decode("utf-8")
    html = body[meta_len + text_len :].decode("utf-8")
    return meta, text, html


def _read_exact(fd: int, size: int, deadline: float) -> bytes:
    buffer = bytearray()
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
    while len(buffer) < size:
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not poller.poll(remaining * 1000):
            raise TimeoutError()
        chunk = os.read(fd, min(size - len(buffer), 1 << 20))
        if not chunk:
            raise EOFError()
        buffer += chunk
    return bytes(buffer)


# --- when the parse cannot finish: a cheap, bounded read of the header block ------------


def fallback_email(raw: bytes, envelope_from: str, limits: Limits, error: str) -> NewEmail:
    """The message as stored when its parse timed out, crashed or raised: raw bytes, the
    headers (the block is at most `max_header_size`, checked before parsing), no body fields."""
    details: dict[str, Any] = {
        "to": [],
        "cc": [],
        "headers": [],
        "attachments": [],
        "links": [],
        "codes": [],
        "parse_error": error,
    }
    subject, mail_from = "", clean(envelope_from)
    try:
        head = raw[: min(header_block_size(raw), limits.max_header_size)]
        message = email.parser.BytesHeaderParser(policy=policy.compat32).parsebytes(head)
        details["headers"] = [
            {"name": clean(name), "value": decode_header_value(value)}
            for name, value in message.items()[:500]
        ]
        subject = decode_header_value(message.get("Subject"))
        sender = email.utils.parseaddr(clean(message.get("From") or ""))[1]
        mail_from = clean(sender) or mail_from
        for field in ("to", "cc"):
            pairs = email.utils.getaddresses([clean(v) for v in message.get_all(field) or []])
            details[field] = [clean(address) for _, address in pairs if address]
    except Exception:
        pass  # raw bytes and the envelope sender are enough to store it
    return NewEmail(mail_from, subject, "", "", len(raw), raw, details)


# --- the worker side --------------------------------------------------------------------


def worker_main() -> None:
    """The child's loop: one request in, one answer out, until stdin closes."""
    # Ctrl-C in a terminal, or a service manager's SIGTERM to the whole group, is for the
    # parent: it drains (waiting for parses under way), and the workers end with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    die_with_parent()
    os.nice(int(os.environ.get("DUSTMAIL_WORKER_NICE") or 0))
    stdin, stdout = sys.stdin.buffer.fileno(), sys.stdout.buffer.fileno()
    _write_all(stdout, _READY)
    parses = 0
    while True:
        head = _read_or_eof(stdin, _REQUEST.size)
        if head is None:
            return
        meta_len, raw_len = _REQUEST.unpack(head)
        meta = orjson.loads(_read_or_eof(stdin, meta_len) or b"{}")
        raw = _read_or_eof(stdin, raw_len) if raw_len else b""
        if raw is None:
            return
        answer, text_bytes, html_bytes = _parse_for_parent(raw, meta)
        # A small message cannot grow the worker much: its memory is read after each big one
        # and every RSS_CHECK_EVERY parses (reading it costs a tenth of a small parse).
        parses += 1
        look = raw_len > RSS_CHECK_FROM or not parses % RSS_CHECK_EVERY
        if look and _resident_bytes() > WORKER_RSS_LIMIT:
            answer["retire"] = True
        body = orjson.dumps(answer)
        head = _RESPONSE.pack(len(body), len(text_bytes), len(html_bytes))
        _write_all(stdout, b"".join((head, body, text_bytes, html_bytes)))  # one wake-up of the reader
        if answer.get("retire"):
            return


def die_with_parent() -> None:
    """Linux: SIGKILL this child (a parser worker, an SMTP process) when the thread that
    started it dies, even mid-parse (elsewhere a worker still exits at its next read, when
    its stdin closes, and an SMTP process when its channel to serve closes)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        # The parent died before prctl took effect. Not "ppid == 1": in a container the
        # server itself is PID 1.
        if str(os.getppid()) != os.environ.get("DUSTMAIL_WORKER_PARENT", str(os.getppid())):
            os._exit(0)
    except (OSError, AttributeError):
        pass


def _parse_for_parent(raw: bytes, meta: dict[str, Any]) -> tuple[dict[str, Any], bytes, bytes]:
    limits = Limits(*meta["limits"])
    try:
        parsed = parse_message(raw, meta["from"], limits)
        details = dict(parsed.details)
        details.setdefault("parse_error", None)
        if details["attachments"]:
            wanted = {a["id"] for a in details["attachments"]}
            details["locations"] = {k: v for k, v in _locations(raw, limits).items() if k in wanted}
        fields = {"mail_from": parsed.mail_from, "subject": parsed.subject, "details": details}
        orjson.dumps(fields)  # anything unencodable fails here, as a parse failure
        return {"fields": fields}, parsed.text.encode("utf-8"), parsed.html.encode("utf-8")
    except Exception:
        return {"error": "parse_failed"}, b"", b""


def _locations(raw: bytes, limits: Limits) -> dict[str, list[int | str]]:
    try:
        return locate_attachments(raw, limits)
    except Exception:
        return {}  # downloads parse the message again


def _read_or_eof(fd: int, size: int) -> bytes | None:
    buffer = bytearray()
    while len(buffer) < size:
        chunk = os.read(fd, min(size - len(buffer), 1 << 20))
        if not chunk:
            return None
        buffer += chunk
    return bytes(buffer)


def _resident_bytes() -> int:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0
