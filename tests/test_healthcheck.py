"""`serve` configured by DUSTMAIL_* variables alone (as in the container image), and the
`python -m dustmail_lite.healthcheck` probe the image's HEALTHCHECK runs against it."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
import pytest
from helpers import free_port

from dustmail_lite.healthcheck import health_url


def healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dustmail_lite.healthcheck"],
        env=env, capture_output=True, text=True, timeout=30, check=False,
    )


@pytest.mark.slow
def test_serve_from_env_variables_and_the_healthcheck_follows_them(tmp_path: Path):
    http_port, smtp_port = free_port(), free_port()
    db = tmp_path / "data" / "env.sqlite3"
    db.parent.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "DUSTMAIL_CONFIG"}
    env.update(
        DUSTMAIL_STORAGE_PATH=str(db),
        DUSTMAIL_HTTP_HOST="127.0.0.1",
        DUSTMAIL_HTTP_PORT=str(http_port),
        DUSTMAIL_SMTP_HOST="127.0.0.1",
        DUSTMAIL_SMTP_PORT=str(smtp_port),
        DUSTMAIL_SMTP_HOSTNAME="mx.env.test",
        DUSTMAIL_DOMAINS_PRIMARY="env.test",
    )
    down = healthcheck(env)
    assert down.returncode == 1 and down.stderr.startswith("unhealthy: "), down

    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "dustmail_lite", "serve"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 20
        while (result := healthcheck(env)).returncode != 0:
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, (result, log.read_text())
            time.sleep(0.2)
        assert result.stdout.strip() == f"healthy: http://127.0.0.1:{http_port}/api/v1/health"
        assert "$DUSTMAIL_HTTP_PORT" in log.read_text()  # the first line names what it used
        assert db.exists()
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as smtp:
            code, banner = smtp.ehlo()
            assert code == 250 and banner.startswith(b"mx.env.test")
        key = subprocess.run(
            [sys.executable, "-m", "dustmail_lite", "keys", "create", "--owner", "me"],
            env=env, capture_output=True, text=True, check=True, timeout=30,
        ).stdout.strip()
        created = httpx.post(
            f"http://127.0.0.1:{http_port}/api/v1/inbox", headers={"Authorization": f"Bearer {key}"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["data"]["email"].endswith("@env.test")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0, log.read_text()
    down = healthcheck(env)
    assert down.returncode == 1 and "unhealthy" in down.stderr


def test_health_url_asks_loopback_for_a_wildcard_listener():
    assert health_url("0.0.0.0", 8025) == "http://127.0.0.1:8025/api/v1/health"
    assert health_url("::", 8025) == "http://[::1]:8025/api/v1/health"
    assert health_url("192.0.2.7", 80) == "http://192.0.2.7:80/api/v1/health"


def test_a_server_answering_something_else_is_unhealthy(live):
    from dustmail_lite.healthcheck import check

    assert check(f"{live.base_url}/api/v1/health") is None
    assert check(f"{live.base_url}/api/v1/nope") == "HTTP 404"
    assert check(f"{live.base_url}/api/v1/inbox") == "HTTP 401"
    assert check(f"{live.base_url}/api/v1/openapi.json") is not None  # not the health answer
