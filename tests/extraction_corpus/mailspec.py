"""The shape of one corpus mail and how it becomes an RFC 5322 message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime


@dataclass(frozen=True)
class Mail:
    id: str
    kind: str  # signup, signin, 2fa, reset, magic, newsletter, receipt, shipping, alert
    sender: str
    subject: str
    text: str | None
    html: str | None
    code: str | None = None
    link: str | None = None
    cte: str | None = None  # "quoted-printable" or "base64" forces the body's encoding

    @property
    def lang(self) -> str:
        return self.id.split("-")[0]


def build(mail: Mail, to: str = "user@dustmail.localhost") -> bytes:
    message = EmailMessage()
    message["From"] = mail.sender
    message["To"] = to
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(datetime(2026, 3, 30, 9, 0, tzinfo=UTC))
    message["Message-ID"] = f"<{mail.id}@corpus.dustmail.localhost>"
    extra = {"cte": mail.cte} if mail.cte else {}
    if mail.text is not None:
        message.set_content(mail.text, **extra)
        if mail.html is not None:
            message.add_alternative(mail.html, subtype="html", **extra)
            message.set_boundary(f"=_{mail.id}_=")  # stable bytes from run to run
    else:
        assert mail.html is not None, mail.id
        message.set_content(mail.html, subtype="html", **extra)
    return message.as_bytes(policy=message.policy.clone(linesep="\r\n"))  # as on the wire
