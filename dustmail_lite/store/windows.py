"""Request windows kept in the database, so every node counts into the same one."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .postgres import PostgresDatabase

# One statement: a new window, the next hit in a live one, or a fresh window over an
# expired one (the SET expressions all read the row as it was).
_HIT = (
    "INSERT INTO rate_windows AS w (scope, key, started_at, expires_at, used) VALUES (?, ?, ?, ?, 1)"
    " ON CONFLICT (scope, key) DO UPDATE SET"
    " used = CASE WHEN w.expires_at <= excluded.started_at THEN 1 ELSE w.used + 1 END,"
    " started_at = CASE WHEN w.expires_at <= excluded.started_at THEN excluded.started_at"
    " ELSE w.started_at END,"
    " expires_at = CASE WHEN w.expires_at <= excluded.started_at THEN excluded.expires_at"
    " ELSE w.expires_at END"
    " RETURNING used, expires_at"
)


class SharedWindows:
    def __init__(self, engine: PostgresDatabase, scope: str) -> None:
        self.engine = engine
        self.scope = scope

    async def hit(self, key: object, window_seconds: float) -> tuple[int, float]:
        now = self.engine.now()
        # One statement in its own implicit transaction: one round trip.
        row = await self.engine._counter_one(
            _HIT, (self.scope, str(key), now, now + int(window_seconds * 1000))
        )
        assert row is not None
        return int(row["used"]), max(0.0, (row["expires_at"] - now) / 1000)

    async def peek(self, key: object, window_seconds: float) -> int:
        row = await self.engine._one(
            "SELECT used FROM rate_windows WHERE scope = ? AND key = ? AND expires_at > ?",
            (self.scope, str(key), self.engine.now()),
        )
        return int(row["used"]) if row else 0
