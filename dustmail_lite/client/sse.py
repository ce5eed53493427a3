"""Server-Sent Events, line by line (the subset of the spec the API sends)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Event:
    event: str
    data: str
    id: str | None


@dataclass
class EventParser:
    _event: str = ""
    _data: list[str] = field(default_factory=list)
    _id: str | None = None

    def feed(self, line: str) -> Event | None:
        """Take one line (without its end); an Event when a blank line completes one."""
        if not line:
            if not self._data and not self._event:
                return None
            done = Event(self._event or "message", "\n".join(self._data), self._id)
            self._event, self._data = "", []
            return done
        if line.startswith(":"):
            return None  # a comment: keep-alive
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id":
            self._id = value
        return None
