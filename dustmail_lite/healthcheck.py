"""`python -m dustmail_lite.healthcheck`: exit 0 if the local server answers /api/v1/health.

For container health checks (the image has no curl). It reads the same configuration as
`serve` ($DUSTMAIL_CONFIG and the DUSTMAIL_* variables), so it asks the port `serve` uses.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

from .config import ConfigError, load

TIMEOUT_SECONDS = 3.0
# A server listening on every address is asked on loopback.
_WILDCARDS = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}


def health_url(host: str, port: int) -> str:
    host = _WILDCARDS.get(host, host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/api/v1/health"


def check(url: str, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """What is wrong with the server at `url`, or None when it is healthy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
    try:
        with opener.open(url, timeout=timeout) as response:
            body = json.loads(response.read(4096))
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"
    except (OSError, ValueError) as exc:
        return str(exc)
    if not (isinstance(body, dict) and body.get("success") is True):
        return f"unexpected answer {body!r}"
    return None


def main() -> int:
    try:
        config = load()
    except ConfigError as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    url = health_url(config.http.host, config.http.port)
    problem = check(url)
    if problem:
        print(f"unhealthy: {url}: {problem}", file=sys.stderr)
        return 1
    print(f"healthy: {url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
