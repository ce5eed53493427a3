"""Search over an account's emails: a parsed `SearchQuery` as an SQLite FTS5 query, or
on PostgreSQL as tsqueries over the tsvector columns.

The engines' specifics live here and in the search migrations only: SQLite's FTS5 table
(`0009_search_fts5`, `0010_search_prefix`); PostgreSQL's generated tsvector columns, their GIN
index and the functions that split text into words the way FTS5's tokenizer does.

On SQLite every query is narrowed to the account (or the inbox) inside the index, whose rowids
FTS5 yields newest first, so a page stops the scan early. Prefixes (`verif*`) of 2 and 3
characters are read from FTS5's prefix indexes the same way. A longer prefix would make FTS5
merge the postings of every word starting so (in every account) before the first row comes
out (0.1-0.3 s over a million emails when the prefix starts a word found in most of them), so
it is first looked up in the index's word list (`0011_search_terms`) and, when it starts at
most `MAX_PREFIX_WORDS` words, asked for as an OR of those whole words, which FTS5 reads
lazily, newest first, like any word. More words than that (or a prefix not in plain ASCII,
which only the tokenizer can fold exactly) keep FTS5's own prefix query."""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from ..search import SearchQuery, Term
from .emails import _DELIVERY
from .engine import Engine
from .rows import Email, map_rows

_COLUMNS = {None: "{subject text}", "from": "mail_from", "to": "rcpt", "subject": "subject"}
_SELECT = (
    "SELECT e.seq, e.id, i.id AS inbox_id, e.mail_from, e.subject, e.text, e.html, e.received_at,"
    f" e.size, e.event_id, {_DELIVERY}"
)


# FTS5's prefix indexes (migration 0010: `prefix = '2 3'`) answer prefixes up to this length.
INDEXED_PREFIX_LENGTH = 3
# A longer prefix starting at most this many words is searched as an OR of them.
MAX_PREFIX_WORDS = 64

# The distinct words starting with ?1, in order: one seek per word. The 'instance' vocabulary
# yields a word's occurrences lazily, and each step starts past them (no word holds the
# character 1, so `term || char(1)` is the smallest string after it). The upper bound is
# inclusive and no word: a word equal to it would have every occurrence read and dropped
# (`term < 'w0002'`: 0.2-0.4 s over a million emails); U+10FFFF is not a word character.
_PREFIX_WORDS = """
WITH RECURSIVE word(term) AS (
    SELECT (SELECT term FROM email_search_terms WHERE term >= ?1 AND term <= ?1 || char(1114111) LIMIT 1)
    UNION ALL
    SELECT (
        SELECT term FROM email_search_terms
        WHERE term >= word.term || char(1) AND term <= ?1 || char(1114111) LIMIT 1
    )
    FROM word WHERE word.term IS NOT NULL
)
SELECT term FROM word WHERE term IS NOT NULL LIMIT ?2
"""


def _quoted(words: str) -> str:
    return '"' + words.replace('"', '""') + '"'


def expandable_prefix(term: Term) -> str | None:
    """The last word of a prefix term as the index stores it (lower case), when it is
    longer than the prefix indexes and plain ASCII letters and digits (so that lower-casing
    is exactly what the tokenizer does to it); otherwise None."""
    if not term.prefix:
        return None
    last: str = re.findall(r"\w+", term.text)[-1]
    if len(last) <= INDEXED_PREFIX_LENGTH or not re.fullmatch(r"[A-Za-z0-9]+", last):
        return None
    return last.lower()


def fts_expression(terms: list[Term], expansions: dict[int, list[str]] | None = None) -> str:
    """FTS5 query text: each term a quoted phrase (so no user text is FTS5 syntax), scoped
    to its column, all ANDed. `expansions`: for the term at that position (a prefix), the
    whole words it starts, searched as an OR of phrases ending in each."""
    parts = []
    for position, term in enumerate(terms):
        words = re.findall(r"\w+", term.text)
        expansion = (expansions or {}).get(position)
        if expansion:
            head = "".join(word + " " for word in words[:-1])
            phrase = "(" + " OR ".join(_quoted(head + whole) for whole in expansion) + ")"
        else:
            phrase = _quoted(" ".join(words)) + (" *" if term.prefix else "")
        parts.append(f"{_COLUMNS[term.field]} : {phrase}")
    return " AND ".join(parts)


# PostgreSQL: the tsvector columns each field is matched in (a bare word: subject or text).
_VECTORS = {
    None: ("search_subject", "search_text"),
    "from": ("search_from",),
    "to": ("search_rcpt",),
    "subject": ("search_subject",),
}


def tsquery_conditions(terms: list[Term]) -> tuple[list[str], list[Any]]:
    """PostgreSQL: one condition per term (its words as a phrase, in any of its field's
    columns) and their parameters. `search_query` (the migration) splits the words as the
    index did and quotes each, so no user text is tsquery syntax."""
    conditions: list[str] = []
    params: list[Any] = []
    for term in terms:
        columns = _VECTORS[term.field]
        matches = [f"e.{column} @@ search_query(?, ?)" for column in columns]
        conditions.append("(" + " OR ".join(matches) + ")")
        for _ in columns:
            params += [term.text, term.prefix]
    return conditions, params


def scoped_expression(
    terms: list[Term], account_id: int, inbox_pk: int | None, expansions: dict[int, list[str]] | None = None
) -> str:
    """The terms within one account's (or one inbox's) emails: the index itself skips to
    their rows instead of yielding every account's matches for SQL to filter out."""
    scope = f'inbox_pk : "{int(inbox_pk)}"' if inbox_pk is not None else f'account_id : "{int(account_id)}"'
    return f"{scope} AND {fts_expression(terms, expansions)}"


# FTS5 keeps a deleted email's words in its index segments until they are merged, out of
# reach of `secure_delete`. From SQLite 3.44 its own secure-delete option removes them at
# once; before that, the index is merged (`optimize`) after mail is deleted or purged.
FTS_SECURE_DELETE = sqlite3.sqlite_version_info >= (3, 44, 0)


class SearchQueries(Engine):
    _search_dirty: bool = False  # mail was deleted since the index was last merged

    async def _prepare_search(self) -> None:
        if self.dialect != "sqlite":
            return  # FTS5 only: PostgreSQL's generated columns and GIN index need no setting
        if FTS_SECURE_DELETE:
            async with self._transaction() as conn:
                await conn.execute("INSERT INTO email_search(email_search, rank) VALUES ('secure-delete', 1)")

    async def scrub_search_index(self) -> bool:
        """Rewrite the index without deleted emails' words (SQLite < 3.44); whether it ran."""
        if self.dialect != "sqlite" or FTS_SECURE_DELETE or not self._search_dirty:
            return False
        self._search_dirty = False
        async with self._transaction() as conn:
            await conn.execute("INSERT INTO email_search(email_search) VALUES ('optimize')")
        return True

    async def search_emails(
        self,
        account_id: int,
        query: SearchQuery,
        inbox_pk: int | None = None,
        limit: int = 50,
        before_event: int | None = None,
        after_event: int = 0,
    ) -> list[Email]:
        """Emails of the account (or of one inbox) matching `query`, newest first (only
        those past the event cursor `after_event`)."""
        where = ["e.account_id = ?"]
        params: list[Any] = [account_id]
        if after_event:
            where.append("e.event_id > ?")
            params.append(after_event)
        if inbox_pk is not None:
            where.append("e.inbox_pk = ?")
            params.append(inbox_pk)
        if before_event is not None:
            where.append("e.event_id < ?")
            params.append(before_event)
        if query.has_attachment:
            where.append("e.has_attachment = 1")
        if query.before is not None:
            where.append("e.received_at < ?")
            params.append(query.before)
        if query.after is not None:
            where.append("e.received_at >= ?")
            params.append(query.after)
        join = "FROM emails e"
        # Within an account, event ids grow with seq: either index gives newest first.
        order = "e.seq DESC" if inbox_pk is not None else "e.event_id DESC"
        if query.terms and self.dialect == "postgres":
            # The GIN index finds the matches (the planner may instead walk the newest
            # first and test each, when the words are common enough for LIMIT to stop early).
            conditions, term_params = tsquery_conditions(query.terms)
            where += conditions
            params += term_params
        elif query.terms:
            # Driven by the index, newest match first (FTS5 yields rowids in descending order),
            # so a LIMIT stops the scan early.
            join = "FROM email_search s JOIN emails e ON e.seq = s.rowid"
            where.insert(0, "email_search MATCH ?")
            expansions = await self.expand_prefixes(query.terms)
            params.insert(0, scoped_expression(query.terms, account_id, inbox_pk, expansions))
            order = "s.rowid DESC"
        sql = (
            f"{_SELECT} {join} JOIN inboxes i ON i.pk = e.inbox_pk"
            f" WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?"
        )
        rows = await self._search_rows(sql, (*params, limit))
        return map_rows(Email, rows, skip=("truncated", "details"))

    async def expand_prefixes(self, terms: list[Term]) -> dict[int, list[str]]:
        """For each long prefix term (by position) starting 1 to MAX_PREFIX_WORDS words of
        the index: those words. Other terms keep their FTS5 query (no word: it matches
        nothing either way, and quickly)."""
        expansions: dict[int, list[str]] = {}
        for position, term in enumerate(terms):
            prefix = expandable_prefix(term)
            if prefix is None:
                continue
            rows = await self._all(_PREFIX_WORDS, (prefix, MAX_PREFIX_WORDS + 1))
            if 0 < len(rows) <= MAX_PREFIX_WORDS:
                expansions[position] = [row[0] for row in rows]
        return expansions

    async def _search_rows(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        if self.dialect != "postgres":
            return await self._all(sql, params)
        async with self._transaction() as conn:
            # A prepared statement run a few times gets a generic plan, blind to the words
            # (seen: 60-100 ms instead of 3 for two words once it switched). Each search is
            # planned for its own words: walking the newest first, or the GIN index.
            await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            return list(await conn.execute_fetchall(sql, params))
