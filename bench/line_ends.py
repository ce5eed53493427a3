"""The cost of our DATA reader (bare LF, lone CR, dot-unstuffing at every line end) and of
the Received: header: milliseconds per transaction on one SMTP session against
`dustmail-lite serve`, for a 2 KB and a 100 KB message with CRLF and with bare LF ends.

    .venv/bin/python bench/line_ends.py [--messages 300]

Run it with PYTHONPATH pointing at another checkout to compare two versions of the code.
"""

from __future__ import annotations

import argparse
import json
import smtplib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from run import Server, message_bytes  # noqa: E402


def per_transaction_ms(port: int, to: str, data: bytes, count: int) -> float | str:
    times = []
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo()
        for _ in range(count):
            start = time.perf_counter()
            try:
                s.sendmail("bench@example.com", to, data)
            except smtplib.SMTPException as exc:
                return f"refused: {exc}"
            times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder))
        key = server.cli("keys", "create", "--owner", "bench", "--plan", "premium")
        server.start()
        try:
            import httpx2 as httpx

            inbox = httpx.post(f"http://127.0.0.1:{server.http_port}/api/v1/inbox",
                               headers={"Authorization": f"Bearer {key}"}).json()["data"]
            results = {}
            for size in (2048, 100 * 1024):
                crlf = message_bytes(size)
                lf = crlf.replace(b"\r\n", b"\n")
                for name, data in (("CRLF", crlf), ("LF", lf)):
                    count = args.messages if size < 10000 else max(20, args.messages // 10)
                    results[f"{size // 1024} KB {name}"] = per_transaction_ms(server.smtp_port, inbox["email"],
                                                                             data, count)
        finally:
            server.stop()
    code = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()
    print(json.dumps({"commit": code, "ms_per_transaction_median": results}, indent=2))


if __name__ == "__main__":
    main()
