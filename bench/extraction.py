"""Extraction speed on a 100 KB HTML mail: `.venv/bin/python bench/extraction.py`.

A newsletter-like body (a table of 400 products with links, images, prices and dates) with a
verification code at the top and the verification link at the end; the figure is the median of 200 runs of
`extraction.extract` (HTML parsing, codes, links) and of the whole `mime.parse_message`.
"""

from __future__ import annotations

import statistics
import time
from email.message import EmailMessage

from dustmail_lite.extraction import extract
from dustmail_lite.mime import parse_message

ROW = (
    "<tr><td style='padding:8px;font-family:Arial'><a href='https://click.shop.example/ls/click?upn=%d&amp;"
    "url=https%%3A%%2F%%2Fshop.example%%2Fp%%2F%d'><img src='https://cdn.shop.example/i/%d.jpg' alt='Product'></a>"
    "</td><td><p>Great product number %d, now only $%d.99 &amp; free shipping until 2026-04-%02d.</p></td></tr>\n"
)


def html_of_size(target: int) -> str:
    rows = []
    i = 0
    while sum(map(len, rows)) < target - 400:
        rows.append(ROW % (i, i, i, i, i, i % 28 + 1))
        i += 1
    return (
        "<html><body><p>Your verification code is <b>482913</b></p><table>" + "".join(rows) + "</table>"
        "<p><a href='https://shop.example/verify?token=d41d8cd98f00'>Confirm your email</a></p></body></html>"
    )


def median_ms(fn, runs: int = 200, clock=time.perf_counter) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times) * 1000


def report(name: str, fn) -> None:
    # CPU time of this thread as well as wall time: on a shared machine the wall clock also
    # counts the time other processes held the core.
    wall = median_ms(fn)
    cpu = median_ms(fn, clock=time.thread_time)
    print(f"{name:<16} median {wall:6.2f} ms wall, {cpu:6.2f} ms CPU")


def main() -> None:
    html = html_of_size(100 * 1024)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "shop@shop.example", "u@dustmail.localhost", "Confirm"
    message.set_content(html, subtype="html")
    raw = message.as_bytes()
    result = extract("Confirm", "", html).as_details()
    assert result["codes"][0] == "482913", result["codes"]
    assert result["links"][0] == "https://shop.example/verify?token=d41d8cd98f00", result["links"][:2]
    print(f"HTML part: {len(html.encode()) / 1024:.1f} KB, {len(result['links'])} links")
    report("extract()", lambda: extract("Confirm", "", html))
    report("parse_message()", lambda: parse_message(raw))  # MIME parsing included
    with open("/proc/loadavg") as f:
        print("load average:", f.read().split()[0])


if __name__ == "__main__":
    main()
