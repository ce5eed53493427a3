"""CPython's email test corpus (Lib/test/test_email/data, copied to tests/data/cpython_email)
sent over real SMTP as shipped (LF line ends) and as CRLF: every message accepted, its raw
bytes served exactly as normalised, and its subject, from, text and attachments equal to a
reference parse made with the standard library's modern API (`policy.default`).

The reference applies the same rules of what is body and what is an attachment (see
dustmail_lite/mime.py), through an independent decoding path: policy.default's header
registry, `get_content()`, `is_attachment()`, `iter_parts()`. Two deliberate
differences, both additions: an HTML-only message also gets a text made from its HTML
(the reference has none), and a part without a name gets one (`part-N`, the attached
message's subject + `.eml`). Multipart parts without a usable boundary (msg_15, 17, 25, 31,
39, 41) are one opaque attachment in both.
"""

from __future__ import annotations

import email
import re
import smtplib
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from helpers import split_trace

CORPUS = sorted((Path(__file__).parent / "data" / "cpython_email").glob("msg_*.txt"))
SENDER = "corpus@example.com"


def attached_message(content_type: str) -> bool:
    return content_type.startswith("message/") or content_type == "text/rfc822-headers"


def _leaves(part: EmailMessage) -> list[EmailMessage]:
    if attached_message(part.get_content_type()):
        return [part]
    if part.is_multipart():
        return [leaf for child in part.iter_parts() for leaf in _leaves(child)]
    return [part]


def _text(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, UnicodeError):
        content = part.get_payload(decode=True).decode("utf-8", "replace")
    return content.replace("\r\n", "\n")


def _join(parts: list[str]) -> str:
    out = parts[0] if parts else ""
    for part in parts[1:]:
        out += ("" if not out or out.endswith("\n") else "\n") + part
    return out


def reference(raw: bytes) -> dict[str, Any]:
    message = email.message_from_bytes(raw, policy=policy.default)
    texts, htmls, attachments = [], [], []
    for part in _leaves(message):
        content_type = part.get_content_type()
        if attached_message(content_type) or part.is_attachment():
            attachments.append((part.get_filename(), content_type))
        elif content_type == "text/plain":
            texts.append(_text(part))
        elif content_type == "text/html":
            htmls.append(_text(part))
        else:
            attachments.append((part.get_filename(), content_type))
    try:
        addresses = message["from"].addresses if message["from"] is not None else ()
    except Exception:
        addresses = ()
    sender = addresses[0].addr_spec if addresses and addresses[0].addr_spec not in ("", "<>") else SENDER
    return {
        "subject": " ".join(str(message["subject"] or "").split()),
        "from": sender,
        "text": _join(texts),
        "html": _join(htmls),
        "attachments": attachments,
    }


def normalised(data: bytes) -> bytes:
    """What the server stores for what smtplib sends: it ends data that does not end in
    CRLF with one (after a bare LF too), and the server turns every line end into CRLF."""
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return re.sub(rb"\r*\n", b"\r\n", data)


def send(port: int, to: str, data: bytes) -> str:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as s:
        s.ehlo()
        assert s.mail(SENDER)[0] == 250
        assert s.rcpt(to)[0] == 250
        code, reply = s.data(data)  # smtplib dot-stuffs after every LF and ends the data with CRLF
    assert code == 250, (code, reply)
    return reply.decode().split("stored as ")[1].split()[0]


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """Every corpus message sent twice into one inbox: {(name, mode): (sent bytes, email JSON, raw)}."""
    from helpers import Env
    from starlette.testclient import TestClient

    from dustmail_lite.app import create_app

    env = Env(tmp_path_factory.mktemp("corpus"), {"inboxes": {"max_emails": 1000}})
    key = env.key("corpus", "premium")
    auth = {"Authorization": f"Bearer {key}"}
    with TestClient(create_app(env.config)) as client:
        inbox = client.post("/api/v1/inbox", json={}, headers=auth).json()["data"]
        port = client.app.state.server.smtp.port
        out = {}
        for path in CORPUS:
            shipped = path.read_bytes()
            for mode, data in (("lf", shipped), ("crlf", re.sub(rb"\r?\n", b"\r\n", shipped))):
                email_id = send(port, inbox["email"], data)
                base = f"/api/v1/inbox/{inbox['id']}/emails/{email_id}"
                detail = client.get(base, headers=auth)
                assert detail.status_code == 200, detail.text
                raw = client.get(base + "/raw", headers=auth).content
                out[(path.name, mode)] = (data, detail.json()["data"], raw)
        yield out


def test_the_corpus_is_all_there():
    assert len(CORPUS) == 48


@pytest.mark.parametrize("mode", ["lf", "crlf"])
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_corpus_message_over_smtp_matches_the_reference(delivered, path, mode):
    sent, got, raw = delivered[(path.name, mode)]
    _, stored = split_trace(raw)
    assert stored == normalised(sent)
    assert got["parse_error"] is None, got["parse_error"]  # always present: null when it parsed
    expected = reference(stored)
    ours = {
        "subject": got["subject"],
        "from": got["from"],
        "text": got["text"] if (got["text"] or not got["html"]) else None,
        "html": got["html"],
        "attachments": [(a["filename"], a["content_type"]) for a in got["attachments"]],
    }
    if not expected["text"] and expected["html"]:
        ours["text"] = None  # we derive a text from the HTML; the reference has none
        expected["text"] = None
    for index, (name, content_type) in enumerate(expected["attachments"]):
        if name is None:  # no name in the message: ours is made up (part-N, subject.eml)
            expected["attachments"][index] = (ours["attachments"][index][0], content_type)
    assert ours == expected
