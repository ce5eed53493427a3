"""In-process fan-out of "an email was stored" events to waiters and streams.

The store's delivery queue calls `EventHub.publish_stored` after each commit.
A subscriber gets its own bounded queue, so a slow stream reader never holds
up a delivery; when its queue is full, the subscriber is marked `overflowed` and the stream can resynchronise.
A multi-node backend would feed the same hub from its own notifications.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from .store import StoredEmail


class Subscription:
    def __init__(self, hub: EventHub, key: tuple[str, Any], maxsize: int) -> None:
        self._hub = hub
        self.key = key
        self.queue: asyncio.Queue[StoredEmail] = asyncio.Queue(maxsize)
        self.overflowed = False

    def _offer(self, event: StoredEmail) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True

    async def get(self, timeout: float | None = None) -> StoredEmail | None:
        """The next event, or None when `timeout` seconds pass first."""
        try:
            return await asyncio.wait_for(self.queue.get(), timeout)
        except TimeoutError:
            return None

    def drain(self) -> None:
        """Forget what is queued (the caller is about to read it from the store)."""
        while not self.queue.empty():
            self.queue.get_nowait()

    def close(self) -> None:
        self._hub._remove(self)

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class EventHub:
    def __init__(self) -> None:
        self._subscribers: dict[tuple[str, Any], set[Subscription]] = defaultdict(set)

    def subscribe_inbox(self, inbox_id: str, maxsize: int = 256) -> Subscription:
        return self._add(("inbox", inbox_id), maxsize)

    def subscribe_account(self, account_id: int, maxsize: int = 256) -> Subscription:
        return self._add(("account", account_id), maxsize)

    def _add(self, key: tuple[str, Any], maxsize: int) -> Subscription:
        subscription = Subscription(self, key, maxsize)
        self._subscribers[key].add(subscription)
        return subscription

    def _remove(self, subscription: Subscription) -> None:
        subscribers = self._subscribers.get(subscription.key)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.key]

    def publish(self, event: StoredEmail) -> None:
        for key in (("inbox", event.inbox_id), ("account", event.account_id)):
            for subscription in tuple(self._subscribers.get(key, ())):
                subscription._offer(event)

    def publish_stored(self, stored: list[StoredEmail]) -> None:
        """The store's `on_committed` callback."""
        for event in stored:
            self.publish(event)

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())
