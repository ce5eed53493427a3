"""The container image, built with podman and runc and run as an operator would.

The podman tests carry the `container` marker and run only with `--container` (`.ci/run`
runs them in a pytest invocation of their own, in one process: `-n 0 --container -m container
-s`, since they build and run one image tag); the first run on a machine also makes the
debootstrap base image (see tests/containers.py). Figures the tests measure are printed.
"""

from __future__ import annotations

import os
import re
import smtplib
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import httpx2 as httpx
import pytest
import yaml
from helpers import REQUIRE_ALL, free_port, require_tool
from containers import Podman, build_image, ensure_base_image

from dustmail_lite import __version__
from dustmail_lite.config import ENV_OVERRIDES

ROOT = Path(__file__).parent.parent
IMAGE_TAG = "localhost/dustmail-lite:test"
MAX_IMAGE_BYTES = 200 * 1000 * 1000  # "under 200 MB", as `podman images` counts
STOP_TIMEOUT = 30  # seconds from SIGTERM to SIGKILL: `--stop-timeout 30` as in the README


def test_dockerfile_is_the_containerfile():
    """Tools that look only for `Dockerfile` build the same image."""
    assert (ROOT / "Dockerfile").read_bytes() == (ROOT / "Containerfile").read_bytes()


def test_compose_file_matches_the_image():
    """compose.yaml publishes 25 -> SMTP and 8025 -> HTTP on the ports the image listens on,
    keeps /data on a named volume and sets only variables the server reads."""
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    service = compose["services"]["dustmail"]
    containerfile = (ROOT / "Containerfile").read_text()
    exposed = re.search(r"^EXPOSE (.+)$", containerfile, re.MULTILINE)
    assert exposed and exposed.group(1).split() == ["1025", "8025"]
    assert service["ports"] == ["25:1025", "8025:8025"]
    assert 'VOLUME ["/data"]' in containerfile
    assert service["volumes"] == ["dustmail-data:/data"] and "dustmail-data" in compose["volumes"]
    assert set(service["environment"]) <= set(ENV_OVERRIDES) | {"DUSTMAIL_CONFIG"}
    assert service["build"] == "." and service["image"] == "dustmail-lite"


# --- the image, built and run with podman ----------------------------------------------


@pytest.fixture(scope="module")
def podman(tmp_path_factory: pytest.TempPathFactory) -> Podman:
    require_tool("podman", "apt-get install podman runc")
    require_tool("runc", "apt-get install runc")
    require_tool("debootstrap", "apt-get install debootstrap")
    if os.geteuid() != 0:
        reason = "the container tests make a debootstrap base and run rootful podman: run them as root"
        if REQUIRE_ALL:
            pytest.fail(reason)
        pytest.skip(reason)
    return Podman(tmp_path_factory.mktemp("podman"))


@pytest.fixture(scope="module")
def image(podman: Podman, tmp_path_factory: pytest.TempPathFactory) -> str:
    workdir = tmp_path_factory.mktemp("build")
    started = time.monotonic()
    base = ensure_base_image(podman, workdir)
    base_seconds = time.monotonic() - started
    started = time.monotonic()
    build_image(podman, ROOT, base, IMAGE_TAG, __version__, workdir)
    print(
        f"\nbase {base}: {podman.inspect_image(base)['Size'] / 1e6:.1f} MB (ready in {base_seconds:.0f} s); "
        f"image {IMAGE_TAG}: {podman.inspect_image(IMAGE_TAG)['Size'] / 1e6:.1f} MB "
        f"(built in {time.monotonic() - started:.0f} s)"
    )
    return IMAGE_TAG


@pytest.mark.container
def test_image_metadata(podman: Podman, image: str):
    info = podman.inspect_image(image)
    config = info["Config"]
    user = config["User"]
    assert user and user.split(":")[0] not in ("", "0", "root"), user
    health = info.get("Healthcheck")  # podman shows it at the top level
    assert health and health["Test"][0] == "CMD" and "dustmail_lite.healthcheck" in health["Test"], health
    assert config["Entrypoint"] == ["/opt/dustmail-lite/bin/dustmail-lite"]  # exec form: no shell
    assert config["Cmd"] == ["serve"]
    assert "/data" in config["Volumes"]
    assert {"1025/tcp", "8025/tcp"} <= set(config["ExposedPorts"])
    assert config["Labels"]["org.opencontainers.image.title"] == "dustmail-lite"
    assert config["Labels"]["org.opencontainers.image.version"] == __version__
    assert config["Labels"]["org.opencontainers.image.licenses"] == "MIT"
    assert config["Labels"]["org.opencontainers.image.base.name"].startswith("localhost/dustmail-lite-testbase:")
    assert info["Size"] < MAX_IMAGE_BYTES, f"{info['Size'] / 1e6:.1f} MB"
    # The user named in the image exists in it, with no login shell.
    passwd = podman.run("run", "--rm", "--entrypoint", "/usr/bin/getent", image, "passwd", "10025").stdout
    assert passwd.startswith("dustmail:x:10025:10025:") and passwd.strip().endswith(":/usr/sbin/nologin")


@dataclass
class Running:
    name: str
    http: str
    smtp_port: int


class Deployment:
    """Containers of the image on one named volume, with a config file mounted."""

    def __init__(self, podman: Podman, image: str, folder: Path) -> None:
        self.podman, self.image = podman, image
        self.suffix = uuid.uuid4().hex[:10]
        self.volume = f"dustmail-test-{self.suffix}"
        self.names: list[str] = []
        self.config = folder / "config.toml"
        self.config.write_text('[smtp]\nhostname = "mx.container.test"\n')
        self.config.chmod(0o644)
        podman.run("volume", "create", self.volume)

    def start(self) -> Running:
        name = f"dustmail-test-{self.suffix}-{len(self.names)}"
        http_port, smtp_port = free_port(), free_port()
        self.names.append(name)
        self.podman.run(
            "run", "--detach", "--name", name, "--volume", f"{self.volume}:/data",
            "--volume", f"{self.config}:/etc/dustmail-lite/config.toml:ro",
            "--env", "DUSTMAIL_CONFIG=/etc/dustmail-lite/config.toml",
            "--env", "DUSTMAIL_DOMAINS_PRIMARY=box.test",
            "--publish", f"127.0.0.1:{http_port}:8025", "--publish", f"127.0.0.1:{smtp_port}:1025",
            "--stop-timeout", str(STOP_TIMEOUT), self.image,
        )
        running = Running(name, f"http://127.0.0.1:{http_port}", smtp_port)
        self.wait_healthy(running)
        return running

    def wait_healthy(self, running: Running) -> None:
        deadline = time.monotonic() + 60
        while True:
            state = self.podman.run("inspect", "--format", "{{.State.Status}}", running.name).stdout.strip()
            assert state == "running", f"container {state}:\n{self.logs(running)}"
            try:
                if httpx.get(running.http + "/api/v1/health", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"not healthy within 60 s:\n{self.logs(running)}"
            time.sleep(0.3)

    def exec(self, running: Running, *command: str) -> str:
        return self.podman.run("exec", running.name, *command).stdout

    def logs(self, running: Running) -> str:
        result = self.podman.run("logs", running.name, check=False)
        return result.stdout + result.stderr

    def exit_code(self, running: Running) -> int:
        return int(self.podman.run("inspect", "--format", "{{.State.ExitCode}}", running.name).stdout)

    def remove(self) -> None:
        for name in self.names:
            self.podman.run("rm", "--force", "--volumes", "--time", "0", name, check=False)
        self.podman.run("volume", "rm", "--force", self.volume, check=False)


@pytest.fixture
def deployment(podman: Podman, image: str, tmp_path: Path) -> Iterator[Deployment]:
    deployment = Deployment(podman, image, tmp_path)
    yield deployment
    deployment.remove()


def message(to: str, subject: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "app@example.com", to, subject
    m.set_content(f"{subject}: your code is 424242")
    return m


@pytest.mark.container
def test_run_deliver_read_stop_and_restart_on_the_same_volume(deployment: Deployment):
    first = deployment.start()
    # The server is PID 1 (exec form, so it gets SIGTERM itself), running as the image's user.
    status = deployment.exec(first, "cat", "/proc/1/status")
    uids = re.search(r"^Uid:\s+(.+)$", status, re.MULTILINE)
    assert uids and all(uid == "10025" for uid in uids.group(1).split()), status
    cmdline = deployment.exec(first, "cat", "/proc/1/cmdline").split("\0")
    assert cmdline[-2:] == ["serve", ""] and cmdline[1].endswith("/dustmail-lite"), cmdline
    health = deployment.podman.run("healthcheck", "run", first.name, check=False)
    assert health.returncode == 0, health

    key = deployment.exec(first, "dustmail-lite", "keys", "create", "--owner", "me", "--plan", "premium")
    key = key.strip()
    assert re.fullmatch(r"dm_live_\w+", key), key
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=first.http, headers=headers, timeout=30) as api:
        created = api.post("/api/v1/inbox", json={"username": "hello"})
        assert created.status_code == 201, created.text
        inbox = created.json()["data"]
        assert inbox["email"] == "hello@box.test"  # DUSTMAIL_DOMAINS_PRIMARY

        with smtplib.SMTP("127.0.0.1", first.smtp_port, timeout=30) as smtp:
            code, banner = smtp.ehlo()
            assert code == 250 and banner.startswith(b"mx.container.test")  # the mounted file
            smtp.send_message(message(inbox["email"], "Before the restart"))
        waited = api.get(f"/api/v1/inbox/{inbox['id']}/wait", params={"timeout": 10})
        assert waited.status_code == 200, waited.text
        assert waited.json()["data"]["subject"] == "Before the restart"

        # SIGTERM in the middle of a transaction: the server drains it, then exits 0.
        smtp = smtplib.SMTP("127.0.0.1", first.smtp_port, timeout=30)
        smtp.ehlo()
        assert smtp.mail("app@example.com")[0] == 250
        assert smtp.rcpt(inbox["email"])[0] == 250
        smtp.putcmd("data")
        assert smtp.getreply()[0] == 354
        smtp.send(b"From: app@example.com\r\nSubject: During the stop\r\n\r\nfirst half\r\n")
        started = time.monotonic()
        deployment.podman.run("kill", "--signal", "TERM", first.name)
        time.sleep(1)
        smtp.send(b"second half\r\n.\r\n")
        assert smtp.getreply()[0] == 250
        smtp.close()
        deployment.podman.run("wait", first.name, timeout=STOP_TIMEOUT + 10)
        assert deployment.exit_code(first) == 0, deployment.logs(first)
        print(f"\nSIGTERM during an SMTP transaction: drained, exit 0 in {time.monotonic() - started:.1f} s")

    second = deployment.start()
    with httpx.Client(base_url=second.http, headers=headers, timeout=30) as api:
        read = api.get(f"/api/v1/inbox/{inbox['id']}")
        assert read.status_code == 200, read.text
        subjects = sorted(email["subject"] for email in read.json()["data"]["emails"])
        assert subjects == ["Before the restart", "During the stop"]

    # `podman stop` with an event stream open (a dashboard): uvicorn gives open HTTP requests
    # smtp.shutdown_grace (10 s), as long as podman's default stop timeout, so the container
    # is run with --stop-timeout (README, compose.yaml) and must exit 0 within it.
    with socket.create_connection(("127.0.0.1", int(second.http.rsplit(":", 1)[1])), timeout=30) as stream:
        request = f"GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\r\n"
        stream.sendall(request.encode())
        assert stream.recv(4096).startswith(b"HTTP/1.1 200"), "the event stream did not open"
        started = time.monotonic()
        deployment.podman.run("stop", second.name, timeout=STOP_TIMEOUT + 10)
        stopped_in = time.monotonic() - started
    assert deployment.exit_code(second) == 0, deployment.logs(second)
    assert stopped_in < STOP_TIMEOUT
    print(f"podman stop with an event stream open: exit 0 in {stopped_in:.1f} s")


@pytest.mark.container
def test_a_bad_environment_value_stops_the_container_with_a_clear_message(podman: Podman, image: str):
    name = f"dustmail-test-{uuid.uuid4().hex[:10]}"
    try:
        run = podman.run("run", "--name", name, "--env", "DUSTMAIL_HTTP_PORT=eighty", image,
                         check=False, timeout=60)
        assert run.returncode != 0
        assert "$DUSTMAIL_HTTP_PORT: expected an integer, got 'eighty'" in run.stderr + run.stdout
    finally:
        podman.run("rm", "--force", "--volumes", name, check=False)  # and its anonymous /data volume
