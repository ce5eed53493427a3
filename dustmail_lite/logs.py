"""What the server logs, and how: the text/JSON formatters and the SMTP outcome lines.

One INFO line per SMTP transaction (after DATA) and one per refused recipient, with
what an operator needs to answer "why didn't my mail arrive?": the client address,
TLS or not, the envelope, the size, the reply and the stored ids. Message bodies,
subjects and API keys are never logged; SQL only when `[logging] sql = true`.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import Any

from .config import LoggingConfig

smtp_log = logging.getLogger("dustmail_lite.smtp")

_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Loggers of our libraries that are too chatty at INFO/DEBUG for an operator's log.
_QUIET = {
    "mail.log": logging.WARNING,  # aiosmtpd: every SMTP command at INFO
    "aiosqlite": logging.WARNING,  # every SQL call at DEBUG
    "asyncio": logging.WARNING,
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)
        if isinstance(fields, dict):
            entry.update(fields)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(settings: LoggingConfig, level: str | None = None) -> None:
    """Set up the root logger for `serve` from [logging]; `level` overrides its level."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(_TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel((level or settings.level).upper())
    for name, quiet in _QUIET.items():
        logging.getLogger(name).setLevel(quiet)
    if settings.sql:
        logging.getLogger("aiosqlite").setLevel(logging.DEBUG)


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's loggers pass their records to ours (one format, one stream)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "loggers": {
            name: {"handlers": [], "propagate": True}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access")
        },
    }


# --- SMTP outcomes ----------------------------------------------------------------


def _addr(value: str | None) -> str:
    return f"<{value or ''}>"


def _text(fields: dict[str, Any]) -> str:
    parts = []
    for key, value in fields.items():
        if isinstance(value, list):
            value = ",".join(str(v) for v in value) or "-"
        value = str(value)
        if not value or " " in value or '"' in value:
            value = json.dumps(value, ensure_ascii=False)
        parts.append(f"{key}={value}")
    return " ".join(parts)


def _reply_fields(reply: str) -> dict[str, Any]:
    code, _, reason = reply.partition(" ")
    return {"code": int(code) if code.isdigit() else code, "reason": reason}


def _refusal(event: str, what: str, fields: dict[str, Any], reply: str) -> None:
    fields = {**fields, **_reply_fields(reply)}
    smtp_log.info("%s refused %s", what, _text(fields), extra={"fields": {"event": event, **fields}})


def refused_sender(client: str, tls: bool, sender: str, reply: str) -> None:
    """A MAIL FROM answered with a 4xx/5xx (e.g. a SIZE= past the limit)."""
    _refusal(
        "mail_refused",
        "sender",
        {"client": client, "tls": "yes" if tls else "no", "from": _addr(sender)},
        reply,
    )


def refused_recipient(client: str, tls: bool, sender: str | None, recipient: str, reply: str) -> None:
    """A RCPT TO answered with a 4xx/5xx."""
    fields = {"client": client, "tls": "yes" if tls else "no", "from": _addr(sender), "to": _addr(recipient)}
    _refusal("rcpt_refused", "recipient", fields, reply)


def transaction(
    client: str,
    tls: bool,
    sender: str | None,
    recipients: list[str],
    size: int | None,
    reply: str,
    stored_ids: list[str],
) -> None:
    """The end of a DATA: what was received, what we answered, where it was stored."""
    fields = {
        "event": "transaction",
        "client": client,
        "tls": "yes" if tls else "no",
        "from": _addr(sender),
        "to": [_addr(r) for r in recipients],
        "size": size if size is not None else "-",
        **_reply_fields(reply),
        "ids": stored_ids,
    }
    outcome = "delivered" if reply.startswith("2") else "refused" if reply.startswith("5") else "deferred"
    smtp_log.info(
        "%s %s",
        outcome,
        _text({k: v for k, v in fields.items() if k != "event"}),
        extra={"fields": {**fields, "outcome": outcome}},
    )


def aborted(client: str, tls: bool, sender: str | None, recipients: list[str]) -> None:
    """A transaction with accepted recipients that ended without a reply to DATA: nothing stored."""
    fields = {
        "client": client,
        "tls": "yes" if tls else "no",
        "from": _addr(sender),
        "to": [_addr(r) for r in recipients],
        "reason": "connection closed before the end of DATA (nothing stored)",
    }
    smtp_log.info(
        "aborted %s",
        _text(fields),
        extra={"fields": {"event": "transaction", "outcome": "aborted", **fields}},
    )
