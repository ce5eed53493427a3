"""The channel between `serve` and each of its extra SMTP processes (smtp_processes).

One Unix socket pair per child process, carrying length-prefixed frames: a JSON header
and an optional blob (a message's raw bytes). The child asks (`call`), serve answers with
the same `id`; a few notices need no answer (`send`).
"""

from __future__ import annotations

import asyncio
import itertools
import struct
from typing import Any

import orjson

_HEAD = struct.Struct("!II")  # header length, blob length
# A header carries a parsed message's text and HTML (at most a few times the message).
MAX_HEADER = 1 << 30
MAX_BLOB = 1 << 30


class RelayLost(Exception):
    """The other side of the channel is gone (or answered nonsense)."""


async def read_frame(reader: asyncio.StreamReader) -> tuple[dict[str, Any], bytes] | None:
    """The next frame, or None at the end of the stream."""
    try:
        head = await reader.readexactly(_HEAD.size)
        header_size, blob_size = _HEAD.unpack(head)
        if header_size > MAX_HEADER or blob_size > MAX_BLOB:
            raise RelayLost(f"frame too large ({header_size} + {blob_size} bytes)")
        header = orjson.loads(await reader.readexactly(header_size))
        blob = await reader.readexactly(blob_size) if blob_size else b""
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    if not isinstance(header, dict):
        raise RelayLost("a frame header that is not an object")
    return header, blob


def write_frame(writer: asyncio.StreamWriter, header: dict[str, Any], blob: bytes = b"") -> None:
    data = orjson.dumps(header)
    writer.write(_HEAD.pack(len(data), len(blob)) + data)
    if blob:
        writer.write(blob)


class RelayClient:
    """The child's side: calls to serve, answered in any order."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.ids = itertools.count(1)
        self.lost = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._read_answers(), name="smtp-relay")

    async def call(self, op: str, blob: bytes = b"", **fields: Any) -> dict[str, Any]:
        """Ask serve; RelayLost if it is gone before it answers."""
        if self.lost.is_set():
            raise RelayLost("serve is gone")
        request_id = next(self.ids)
        answer: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = answer
        try:
            write_frame(self.writer, {"id": request_id, "op": op, **fields}, blob)
            await self.writer.drain()
            return await answer
        except ConnectionError as exc:
            raise RelayLost(str(exc)) from exc
        finally:
            self.pending.pop(request_id, None)

    def send(self, op: str, **fields: Any) -> None:
        """A notice that needs no answer (lost silently if serve is gone)."""
        if not self.lost.is_set() and not self.writer.is_closing():
            write_frame(self.writer, {"op": op, **fields})

    async def _read_answers(self) -> None:
        try:
            while (frame := await read_frame(self.reader)) is not None:
                header, _ = frame
                answer = self.pending.get(header.get("id", 0))
                if answer is not None and not answer.done():
                    answer.set_result(header)
        except RelayLost:
            pass
        finally:
            self.lost.set()
            for answer in self.pending.values():
                if not answer.done():
                    answer.set_exception(RelayLost("serve is gone"))

    def close(self) -> None:
        self.writer.close()
