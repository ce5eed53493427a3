"""How a call's CPU time grows with its input: the tests of hostile input run it at n and at 4n.

No absolute timings (the machine is shared): CPU time of the calling thread, the fastest of five
runs. Neither a test running beside it in another xdist worker nor a thread an earlier test left
in this worker (a server shutting down) is counted, as wall or process time would count them.
Linear work gives ~4x for 4x the input, quadratic ~16x; the tests ask for less than 8x.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def fastest_cpu(fn: Callable[[], object], runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return best


def growth(call: Callable[[T], object], small: T, large: T) -> float:
    """CPU time of `call(large)` over that of `call(small)`, after a warm-up call."""
    call(small)  # warm-up: regex compilation, imports
    # A floor of 2 ms keeps timer noise on tiny inputs from being read as growth.
    return max(fastest_cpu(lambda: call(large)), 0.002) / max(fastest_cpu(lambda: call(small)), 0.002)
