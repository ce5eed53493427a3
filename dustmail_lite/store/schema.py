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
]


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
