"""The SQLite schema as named migrations, applied in order, each with its record in one transaction."""

from __future__ import annotations

import sqlite3

# Emails whose text or html is longer than this (in characters) get a row in email_previews
# at ingest, with both cut to this length: the inbox view reads those, never whole big bodies.
VIEW_BODY_CHARS = 8 * 1024

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_core",
        """
        CREATE TABLE accounts (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            plan TEXT NOT NULL CHECK (plan IN ('free', 'premium')),
            created_at INTEGER NOT NULL
        );
        CREATE TABLE api_keys (
            id TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            key_hash BLOB NOT NULL UNIQUE,
            prefix TEXT NOT NULL,
            label TEXT NOT NULL DEFAULT '',
            created_at INTEGER NOT NULL,
            revoked_at INTEGER
        );
        CREATE INDEX api_keys_account ON api_keys(account_id);
        CREATE TABLE inboxes (
            pk INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            address TEXT NOT NULL UNIQUE,
            domain TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            deleted_at INTEGER,
            email_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX inboxes_account ON inboxes(account_id, created_at);
        CREATE INDEX inboxes_expiry ON inboxes(expires_at);
        CREATE INDEX inboxes_deleted ON inboxes(deleted_at) WHERE deleted_at IS NOT NULL;
        CREATE INDEX inboxes_domain ON inboxes(domain);
        CREATE TABLE emails (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            inbox_pk INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            mail_from TEXT NOT NULL,
            subject TEXT NOT NULL,
            text TEXT NOT NULL,
            html TEXT NOT NULL,
            size INTEGER NOT NULL,
            details TEXT NOT NULL,
            raw BLOB NOT NULL  -- last: reading the other columns never touches its overflow pages
        );
        CREATE INDEX emails_inbox ON emails(inbox_pk, seq);
        CREATE TRIGGER emails_counted AFTER INSERT ON emails BEGIN
            UPDATE inboxes SET email_count = email_count + 1 WHERE pk = NEW.inbox_pk;
        END;
        CREATE TRIGGER emails_removed AFTER DELETE ON emails BEGIN
            UPDATE inboxes SET email_count = email_count - 1 WHERE pk = OLD.inbox_pk;
        END;
        CREATE TABLE address_quarantine (
            address TEXT PRIMARY KEY,
            until INTEGER NOT NULL
        );
        CREATE INDEX address_quarantine_until ON address_quarantine(until);
        """,
    ),
    (
        "0002_custom_domains",
        """
        CREATE TABLE custom_domains (
            name TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            status TEXT NOT NULL,
            token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            verified_at INTEGER,
            checked_at INTEGER,
            failures INTEGER NOT NULL DEFAULT 0,
            last_result TEXT
        );
        CREATE INDEX custom_domains_account ON custom_domains(account_id);
        """,
    ),
    (
        # Stored bytes per inbox and per account, kept by triggers, for the storage quotas.
        "0003_stored_bytes",
        """
        ALTER TABLE inboxes ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE accounts ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
        UPDATE inboxes SET stored_bytes = coalesce(
            (SELECT sum(size) FROM emails WHERE inbox_pk = inboxes.pk), 0);
        UPDATE accounts SET stored_bytes = coalesce(
            (SELECT sum(stored_bytes) FROM inboxes WHERE account_id = accounts.id), 0);
        CREATE TRIGGER emails_bytes_added AFTER INSERT ON emails BEGIN
            UPDATE inboxes SET stored_bytes = stored_bytes + NEW.size WHERE pk = NEW.inbox_pk;
            UPDATE accounts SET stored_bytes = stored_bytes + NEW.size
                WHERE id = (SELECT account_id FROM inboxes WHERE pk = NEW.inbox_pk);
        END;
        CREATE TRIGGER emails_bytes_removed AFTER DELETE ON emails BEGIN
            UPDATE inboxes SET stored_bytes = stored_bytes - OLD.size WHERE pk = OLD.inbox_pk;
            UPDATE accounts SET stored_bytes = stored_bytes - OLD.size
                WHERE id = (SELECT account_id FROM inboxes WHERE pk = OLD.inbox_pk);
        END;
        """,
    ),
    (
        # Several accounts may hold a pending claim on one name; the first to verify wins
        # (one non-pending row per name), so a squatter's claim cannot block the owner.
        "0004_domain_claims",
        """
        CREATE TABLE custom_domains_new (
            name TEXT NOT NULL,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            status TEXT NOT NULL,
            token TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            verified_at INTEGER,
            checked_at INTEGER,
            failures INTEGER NOT NULL DEFAULT 0,
            last_result TEXT,
            PRIMARY KEY (name, account_id)
        );
        INSERT INTO custom_domains_new SELECT name, account_id, status, token, created_at,
            verified_at, checked_at, failures, last_result FROM custom_domains;
        DROP TABLE custom_domains;
        ALTER TABLE custom_domains_new RENAME TO custom_domains;
        CREATE INDEX custom_domains_account ON custom_domains(account_id);
        CREATE UNIQUE INDEX custom_domains_holder ON custom_domains(name) WHERE status != 'pending';
        """,
    ),
    (
        "0005_email_previews",
        f"""
        CREATE TABLE email_previews (
            seq INTEGER PRIMARY KEY,  -- emails.seq
            text TEXT NOT NULL,
            html TEXT NOT NULL
        );
        CREATE TRIGGER email_previews_removed AFTER DELETE ON emails BEGIN
            DELETE FROM email_previews WHERE seq = OLD.seq;
        END;
        INSERT INTO email_previews (seq, text, html)
            SELECT seq, substr(text, 1, {VIEW_BODY_CHARS}), substr(html, 1, {VIEW_BODY_CHARS}) FROM emails
            WHERE length(text) > {VIEW_BODY_CHARS} OR length(html) > {VIEW_BODY_CHARS};
        """,
    ),
    (
        # Rebuilt rather than altered, so the new columns sit before `raw` (a column after it
        # would be read through the message's overflow pages). `event_id` is the per-account
        # cursor of issue 15; `rcpt` and `has_attachment` serve search; `claimed_at` claims.
        "0006_email_events",
        """
        ALTER TABLE accounts ADD COLUMN last_event_id INTEGER NOT NULL DEFAULT 0;
        CREATE TABLE emails_new (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            inbox_pk INTEGER NOT NULL,
            account_id INTEGER NOT NULL,
            event_id INTEGER NOT NULL,
            received_at INTEGER NOT NULL,
            claimed_at INTEGER,
            mail_from TEXT NOT NULL,
            rcpt TEXT NOT NULL DEFAULT '',
            subject TEXT NOT NULL,
            text TEXT NOT NULL,
            html TEXT NOT NULL,
            size INTEGER NOT NULL,
            has_attachment INTEGER NOT NULL DEFAULT 0,
            details TEXT NOT NULL,
            raw BLOB NOT NULL  -- last: reading the other columns never touches its overflow pages
        );
        INSERT INTO emails_new (seq, id, inbox_pk, account_id, event_id, received_at, mail_from, rcpt,
            subject, text, html, size, has_attachment, details, raw)
        SELECT e.seq, e.id, e.inbox_pk, i.account_id, e.seq, e.received_at, e.mail_from,
            COALESCE((SELECT group_concat(value, ' ') FROM json_each(e.details, '$.to')), ''),
            e.subject, e.text, e.html, e.size,
            COALESCE(json_array_length(e.details, '$.attachments'), 0) > 0, e.details, e.raw
        FROM emails e JOIN inboxes i ON i.pk = e.inbox_pk;
        DROP TABLE emails;
        ALTER TABLE emails_new RENAME TO emails;
        CREATE INDEX emails_inbox ON emails(inbox_pk, seq);
        CREATE INDEX emails_account_event ON emails(account_id, event_id);
        CREATE INDEX emails_unclaimed ON emails(inbox_pk, seq) WHERE claimed_at IS NULL;
        CREATE TRIGGER emails_counted AFTER INSERT ON emails BEGIN
            UPDATE inboxes SET email_count = email_count + 1 WHERE pk = NEW.inbox_pk;
        END;
        CREATE TRIGGER emails_removed AFTER DELETE ON emails BEGIN
            UPDATE inboxes SET email_count = email_count - 1 WHERE pk = OLD.inbox_pk;
        END;
        CREATE TRIGGER email_previews_removed AFTER DELETE ON emails BEGIN
            DELETE FROM email_previews WHERE seq = OLD.seq;
        END;
        CREATE TRIGGER emails_bytes_added AFTER INSERT ON emails BEGIN
            UPDATE inboxes SET stored_bytes = stored_bytes + NEW.size WHERE pk = NEW.inbox_pk;
            UPDATE accounts SET stored_bytes = stored_bytes + NEW.size WHERE id = NEW.account_id;
        END;
        CREATE TRIGGER emails_bytes_removed AFTER DELETE ON emails BEGIN
            UPDATE inboxes SET stored_bytes = stored_bytes - OLD.size WHERE pk = OLD.inbox_pk;
            UPDATE accounts SET stored_bytes = stored_bytes - OLD.size WHERE id = OLD.account_id;
        END;
        UPDATE accounts SET last_event_id =
            COALESCE((SELECT max(event_id) FROM emails WHERE emails.account_id = accounts.id), 0);
        """,
    ),
    (
        # The outbox: one row per (endpoint, email), written in the email's own transaction.
        "0007_webhooks",
        """
        CREATE TABLE webhooks (
            id TEXT PRIMARY KEY,
            account_id INTEGER NOT NULL REFERENCES accounts(id),
            inbox_pk INTEGER,
            inbox_id TEXT,
            url TEXT NOT NULL,
            secret TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            failing_since INTEGER,
            disabled_at INTEGER,
            disabled_reason TEXT,
            deleted_at INTEGER
        );
        CREATE INDEX webhooks_account ON webhooks(account_id);
        CREATE TABLE webhook_deliveries (
            id INTEGER PRIMARY KEY,
            webhook_id TEXT NOT NULL REFERENCES webhooks(id),
            message_id TEXT NOT NULL UNIQUE,
            email_id TEXT NOT NULL,
            event_id INTEGER NOT NULL,
            payload TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            status TEXT NOT NULL DEFAULT 'pending',
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_attempt_at INTEGER,
            last_status INTEGER,
            last_error TEXT,
            delivered_at INTEGER
        );
        CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(webhook_id, id)
            WHERE status = 'pending';
        CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(webhook_id, id);
        """,
    ),
    (
        "0008_refusals",
        """
        CREATE TABLE smtp_refusals (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            stage TEXT NOT NULL,
            client_ip TEXT NOT NULL,
            mail_from TEXT NOT NULL,
            rcpt TEXT NOT NULL,
            domain TEXT NOT NULL,
            account_id INTEGER,  -- whose inbox or verified domain the address was on, if anyone's
            inbox_id TEXT,
            reply TEXT NOT NULL,
            reason TEXT NOT NULL
        );
        CREATE INDEX smtp_refusals_account ON smtp_refusals(account_id, id);
        CREATE INDEX smtp_refusals_at ON smtp_refusals(at);
        """,
    ),
]

# SQLite only: the full-text index (a PostgreSQL backend would use a tsvector column and a
# GIN index instead). External content: the index stores no second copy of the text.
SQLITE_MIGRATIONS: list[tuple[str, str]] = [
    (
        "0009_search_fts5",
        """
        CREATE VIRTUAL TABLE email_search USING fts5(
            subject, text, mail_from, rcpt, content='emails', content_rowid='seq',
            tokenize = 'unicode61 remove_diacritics 2'
        );
        INSERT INTO email_search(email_search) VALUES ('rebuild');
        CREATE TRIGGER email_search_insert AFTER INSERT ON emails BEGIN
            INSERT INTO email_search(rowid, subject, text, mail_from, rcpt)
            VALUES (NEW.seq, NEW.subject, NEW.text, NEW.mail_from, NEW.rcpt);
        END;
        CREATE TRIGGER email_search_delete AFTER DELETE ON emails BEGIN
            INSERT INTO email_search(email_search, rowid, subject, text, mail_from, rcpt)
            VALUES ('delete', OLD.seq, OLD.subject, OLD.text, OLD.mail_from, OLD.rcpt);
        END;
        """,
    ),
    (
        # Prefix indexes: without them FTS5 merges the postings of every word starting so
        # before the first row comes out (`w43*` over 1M emails: 50 ms). The account and the
        # inbox are indexed too, so that a search is narrowed inside the index: filtering the
        # joined emails instead walks every other account's matches first (2 s for a small
        # account's common word beside a million other emails). An FTS5 table's columns and
        # options are fixed when it is created, so the table is made again and filled from
        # the emails (about a minute per million emails, on the first start of this version).
        "0010_search_prefix",
        """
        DROP TRIGGER email_search_insert;
        DROP TRIGGER email_search_delete;
        DROP TABLE email_search;
        CREATE VIRTUAL TABLE email_search USING fts5(
            subject, text, mail_from, rcpt, account_id, inbox_pk, content='emails', content_rowid='seq',
            tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3'
        );
        INSERT INTO email_search(email_search) VALUES ('rebuild');
        CREATE TRIGGER email_search_insert AFTER INSERT ON emails BEGIN
            INSERT INTO email_search(rowid, subject, text, mail_from, rcpt, account_id, inbox_pk)
            VALUES (NEW.seq, NEW.subject, NEW.text, NEW.mail_from, NEW.rcpt, NEW.account_id, NEW.inbox_pk);
        END;
        CREATE TRIGGER email_search_delete AFTER DELETE ON emails BEGIN
            INSERT INTO email_search(
                email_search, rowid, subject, text, mail_from, rcpt, account_id, inbox_pk
            ) VALUES (
                'delete', OLD.seq, OLD.subject, OLD.text, OLD.mail_from, OLD.rcpt,
                OLD.account_id, OLD.inbox_pk
            );
        END;
        """,
    ),
    (
        # The index's own list of words, read to turn a prefix longer than the prefix
        # indexes (`w0001*`) into an OR of whole words, which FTS5 reads lazily, newest
        # first, instead of merging every matching word's postings before the first row.
        # 'instance' (one row per occurrence, produced as it is read) and not 'row': a
        # 'row' vocabulary counts every posting of a word before yielding it.
        "0011_search_terms",
        "CREATE VIRTUAL TABLE email_search_terms USING fts5vocab(email_search, 'instance');",
    ),
]

MIGRATIONS += SQLITE_MIGRATIONS


def split_sql(script: str) -> list[str]:
    """Split a migration into statements; triggers keep their inner semicolons."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            if buffer.strip():
                statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
