"""How a server process's threads share the GIL.

The event loop shares the GIL with the threads that wait on SQLite (aiosqlite) and on the
parser workers' pipes. A thread whose answer has come waits for the loop to let go of the
GIL, by default up to 5 ms (`sys.getswitchinterval()`), and the SMTP sessions waiting on
that answer wait with it. At 1 ms, ingest at 10 sessions was 4-14 % faster on 2 cores
with the same CPU per message (bench/RESULTS.md).
"""

from __future__ import annotations

import sys

SWITCH_INTERVAL = 0.001  # seconds


def share_the_gil_sooner() -> None:
    sys.setswitchinterval(SWITCH_INTERVAL)
