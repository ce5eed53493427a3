"""The first code or link of an email, for `wait_for_code` and `wait_for_link`."""

from __future__ import annotations

from ..api.models import EmailDetail
from .errors import NothingFound


def first_code(email: EmailDetail) -> str:
    if not email.codes:
        raise NothingFound("code", email)
    return email.codes[0]


def first_link(email: EmailDetail, contains: str | None = None) -> str:
    for link in email.links:
        if contains is None or contains in link:
            return link
    raise NothingFound("link" if contains is None else f"link containing {contains!r}", email)
