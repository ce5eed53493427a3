"""The operator's CLI, through click's CliRunner against a real database file."""

from __future__ import annotations

import json
import os

import pytest

from dustmail_lite import keys


def test_keys_create_prints_only_the_key_on_stdout(env):
    result = env.cli("keys", "create", "--owner", "me", "--label", "laptop")
    key = result.stdout.strip()
    assert keys.is_well_formed(key) and result.stdout == key + "\n"
    assert "shown only once" in result.stderr
    assert len(key) >= len("dm_live_") + 43


def test_keys_list_and_revoke(env):
    key = env.key("me")
    listed = json.loads(env.cli("keys", "list", "--json").stdout)
    assert [(k["account"], k["plan"], k["revoked_at"]) for k in listed] == [("me", "free", None)]
    assert listed[0]["prefix"] == key[:14] + "..."
    assert key not in env.cli("keys", "list").stdout
    env.cli("keys", "revoke", listed[0]["id"])
    assert json.loads(env.cli("keys", "list", "--json").stdout)[0]["revoked_at"]
    result = env.cli("keys", "revoke", listed[0]["id"], expect=1)
    assert "no active key" in result.stderr


def test_revoke_by_key_reads_it_from_stdin_never_from_argv(env):
    key = env.key("me")
    refused = env.cli("keys", "revoke", key, expect=2)
    assert "--stdin" in refused.stderr
    assert not json.loads(env.cli("keys", "list", "--json").stdout)[0]["revoked_at"]
    env.cli("keys", "revoke", "--stdin", input=key + "\n")
    assert json.loads(env.cli("keys", "list", "--json").stdout)[0]["revoked_at"]
    again = env.cli("keys", "revoke", "--stdin", input=key + "\n", expect=1)
    assert "no active key" in again.stderr
    env.cli("keys", "revoke", "--stdin", input="junk\n", expect=1)


def test_keys_belong_to_one_account_and_plans_change(env):
    env.key("fam", "premium")
    env.key("fam")  # no --plan: the account keeps its plan
    accounts = json.loads(env.cli("accounts", "list", "--json").stdout)
    assert [(a["name"], a["plan"], a["active_keys"]) for a in accounts] == [("fam", "premium", 2)]
    env.cli("accounts", "set-plan", "fam", "free")
    assert json.loads(env.cli("accounts", "list", "--json").stdout)[0]["plan"] == "free"
    result = env.cli("accounts", "set-plan", "ghost", "free", expect=1)
    assert "no account named 'ghost'" in result.stderr


def test_bad_config_is_a_clean_cli_error(tmp_path):
    from click.testing import CliRunner

    from dustmail_lite.cli import main

    path = tmp_path / "c.toml"
    path.write_text("[smtp]\nbogus = 1\n")
    result = CliRunner().invoke(main, ["--config", str(path), "keys", "list"])
    assert result.exit_code == 1
    assert f"{path}: unknown key 'smtp.bogus'" in result.stderr


@pytest.mark.sqlite_only(reason="`backup` copies the SQLite file (PostgreSQL has pg_dump)")
def test_backup_is_a_consistent_copy(env, tmp_path):
    import sqlite3

    env.key("me")
    target = tmp_path / "backup.sqlite3"
    env.cli("backup", str(target))
    with sqlite3.connect(target) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert db.execute("SELECT name FROM accounts").fetchall() == [("me",)]


def test_serve_says_in_one_line_when_the_database_server_cannot_be_reached(tmp_path):
    import subprocess
    import sys

    from helpers import free_port, write_toml

    path = tmp_path / "c.toml"
    write_toml(path, {"http": {"port": free_port()}, "smtp": {"port": free_port()}})
    nobody_there = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "dustmail_lite", "--config", str(path), "serve"],
        env={**os.environ, "DUSTMAIL_STORAGE_URL": f"postgresql://dm@127.0.0.1:{nobody_there}/mail"},
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 1, result.stderr
    assert "[storage] url: database unreachable" in result.stderr
    assert "Traceback" not in result.stderr
