"""The search language of `GET /api/v1/emails?q=...`, parsed outside any SQL.

    invoice from:billing@shop.example to:me subject:"order 12" has:attachment
    after:2026-03-01 before:2026-04-01 "exact phrase" verif*

Bare words and "phrases" match the subject or the text; `from:`, `to:`, `subject:` match
one field; `has:attachment` keeps emails with attachments; `before:`/`after:` take a date
(YYYY-MM-DD, UTC) or a full ISO time. A prefix needs at least 2 letters or digits before
the `*`. Every term must hold (AND). A store backend turns the
parsed `SearchQuery` into its own full-text query (SQLite FTS5 today; PostgreSQL's tsquery
could read the same structure).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

MAX_TERMS = 16
MAX_TERM_LENGTH = 100
# `a*` matches nearly every word, and a full-text index answers it by merging them all:
# seconds over a million emails (SQLite keeps prefix indexes from 2 characters on).
MIN_PREFIX_LENGTH = 2

_TOKEN = re.compile(r'(?:(\w+):)?(?:"([^"]*)"|(\S+))')
FIELDS = ("from", "to", "subject")


class QueryError(ValueError):
    """The query cannot be understood; the message says why."""


@dataclass(frozen=True)
class Term:
    text: str  # plain words; punctuation is left to the backend's tokenizer
    field: str | None = None  # None: subject or text
    prefix: bool = False  # `verif*`: words starting so


@dataclass
class SearchQuery:
    terms: list[Term] = field(default_factory=list)
    has_attachment: bool = False
    before: int | None = None  # received_at < this (ms)
    after: int | None = None  # received_at >= this (ms)

    @property
    def empty(self) -> bool:
        return not self.terms and not self.has_attachment and self.before is None and self.after is None


def parse_time(text: str, name: str) -> int:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            moment = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise QueryError(f"{name}: expects a date like 2026-03-30, got {text!r}") from None
    return int(moment.timestamp() * 1000)


def parse(text: str) -> SearchQuery:
    query = SearchQuery()
    for match in _TOKEN.finditer(text):
        operator, quoted, bare = match.group(1), match.group(2), match.group(3)
        value = quoted if quoted is not None else bare
        operator = operator.lower() if operator else None
        if operator == "has":
            if value.lower() not in ("attachment", "attachments"):
                raise QueryError(f"has: knows only has:attachment, not has:{value}")
            query.has_attachment = True
        elif operator in ("before", "after"):
            setattr(query, operator, parse_time(value, operator))
        elif operator is not None and operator not in FIELDS:
            # An unknown `word:` is plain text (a time like 10:30, a URL scheme).
            _add(query, Term(match.group(0).strip('"')))
        else:
            prefix = quoted is None and value.endswith("*")
            _add(query, Term(value.rstrip("*") if prefix else value, operator, prefix))
    return query


def _add(query: SearchQuery, term: Term) -> None:
    if not re.search(r"\w", term.text):
        return  # nothing a tokenizer would index
    if len(term.text) > MAX_TERM_LENGTH:
        raise QueryError(f"a search term is limited to {MAX_TERM_LENGTH} characters")
    if term.prefix and len(re.findall(r"\w+", term.text)[-1]) < MIN_PREFIX_LENGTH:
        raise QueryError(
            f"a prefix needs at least {MIN_PREFIX_LENGTH} letters or digits before the *, got {term.text}*"
        )
    if len(query.terms) >= MAX_TERMS:
        raise QueryError(f"a query is limited to {MAX_TERMS} terms")
    query.terms.append(term)
