"""In process, on a seeded search database (e.g. `DIR/base/bench.sqlite3` of
`bench/search_prefix.py`, opened read-only): for long prefixes, the time to list their words
from FTS5's vocabulary (the store's own SQL, migration 0011's 'instance' vocabulary, and a
'row' vocabulary for comparison) and FTS5's prefix query against the OR of those words.

    .venv/bin/python bench/search_prefix_words.py DIR/base/bench.sqlite3
"""

from __future__ import annotations

import sqlite3
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dustmail_lite.store.search import _PREFIX_WORDS, MAX_PREFIX_WORDS  # noqa: E402

PREFIXES = ["w0000", "w0001", "w001", "w432", "search1", "sear"]
PAGE = "SELECT rowid FROM email_search WHERE email_search MATCH ? ORDER BY rowid DESC LIMIT 50"


def median_ms(run, times: int) -> tuple[float, list]:
    samples, result = [], []
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), result


def main(path: str) -> None:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.execute("CREATE VIRTUAL TABLE temp.email_search_terms USING fts5vocab(main, email_search, 'instance')")
    db.execute("CREATE VIRTUAL TABLE temp.terms_row USING fts5vocab(main, email_search, 'row')")
    words_sql = _PREFIX_WORDS.replace("email_search_terms", "temp.email_search_terms")
    account = db.execute("SELECT id FROM accounts WHERE name = 'bench'").fetchone()[0]
    print("plan:", db.execute("EXPLAIN QUERY PLAN " + words_sql, ("w0001", 65)).fetchall())
    for prefix in PREFIXES:
        ms, rows = median_ms(lambda: db.execute(words_sql, (prefix, MAX_PREFIX_WORDS + 1)).fetchall(), 7)
        print(f"{prefix}*: {len(rows)} words (capped at {MAX_PREFIX_WORDS + 1}) listed in {ms:.2f} ms")
        row_ms, _ = median_ms(lambda: db.execute(
            "SELECT term FROM temp.terms_row WHERE term >= ?1 AND term <= ?1 || char(1114111) LIMIT ?2",
            (prefix, MAX_PREFIX_WORDS + 1)).fetchall(), 3)
        print(f"   'row' vocabulary, same range: {row_ms:.2f} ms")
        scope = f'account_id : "{account}" AND {{subject text}} : '
        prefix_ms, by_prefix = median_ms(lambda: db.execute(PAGE, (scope + f'"{prefix}" *',)).fetchall(), 3)
        print(f"   FTS5 prefix query, first page: {prefix_ms:.2f} ms ({len(by_prefix)} rows)")
        if len(rows) <= MAX_PREFIX_WORDS:
            words = "(" + " OR ".join(f'"{row[0]}"' for row in rows) + ")"
            or_ms, by_words = median_ms(lambda: db.execute(PAGE, (scope + words,)).fetchall(), 3)
            print(f"   OR of the words, first page: {or_ms:.2f} ms (same rows: {by_words == by_prefix})")


if __name__ == "__main__":
    main(sys.argv[1])
