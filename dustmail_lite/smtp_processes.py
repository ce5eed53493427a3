"""`[smtp] processes`: SMTP in more than one process, one writer.

serve listens on the SMTP port itself and starts `processes - 1` children
(smtp_child) that listen on the same port with SO_REUSEPORT. Each child runs the
protocol and the parsing; serve keeps every decision that needs the store or the
state shared by all clients, answering each child over its own socket pair:

- `open`: admit a connection (max_connections, max_connections_per_ip and the
  per-client rates count every process's sessions, exactly as with one process);
- `rcpt`: the recipient checks, quotas, probing and catch-all of `IngestHandler`;
- `data`: the delivery, committed through serve's group commit before the answer,
  so waiters, event streams and webhooks are woken exactly as for serve's own
  sessions; refusals and metrics are recorded here too;
- `close`: the session ended.

A child that dies is started again (its sessions are released; a message whose
commit was under way stays stored, the client got no 250 and retries: a duplicate,
never a loss). SIGTERM to serve drains the children first (they stop accepting and
finish their transactions while serve still answers them), then serve itself.
Children die with serve (PR_SET_PDEATHSIG, and the channel's end).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import signal
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from aiosmtpd.smtp import SMTP, Envelope, Session

from .config import Config
from .limits import client_key
from .mime import Limits
from .refusals import ObservedIngestHandler
from .smtp import TEMPFAIL, Connections
from .smtp_child import BOOT, CHANNEL_FD
from .smtp_relay import RelayLost, read_frame, write_frame
from .store import NewEmail

log = logging.getLogger(__name__)

STARTUP_TIMEOUT = 60.0
RESTART_DELAY = 1.0
TOO_MANY = "421 4.7.0 Too many connections, try again later"
UNAVAILABLE = "421 4.3.0 Temporary failure, try again later"


def process_count(configured: int) -> int:
    """`processes = 0` means one per CPU core."""
    if configured:
        return configured
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@dataclass(eq=False)
class _Peer:
    """What a session of a child looks like to the handler's checks (the `session` of aiosmtpd)."""

    peer: tuple[str, int]
    ssl: Any = None


@dataclass(eq=False)
class RelayedSession:
    """A child's session as serve counts it (Connections) and sees it (the `server` argument
    of the handler's hooks: `ip`, `rated_client`, `uses_tls`)."""

    ip: str
    client: str
    rated_client: str | None
    session: _Peer
    uses_tls: bool = False
    transaction_deadline: float | None = None  # serve never drains these: their child does
    transaction: int = 0
    envelope: Envelope = field(default_factory=Envelope)

    def envelope_of(self, transaction: int, mail_from: str | None) -> Envelope:
        if transaction != self.transaction:
            self.transaction, self.envelope = transaction, Envelope()
        self.envelope.mail_from = mail_from
        return self.envelope


class SmtpProcesses:
    """The extra SMTP processes of one serve."""

    def __init__(
        self, config: Config, handler: ObservedIngestHandler, connections: Connections, count: int
    ) -> None:
        self.config = config
        self.handler = handler
        self.connections = connections
        self.children = [_Child(self, number) for number in range(1, count)]
        self.stopping = False

    async def start(self, port: int) -> None:
        await asyncio.gather(*(child.start(port) for child in self.children))

    async def stop(self) -> None:
        """Drain every child (bounded by shutdown_grace, then killed)."""
        self.stopping = True
        await asyncio.gather(*(child.stop() for child in self.children))

    def is_stopping(self) -> bool:
        return self.stopping

    def pids(self) -> list[int]:
        return [child.proc.pid for child in self.children if child.proc and child.proc.returncode is None]

    def signal_all(self, signum: int) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signum)

    def accepted(self) -> dict[str, int]:
        return {str(child.number): child.accepted for child in self.children}


class _Child:
    """One child process, its channel, and the sessions it has open."""

    def __init__(self, processes: SmtpProcesses, number: int) -> None:
        self.processes = processes
        self.number = number
        self.proc: asyncio.subprocess.Process | None = None
        self.sessions: dict[int, RelayedSession] = {}
        self.accepted = 0
        self.restarts = 0
        self.ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._answers: set[asyncio.Task[None]] = set()

    async def start(self, port: int) -> None:
        self._task = asyncio.create_task(self._supervise(port), name=f"smtp-process-{self.number}")
        ready = asyncio.create_task(self.ready.wait())
        await asyncio.wait([ready, self._task], timeout=STARTUP_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
        if not self.ready.is_set():
            ready.cancel()
            self._task.cancel()
            raise RuntimeError(f"SMTP process {self.number} did not start")

    async def _supervise(self, port: int) -> None:
        while not self.processes.is_stopping():
            started = time.monotonic()
            try:
                await self._run_once(port)
            except Exception:
                log.exception("SMTP process %d failed", self.number)
            self._release_all()
            if self.processes.is_stopping():
                return
            self.restarts += 1
            log.error(
                "SMTP process %d (pid %s) ended (exit %s); starting it again",
                self.number,
                self.proc.pid if self.proc else "-",
                self.proc.returncode if self.proc else "-",
            )
            if time.monotonic() - started < RESTART_DELAY:
                await asyncio.sleep(RESTART_DELAY)  # dying on start: do not spin

    async def _run_once(self, port: int) -> None:
        ours, theirs = socket.socketpair()
        try:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                BOOT,
                pass_fds=(theirs.fileno(),),
                env=_child_env(theirs.fileno()),
            )
        finally:
            theirs.close()
        reader, writer = await asyncio.open_unix_connection(sock=ours)
        try:
            write_frame(writer, {"op": "setup"}, self._setup(port))
            await self._serve(reader, writer)
        finally:
            writer.close()
            with contextlib.suppress(ProcessLookupError):
                self.proc.kill()  # the channel is gone: a child left without it is of no use
            await self.proc.wait()

    def _setup(self, port: int) -> bytes:
        config = self.processes.config
        level = logging.getLevelName(logging.getLogger().level)
        return pickle.dumps((config.smtp, Limits.from_config(config), config.logging, level, port))

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (frame := await read_frame(reader)) is not None:
            header, blob = frame
            op = header.get("op")
            if op == "ready":
                self.ready.set()
                log.info("SMTP process %d listening (pid %s)", self.number, header.get("pid"))
            elif op in ("open", "close"):
                # In the order they came: a session's `close` never overtakes its `open`.
                self._open_or_close(writer, header)
            else:
                task = asyncio.create_task(self._answer(writer, header, blob))
                self._answers.add(task)
                task.add_done_callback(self._answers.discard)

    def _open_or_close(self, writer: asyncio.StreamWriter, header: dict[str, Any]) -> None:
        if header["op"] == "close":
            self._release(int(header["sid"]))
            return
        try:
            answer = self._open(int(header["sid"]), str(header["ip"]))
        except Exception:
            log.exception("SMTP process %d: a request failed", self.number)
            answer = {"refusal": UNAVAILABLE}
        write_frame(writer, {"id": header.get("id"), **answer})

    async def _answer(self, writer: asyncio.StreamWriter, header: dict[str, Any], blob: bytes) -> None:
        try:
            if header.get("op") == "rcpt":
                answer = await self._rcpt(header)
            elif header.get("op") == "data":
                answer = await self._data(header, blob)
            else:
                raise RelayLost(f"unknown request {header.get('op')!r}")
        except Exception:
            log.exception("SMTP process %d: a request failed", self.number)
            answer = {"reply": TEMPFAIL}
        if not writer.is_closing():
            write_frame(writer, {"id": header.get("id"), **answer})

    def _open(self, sid: int, ip: str) -> dict[str, Any]:
        self.accepted += 1
        guard = self.processes.handler.guard
        client = client_key(ip)
        session = RelayedSession(ip, client, None if guard.is_unlimited(ip) else client, _Peer((ip, 0)))
        self.sessions[sid] = session
        if not self.processes.connections.admit(session, client):
            return {"refusal": TOO_MANY}
        return {"refusal": guard.admit_connection(session.rated_client)}

    async def _rcpt(self, header: dict[str, Any]) -> dict[str, Any]:
        session = self.sessions[int(header["sid"])]
        session.uses_tls = bool(header.get("tls"))
        session.session.ssl = {} if session.uses_tls else None
        envelope = session.envelope_of(int(header["txn"]), header.get("mail_from"))
        reply = await self.processes.handler.handle_RCPT(
            cast(SMTP, session),
            cast(Session, session.session),
            envelope,
            str(header["address"]),
            list(header.get("options") or []),
        )
        return {"reply": reply}

    async def _data(self, header: dict[str, Any], blob: bytes) -> dict[str, Any]:
        started = time.perf_counter()
        handler = self.processes.handler
        session = self.sessions[int(header["sid"])]
        envelope = session.envelope_of(int(header["txn"]), session.envelope.mail_from)
        if header.get("refused"):
            reply = str(header["refused"])
        elif not envelope.__dict__.get("inboxes"):
            reply = "554 5.5.1 No valid recipients"
        else:
            fields = header["email"]
            raw_size, text_size, html_size = (int(n) for n in fields["lengths"])
            if raw_size + text_size + html_size != len(blob):
                raise RelayLost("a message whose parts do not add up")
            email = NewEmail(
                fields["mail_from"],
                fields["subject"],
                blob[raw_size : raw_size + text_size].decode("utf-8"),
                blob[raw_size + text_size :].decode("utf-8"),
                int(fields["size"]),
                blob[:raw_size],
                fields["details"],
            )
            reply = await handler.store_message(envelope, email)
        handler.observe_data(cast(SMTP, session), envelope, reply, started)
        session.transaction = 0  # the transaction is over, whatever the reply
        return {"reply": reply, "ids": envelope.__dict__.get("stored_ids", [])}

    def _release(self, sid: int) -> None:
        session = self.sessions.pop(sid, None)
        if session is not None:
            self.processes.connections.release(session, session.client)

    def _release_all(self) -> None:
        for sid in list(self.sessions):
            self._release(sid)

    async def stop(self) -> None:
        proc = self.proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            grace = self.processes.config.smtp.shutdown_grace + 5
            try:
                await asyncio.wait_for(proc.wait(), grace)
            except TimeoutError:
                log.error("SMTP process %d did not stop within %gs: killed", self.number, grace)
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def _child_env(fd: int) -> dict[str, str]:
    package_root = str(Path(__file__).resolve().parent.parent)
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
        CHANNEL_FD: str(fd),
        "DUSTMAIL_WORKER_PARENT": str(os.getpid()),
    }


def resident_bytes(root: int | None = None) -> tuple[int, int]:
    """(processes, resident bytes) of serve and every process under it: SMTP processes,
    parser workers (Linux /proc; elsewhere serve alone, as far as it can tell)."""
    root = os.getpid() if root is None else root
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in Path("/proc").iterdir() if Path("/proc/self/stat").exists() else []:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            resident = int((entry / "statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
        rss[int(entry.name)] = resident
    found, queue = 0, [root]
    total = 0
    while queue:
        pid = queue.pop()
        found += 1
        total += rss.get(pid, 0)
        queue.extend(children.get(pid, []))
    return found, total
