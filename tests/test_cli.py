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


# --- which database, and help --------------------------------------------------


def _invoke(*args: str, expect: int = 0):
    from click.testing import CliRunner

    from dustmail_lite.cli import main

    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == expect, (result.exit_code, result.output, result.stderr)
    return result


def test_a_relative_storage_path_is_relative_to_the_config_file_not_the_current_folder(tmp_path, monkeypatch):
    config_dir, elsewhere = tmp_path / "etc", tmp_path / "elsewhere"
    config_dir.mkdir()
    elsewhere.mkdir()
    (config_dir / "c.toml").write_text('[storage]\npath = "data/mail.sqlite3"\n')
    monkeypatch.chdir(elsewhere)
    expected = config_dir / "data" / "mail.sqlite3"
    result = _invoke("--config", "../etc/c.toml", "init")
    assert f"database: {expected} (created)" in result.stderr
    assert expected.exists() and list(elsewhere.iterdir()) == []
    result = _invoke("--config", str(config_dir / "c.toml"), "keys", "create", "--owner", "me")
    assert result.stderr.startswith(f"database: {expected}\n")


def test_without_a_config_the_database_is_in_the_xdg_data_folder_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("DUSTMAIL_CONFIG", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    expected = tmp_path / "data" / "dustmail-lite" / "dustmail.sqlite3"
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        monkeypatch.chdir(tmp_path / folder)
        _invoke("init")
        _invoke("keys", "create", "--owner", folder)
    listed = json.loads(_invoke("keys", "list", "--json").stdout)
    assert sorted(k["account"] for k in listed) == ["one", "two"]
    assert expected.exists() and not list((tmp_path / "one").iterdir())
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    result = _invoke("keys", "list", expect=1)
    assert str(tmp_path / "home" / ".local/share/dustmail-lite/dustmail.sqlite3") in result.stderr


def test_admin_commands_never_create_a_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    missing = tmp_path / "nope.sqlite3"
    for args in (["keys", "list"], ["keys", "create", "--owner", "me"], ["accounts", "list"], ["purge"],
                 ["backup", str(tmp_path / "b.sqlite3")]):
        result = _invoke("--db", "nope.sqlite3", *args, expect=1)
        assert f"no database at {missing}" in result.stderr and "`serve` creates it" in result.stderr
        assert "--db" in result.stderr and "init" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_options_that_go_before_the_subcommand_get_a_hint(tmp_path):
    result = _invoke("keys", "list", "--config", "x.toml", expect=2)
    assert "--config goes before the subcommand: dustmail-lite --config FILE keys list" in result.stderr
    result = _invoke("purge", "--db", "x.sqlite3", expect=2)
    assert "--db goes before the subcommand: dustmail-lite --db DB_FILE purge" in result.stderr


def test_every_command_and_option_has_help_text():
    import click

    from dustmail_lite.cli import main

    def walk(command: click.Command, path: str):
        yield path, command
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                yield from walk(sub, f"{path} {name}")

    for path, command in walk(main, "dustmail-lite"):
        assert command.help, f"{path} has no help text"
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"{path} {param.opts[0]} has no help text"


def test_purge_names_its_database_and_reports(env):
    from dustmail_lite.store.postgres import redacted

    result = env.cli("purge")
    named = redacted(env.config.storage.url) if env.config.storage.url else env.config.database
    assert result.stderr.splitlines() == [f"database: {named}", "Purged 0 inboxes and 0 emails."]


def test_the_storage_variable_is_relative_to_the_current_folder_and_hints_name_the_config(tmp_path, monkeypatch):
    (tmp_path / "etc").mkdir()
    (tmp_path / "work").mkdir()
    config = tmp_path / "etc" / "c.toml"
    config.write_text('[storage]\npath = "from-file.sqlite3"\n')
    monkeypatch.chdir(tmp_path / "work")
    monkeypatch.setenv("DUSTMAIL_CONFIG", str(config))
    monkeypatch.setenv("DUSTMAIL_STORAGE_PATH", "here.sqlite3")
    result = _invoke("init")
    assert f"database: {tmp_path / 'work' / 'here.sqlite3'} (created)" in result.stderr
    monkeypatch.delenv("DUSTMAIL_STORAGE_PATH")
    result = _invoke("keys", "list", expect=1)
    assert f"no database at {tmp_path / 'etc' / 'from-file.sqlite3'}" in result.stderr
    assert f"--config {config} init" in result.stderr


BAD_ACCOUNT_NAMES = ("evil\nINFO fake line", "cr\rname", "tab\tname", " lead", "trail ", "", "bell\x07",
                     "esc\x1b[2Jx", "del\x7fx", "nel\x85x", "line\u2028sep", "bidi\u202ex")


def test_account_names_with_control_characters_or_outer_whitespace_are_refused(env):
    env.key("ok")  # an account the other commands could name
    for bad in BAD_ACCOUNT_NAMES:
        for args in (("keys", "create", "--owner", bad), ("keys", "create", "--owner", bad, "--plan", "premium"),
                     ("accounts", "set-plan", bad, "premium"), ("domains", "add", "brand.example", "--owner", bad),
                     ("webhooks", "create", "https://1.1.1.1/x", "--owner", bad), ("webhooks", "list", "--owner", bad),
                     ("webhooks", "deliveries", "wh_0", "--owner", bad), ("webhooks", "delete", "wh_0", "--owner", bad)):
            result = env.cli(*args, expect=2)
            assert "an account name may not be empty" in result.stderr, (args, result.stderr)
            assert result.stdout == ""
    accounts = json.loads(env.cli("accounts", "list", "--json").stdout)
    assert [a["name"] for a in accounts] == ["ok"]
    assert [k["account"] for k in json.loads(env.cli("keys", "list", "--json").stdout)] == ["ok"]
    assert json.loads(env.cli("domains", "list", "--json").stdout) == []
    # Inner spaces and non-ASCII letters stay allowed.
    env.key("Acme Corp")
    env.key("Zoë")
    assert sorted(a["name"] for a in json.loads(env.cli("accounts", "list", "--json").stdout)) == ["Acme Corp", "Zoë", "ok"]


def test_the_reported_newline_owner_is_refused_by_the_installed_command(env):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "dustmail_lite", "--config", str(env.config_path), "keys", "create", "--owner",
         "evil\nINFO fake line"],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert "Invalid value for '--owner'" in result.stderr and "'evil\\nINFO fake line'" in result.stderr
    assert not any(line.startswith("INFO fake line") for line in result.stderr.splitlines())
    assert json.loads(env.cli("accounts", "list", "--json").stdout) == []
