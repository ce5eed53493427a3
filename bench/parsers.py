"""Which MIME parser: the standard library (dustmail_lite.mime) or a Rust-backed one
(fast-mail-parser), judged on correctness first, then speed.

Correctness: every message of CPython's email corpus (tests/data/cpython_email, CRLF) and
the tricky messages of issue 12, each parser's subject / from / text / attachments compared
with the policy.default reference parse of tests/test_mime_corpus.py. Speed: the median
time to parse each message, and a 1 MB message with attachments.

    .venv/bin/pip install fast-mail-parser   # not a dependency: only this script uses it
    .venv/bin/python bench/parsers.py        # prints a table, writes bench/parsers.json
"""

from __future__ import annotations

import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from dustmail_lite.mime import join_parts, parse_message  # noqa: E402
from test_mime_corpus import CORPUS, SENDER, normalised, reference  # noqa: E402

FIELDS = ("subject", "from", "text", "attachments")

TRICKY = {
    "raw UTF-8 subject": "From: Jürgen <j@example.com>\r\nSubject: Grüße aus Köln\r\n\r\nhi\r\n".encode(),
    "latin-1 subject": "Subject: Caf\xe9\r\n\r\nhi\r\n".encode("latin-1"),
    "8-bit filename": (
        "Subject: r\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"März.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQ=\r\n"
        "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nCode: 447120\r\n--b--\r\n"
    ).encode(),
    "inline text with filename": (
        b"Subject: i\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\nContent-Disposition: inline; filename=\"msg.txt\"\r\n\r\n"
        b"Your code is 903112\r\n--b--\r\n"
    ),
    "forwarded .eml, HTML body": (
        b"Subject: Fwd\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=o\r\n\r\n"
        b"--o\r\nContent-Type: text/html\r\n\r\n<p>see attached</p>\r\n"
        b"--o\r\nContent-Type: message/rfc822\r\n\r\nSubject: Old\r\n\r\nold code 111111\r\n--o--\r\n"
    ),
    "text, image, text": (
        b"Subject: p\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=a\r\n\r\n"
        b"--a\r\nContent-Type: text/plain\r\n\r\nHere is the photo.\r\n"
        b"--a\r\nContent-Type: image/png; name=p.png\r\nContent-Disposition: inline; filename=p.png\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
        b"--a\r\nContent-Type: text/plain\r\n\r\nAnd your code: 640213\r\n--a--\r\n"
    ),
}


def stdlib_fields(raw: bytes) -> dict[str, Any]:
    parsed = parse_message(raw, SENDER)
    return {
        "subject": parsed.subject,
        "from": parsed.mail_from,
        "text": parsed.text if parsed.text or not parsed.html else "",
        "attachments": [(a["filename"], a["content_type"]) for a in parsed.details["attachments"]],
    }


def rust_fields(raw: bytes) -> dict[str, Any]:
    from fast_mail_parser import parse_email

    parsed = parse_email(raw)
    sender = parsed.from_.address if parsed.from_ is not None else ""
    return {
        "subject": " ".join((parsed.subject or "").split()),
        "from": sender or SENDER,
        "text": join_parts([t.replace("\r\n", "\n") for t in parsed.text_plain or []]),
        "attachments": [(a.filename, a.mimetype) for a in parsed.attachments or []],
    }


# What issue 12 asks of its tricky messages where policy.default itself falls short.
TRICKY_EXPECTED = {
    "latin-1 subject": {"subject": "Café"},  # policy.default shows U+FFFD for the raw 8-bit byte
}


def expected_fields(raw: bytes, ours: dict[str, Any], label: str = "") -> dict[str, Any]:
    expected = reference(raw)
    expected.update(TRICKY_EXPECTED.get(label, {}))
    if not expected["text"] and expected["html"]:
        expected["text"] = ours["text"]  # a text made from the HTML is allowed, not required
    # Unnamed parts get made-up names on both sides; compare the types there.
    names = [name for name, _ in ours["attachments"]]
    expected["attachments"] = [
        (name if name is not None else (names[i] if i < len(names) else None), content_type)
        for i, (name, content_type) in enumerate(expected["attachments"])
    ]
    return {field: expected[field] for field in FIELDS}


def correctness(name: str, parse: Callable[[bytes], dict[str, Any]], messages: dict[str, bytes]) -> dict[str, Any]:
    agree = {field: 0 for field in FIELDS}
    failures: list[str] = []
    errors = 0
    for label, raw in messages.items():
        try:
            got = parse(raw)
        except Exception as exc:  # a parser that raises loses every field of that message
            errors += 1
            failures.append(f"{label}: raised {type(exc).__name__}")
            continue
        expected = expected_fields(raw, got, label)
        for field in FIELDS:
            if got[field] == expected[field]:
                agree[field] += 1
            else:
                failures.append(f"{label}: {field}")
    return {"parser": name, "messages": len(messages), "raised": errors, "agree": agree, "failures": failures}


def timing(parse: Callable[[bytes], Any], messages: list[bytes], rounds: int = 20) -> float:
    """Median seconds to parse the whole list once."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for raw in messages:
            try:
                parse(raw)
            except Exception:
                pass
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def big_message() -> bytes:
    import base64

    parts = [b"Subject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=z\r\n\r\n",
             b"--z\r\nContent-Type: text/plain\r\n\r\n" + b"line of text for the body\r\n" * 2000]
    blob = base64.encodebytes(bytes(range(256)) * 1200).replace(b"\n", b"\r\n")
    for n in range(3):
        parts.append(b"--z\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment;"
                     b" filename=\"f%d.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" % n + blob)
    parts.append(b"--z--\r\n")
    return b"".join(parts)


def main() -> None:
    try:
        import fast_mail_parser
    except ImportError:
        sys.exit("fast-mail-parser is not installed: .venv/bin/pip install fast-mail-parser")
    messages = {p.name: normalised(p.read_bytes()) for p in CORPUS}
    messages.update(TRICKY)
    results = [correctness("stdlib (dustmail_lite.mime)", stdlib_fields, messages),
               correctness("fast-mail-parser", rust_fields, messages)]
    corpus = [normalised(p.read_bytes()) for p in CORPUS]
    big = big_message()
    speed = {
        "stdlib (dustmail_lite.mime)": (timing(stdlib_fields, corpus), timing(stdlib_fields, [big], 5)),
        "fast-mail-parser": (timing(rust_fields, corpus), timing(rust_fields, [big], 5)),
    }
    print(f"{len(messages)} messages ({len(CORPUS)} corpus + {len(TRICKY)} tricky); agreement with the reference:\n")
    print(f"{'parser':30} {'raised':>6} " + " ".join(f"{f:>11}" for f in FIELDS) + "  corpus ms  1 MB ms")
    for result in results:
        corpus_s, big_s = speed[result["parser"]]
        print(f"{result['parser']:30} {result['raised']:>6} "
              + " ".join(f"{result['agree'][f]:>11}" for f in FIELDS)
              + f"  {corpus_s * 1000:9.1f}  {big_s * 1000:7.1f}")
    for result in results:
        print(f"\n{result['parser']} disagrees on: " + ("; ".join(result["failures"]) or "nothing"))
    out = {
        "python": platform.python_version(),
        "fast_mail_parser": getattr(fast_mail_parser, "__version__", "0.10.0"),
        "big_message_bytes": len(big),
        "results": results,
        "speed_seconds": {k: {"corpus_48": v[0], "one_1MB": v[1]} for k, v in speed.items()},
    }
    (ROOT / "bench" / "parsers.json").write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
