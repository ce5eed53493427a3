"""Podman for the container tests: a base image made from Debian packages, and the image build.

Image registries are not reachable from the machines this project is built on, so the
official `python:3.11-slim` base cannot be pulled; the tests make a stand-in with
`debootstrap --variant=minbase bookworm` plus python3 and python3-venv, trimmed the way the
official Debian images are (no apt lists or caches, docs, man pages or translations), and
import it with `podman import`. It is tagged by a hash of that recipe and made only when no
image with the tag exists, so later runs on the same machine reuse it.

Podman needs, on these machines, the runc runtime and a containers.conf (named by
CONTAINERS_CONF) with `default_ulimits = []`: without them containers fail on setrlimit.
The build reaches PyPI the way pip on the host does: host network, the host's CA
certificates and a pip.conf made from `pip config list`, with the local files and folders
that configuration names mounted read-only at the same paths.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

CONTAINERS_CONF = '[containers]\ndefault_ulimits = []\n\n[engine]\nruntime = "runc"\n'

BASE_SUITE = "bookworm"
BASE_PACKAGES = ("python3", "python3-venv")
# What the official Debian images leave out too; paths inside the root file system.
BASE_TRIM = (
    "var/cache/apt/archives", "var/lib/apt/lists", "var/log",
    "usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale",
)
BASE_CONFIG = (
    "ENV=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "ENV=LANG=C.UTF-8",
    'CMD=["python3"]',
)
DEBIAN_MIRROR = os.environ.get("DUSTMAIL_DEBIAN_MIRROR", "http://deb.debian.org/debian")


class PodmanError(AssertionError):
    pass


class Podman:
    """`podman --runtime runc ...` with this machine's containers.conf."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        conf = workdir / "containers.conf"
        conf.write_text(CONTAINERS_CONF)
        self.env = {**os.environ, "CONTAINERS_CONF": str(conf)}

    def run(
        self, *args: str, check: bool = True, timeout: float = 120, input: bytes | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            ["podman", "--runtime", "runc", *args],
            env=self.env, capture_output=True, timeout=timeout, input=input, check=False,
        )
        out = subprocess.CompletedProcess(
            result.args, result.returncode,
            result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace"),
        )
        if check and out.returncode != 0:
            raise PodmanError(f"{' '.join(args[:3])}... exited {out.returncode}:\n{out.stderr[-4000:]}")
        return out

    def image_exists(self, tag: str) -> bool:
        return self.run("image", "exists", tag, check=False).returncode == 0

    def inspect_image(self, tag: str) -> dict:
        return json.loads(self.run("image", "inspect", tag).stdout)[0]


def base_image_tag() -> str:
    recipe = json.dumps([BASE_SUITE, BASE_PACKAGES, BASE_TRIM, BASE_CONFIG, DEBIAN_MIRROR])
    return f"localhost/dustmail-lite-testbase:{BASE_SUITE}-{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


@contextlib.contextmanager
def _machine_lock(name: str) -> Iterator[None]:
    """One maker of the base image at a time on this machine."""
    with open(Path(tempfile.gettempdir()) / name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def ensure_base_image(podman: Podman, workdir: Path) -> str:
    """The debootstrap base image's tag; made (about a minute) only if it does not exist."""
    tag = base_image_tag()
    with _machine_lock("dustmail-lite-testbase.lock"):
        if podman.image_exists(tag):
            return tag
        rootfs = workdir / "rootfs"
        try:
            subprocess.run(
                ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}",
                 BASE_SUITE, str(rootfs), DEBIAN_MIRROR],
                check=True, capture_output=True, timeout=900,
            )
            for relative in BASE_TRIM:
                folder = rootfs / relative
                for entry in folder.iterdir() if folder.is_dir() else ():
                    if entry.is_dir() and not entry.is_symlink():
                        shutil.rmtree(entry)
                    else:
                        entry.unlink()
            tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", "-", "."],
                                   stdout=subprocess.PIPE)
            assert tar.stdout is not None
            changes = [arg for change in BASE_CONFIG for arg in ("--change", change)]
            imported = subprocess.run(
                ["podman", "--runtime", "runc", "import", *changes, "-", tag],
                stdin=tar.stdout, env=podman.env, capture_output=True, timeout=300, check=False,
            )
            tar.stdout.close()
            assert tar.wait() == 0, "tar of the debootstrap tree failed"
            if imported.returncode != 0:
                raise PodmanError(f"podman import failed: {imported.stderr.decode(errors='replace')}")
        except subprocess.CalledProcessError as exc:
            raise PodmanError(f"debootstrap failed:\n{exc.stderr.decode(errors='replace')[-4000:]}") from None
        finally:
            shutil.rmtree(rootfs, ignore_errors=True)
    return tag


_PIP_SETTING = re.compile(r"^(?P<section>:env:|[\w-]+)\.(?P<key>[\w-]+)='(?P<value>.*)'$")


def host_pip_settings() -> dict[str, dict[str, str]]:
    """pip's effective settings on this host, by section; environment variables (PIP_*)
    win over files, as they do for pip itself."""
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout
    files: dict[str, dict[str, str]] = {}
    from_env: dict[str, str] = {}
    for line in listing.splitlines():
        match = _PIP_SETTING.match(line.strip())
        if not match:
            continue
        if match["section"] == ":env:":
            from_env[match["key"]] = match["value"]
        else:
            files.setdefault(match["section"], {})[match["key"]] = match["value"]
    files.setdefault("global", {}).update(from_env)
    return files


def local_paths(settings: dict[str, dict[str, str]], extra: tuple[str, ...] = ()) -> list[str]:
    """Existing host files and folders the settings name (certificates, find-links,
    file:// indexes, constraints) and `extra`, each once, none inside another."""
    tokens = [token for values in settings.values() for value in values.values() for token in value.split()]
    paths = [_local_path(token) for token in tokens] + list(extra)
    found = {os.path.normpath(path) for path in paths if path.startswith("/") and os.path.exists(path)}
    kept: list[str] = []
    for path in sorted(found):  # a folder sorts before what is inside it
        if not any(path.startswith(parent + "/") for parent in kept):
            kept.append(path)
    return kept


def _local_path(token: str) -> str:
    if not token.startswith("file://"):
        return token
    path = token.removeprefix("file://").rstrip("/")
    # A local index (PEP 503) at ROOT/simple links to its files elsewhere under ROOT.
    return os.path.dirname(path) if os.path.basename(path) == "simple" else path


def build_mounts(workdir: Path) -> list[str]:
    """`-v` options that give a build's RUN steps the host's way to PyPI: its pip settings
    as /etc/pip.conf, the local files they name, and the CA certificates."""
    settings = host_pip_settings()
    pip_conf = workdir / "pip.conf"
    pip_conf.write_text(
        "".join(
            f"[{section}]\n" + "".join(f"{key} = {value}\n" for key, value in values.items())
            for section, values in settings.items()
        )
    )
    mounts = [f"{pip_conf}:/etc/pip.conf:ro"]
    mounts += [f"{path}:{path}:ro" for path in local_paths(settings, extra=("/etc/ssl/certs",))]
    return [arg for mount in mounts for arg in ("-v", mount)]


def build_image(podman: Podman, context: Path, base: str, tag: str, version: str, workdir: Path) -> str:
    """Build the Containerfile in `context` on `base` as `tag`; returns podman's output."""
    previous = podman.run("image", "inspect", "--format", "{{.Id}}", tag, check=False).stdout.strip()
    result = podman.run(
        "build", "--format", "docker", "--network", "host",
        "--build-arg", f"BASE={base}", "--build-arg", f"VERSION={version}",
        *build_mounts(workdir), "-f", str(context / "Containerfile"), "-t", tag, str(context),
        timeout=900,
    )
    current = podman.run("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()
    if previous and previous != current:
        podman.run("rmi", previous, check=False)  # the image this tag named before: superseded
    return result.stdout
