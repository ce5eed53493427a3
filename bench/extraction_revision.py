"""The extraction engine as it was at a git revision, importable beside the current one.

`load("main")` copies `dustmail_lite/extraction` of that revision into a temporary directory
as a package of its own (the engine imports nothing else of dustmail_lite), so one process can
time or compare both: `bench/extraction.py --against main`, `bench/extraction_compare.py main`.
"""

from __future__ import annotations

import importlib
import io
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent


def load(revision: str) -> ModuleType:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "dustmail_lite/extraction"],
        check=True,
        capture_output=True,
    ).stdout
    directory = Path(tempfile.mkdtemp(prefix="extraction-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(directory, filter="data")
    name = "extraction_at_" + re.sub(r"\W", "_", revision)
    (directory / "dustmail_lite" / "extraction").rename(directory / name)
    sys.path.insert(0, str(directory))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(directory))
