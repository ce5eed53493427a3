"""The group commit: SMTP sessions that finish DATA at about the same time share one
transaction and one fsync, and each hears its ids only after that commit.

The queue knows nothing of SQL: it is given the function that writes a batch and a
callback to run after each commit (the app feeds its event hub from it).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from .errors import as_store_error
from .rows import Inbox, NewEmail


@dataclass
class Delivery:
    inboxes: list[Inbox]
    email: NewEmail
    received_at: int
    future: asyncio.Future[list[str]]
    quotas: dict[int, tuple[int, int]] = field(default_factory=dict)  # inbox pk -> (inbox, account) bytes


WriteBatch = Callable[[list[Delivery]], Awaitable[list[list[str]]]]
OnCommitted = Callable[[list[Delivery], list[list[str]]], None]


class DeliveryQueue:
    def __init__(self, write: WriteBatch, on_committed: OnCommitted | None, max_batch: int = 256) -> None:
        self._write = write
        self._on_committed = on_committed
        self.max_batch = max_batch
        self._queue: asyncio.Queue[Delivery] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="store-committer")

    async def stop(self) -> None:
        """Finish what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.join()
        self._task.cancel()
        try:
            await self._task
        except asyncio.CancelledError:
            pass
        self._task = None

    async def submit(self, delivery: Delivery) -> list[str]:
        assert self._task is not None, "store is not open"
        self._queue.put_nowait(delivery)
        return await delivery.future

    async def _run(self) -> None:
        """Every delivery waiting when a transaction starts joins it."""
        queue = self._queue
        while True:
            batch = [await queue.get()]
            while len(batch) < self.max_batch and not queue.empty():
                batch.append(queue.get_nowait())
            try:
                self._settle(batch, await self._commit(batch))
            except Exception as exc:
                for delivery in batch:
                    if not delivery.future.done():
                        delivery.future.set_exception(as_store_error(exc))
            finally:
                for _ in batch:
                    queue.task_done()

    async def _commit(self, batch: list[Delivery]) -> list[list[str] | Exception]:
        try:
            ids = await self._write(batch)
        except Exception:
            if len(batch) == 1:
                raise
            # One bad delivery must not fail its neighbours: retry each alone.
            results: list[list[str] | Exception] = []
            for delivery in batch:
                try:
                    results.append(await self._commit_one(delivery))
                except Exception as exc:
                    results.append(exc)
            return results
        self._committed(batch, ids)
        return list(ids)

    async def _commit_one(self, delivery: Delivery) -> list[str]:
        [ids] = await self._write([delivery])
        self._committed([delivery], [ids])
        return ids

    def _committed(self, batch: list[Delivery], ids: list[list[str]]) -> None:
        if self._on_committed is not None:
            self._on_committed(batch, ids)

    @staticmethod
    def _settle(batch: list[Delivery], results: list[list[str] | Exception]) -> None:
        for delivery, result in zip(batch, results, strict=True):
            if delivery.future.done():
                continue
            if isinstance(result, Exception):
                delivery.future.set_exception(as_store_error(result))
            else:
                delivery.future.set_result(result)
