"""Fixed-window request counters (one window per account or client address).

`WindowCounter` keeps them in this process's memory (`LocalWindows` puts it behind the
async `Windows` calls); a store whose database several nodes share hands out counters kept
there instead (`Store.window_counter`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Windows(Protocol):
    async def hit(self, key: object, window_seconds: float) -> tuple[int, float]:
        """Count one request; returns (requests in this window, seconds until it resets)."""
        ...

    async def peek(self, key: object, window_seconds: float) -> int:
        """Requests counted in the current window, without counting one."""
        ...


@dataclass
class Window:
    started: float
    used: int = 0


class WindowCounter:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._windows: dict[object, Window] = {}
        self._clock = clock

    def hit(self, key: object, window_seconds: float) -> tuple[int, float]:
        """Count one request; returns (requests in this window, seconds until it resets)."""
        now = self._clock()
        current = self._windows.get(key)
        if current is None or now - current.started >= window_seconds:
            if len(self._windows) > 10_000:
                self._sweep(now, window_seconds)
            current = self._windows[key] = Window(now)
        current.used += 1
        return current.used, max(0.0, current.started + window_seconds - now)

    def peek(self, key: object, window_seconds: float) -> int:
        current = self._windows.get(key)
        if current is None or self._clock() - current.started >= window_seconds:
            return 0
        return current.used

    def _sweep(self, now: float, window_seconds: float) -> None:
        for key in [k for k, w in self._windows.items() if now - w.started >= window_seconds]:
            del self._windows[key]


class LocalWindows:
    """`Windows` kept in this process's memory: a WindowCounter behind the async calls."""

    def __init__(self, counter: WindowCounter | None = None) -> None:
        self.counter = counter or WindowCounter()

    async def hit(self, key: object, window_seconds: float) -> tuple[int, float]:
        return self.counter.hit(key, window_seconds)

    async def peek(self, key: object, window_seconds: float) -> int:
        return self.counter.peek(key, window_seconds)
