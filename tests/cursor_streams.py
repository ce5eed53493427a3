"""Reading Server-Sent Events streams in a thread, for the tests of event ids."""

from __future__ import annotations

import threading

import httpx2 as httpx


def read_stream(live, path, key, count, ready, headers=None):
    """(id, event, data) of the first `count` events of a stream."""
    import json

    events = []
    with httpx.Client(base_url=live.base_url, timeout=15) as client:
        with client.stream("GET", path, headers={**live.auth(key), **(headers or {})}) as response:
            assert response.status_code == 200, response.read()
            ready.set()
            current = {}
            for line in response.iter_lines():
                if ":" in line and not line.startswith(":"):
                    name, value = line.split(":", 1)
                    current[name] = value.strip()
                elif line == "" and "event" in current:
                    events.append((int(current["id"]), current["event"], json.loads(current["data"])))
                    current = {}
                    if len(events) == count:
                        return events
                elif line == "":
                    current = {}
    return events


def stream_in_thread(live, path, key, count, headers=None):
    ready, result = threading.Event(), {}
    thread = threading.Thread(
        target=lambda: result.update(events=read_stream(live, path, key, count, ready, headers)), daemon=True
    )
    thread.start()
    assert ready.wait(10)
    return thread, result
