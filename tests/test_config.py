"""The config schema: example file == defaults, every key documented, clear refusals."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dustmail_lite.config import (
    ENV_OVERRIDES,
    ENV_VAR,
    Config,
    ConfigError,
    documented_keys,
    load,
    parse_duration,
    parse_size,
)

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "config.example.toml"


def test_example_equals_the_defaults():
    assert load(EXAMPLE) == Config()


def test_example_documents_every_key_with_a_comment():
    text = EXAMPLE.read_text()
    sections = {}
    current = None
    for line in text.splitlines():
        if m := re.match(r"^\[(.+)\]$", line):
            current = m.group(1)
        elif m := re.match(r"^(\w+) = ", line):
            sections.setdefault(current, []).append(m.group(1))
    present = {f"{s}.{k}" for s, keys in sections.items() for k in keys}
    assert present == set(documented_keys())
    for line_no, line in enumerate(text.splitlines()):
        if re.match(r"^\w+ = ", line):
            assert text.splitlines()[line_no - 1].startswith("# "), f"undocumented: {line}"


def test_no_file_means_defaults(monkeypatch):
    monkeypatch.delenv("DUSTMAIL_CONFIG", raising=False)
    config = load()
    assert config.storage.path == "dustmail.sqlite3"
    assert (config.http.host, config.http.port) == ("127.0.0.1", 8025)
    assert (config.smtp.host, config.smtp.port, config.smtp.hostname) == ("127.0.0.1", 1025, "localhost")
    assert config.smtp.max_message_size == 10 * 1024 * 1024 and config.smtp.max_recipients == 100
    assert config.domains.primary == "dustmail.localhost" and config.domains.shared == ()
    assert config.inboxes.purge_interval == 60 and config.inboxes.max_emails == 1000
    assert config.plans.free.inbox_ttl == 1800 and config.plans.free.rate_limit == 100
    assert config.plans.free.rate_window == 3600
    assert config.plans.premium.inbox_ttl == 365 * 86400 and config.plans.premium.rate_limit == 0


def test_env_var_names_the_file(monkeypatch, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[http]\nport = 9999\n')
    monkeypatch.setenv("DUSTMAIL_CONFIG", str(path))
    assert load().http.port == 9999


@pytest.mark.parametrize(
    "text,message",
    [
        ("[http]\nprot = 1\n", "unknown key 'http.prot'"),
        ("[nope]\n", "unknown key 'nope'"),
        ("[plans.gold]\ninbox_ttl = 5\n", "unknown key 'plans.gold'"),
        ("[http]\nport = \"eighty\"\n", "'http.port': expected an integer"),
        ("[smtp]\nmax_message_size = \"10 parsecs\"\n", "'smtp.max_message_size': '10 parsecs' is not a size"),
        ("[plans.free]\ninbox_ttl = \"soon\"\n", "'plans.free.inbox_ttl': 'soon' is not a duration"),
        ("[plans.free]\nrate_limit = -1\n", "'plans.free.rate_limit' must be at least 0"),
        ("[domains]\nshared = \"a.example\"\n", "'domains.shared': expected a list of strings"),
        ("[domains]\nprimary = \"not a domain\"\n", "'domains'"),
        ("[smtp]\naccept_any_domain = \"yes\"\n", "'smtp.accept_any_domain': expected true or false"),
        ("[smtp]\ntls_cert = \"/etc/x.pem\"\n", "'smtp.tls_cert' and 'smtp.tls_key' must be set together"),
        ("[smtp]\nsubaddress_separator = \"++\"\n", "'smtp.subaddress_separator' must be one character"),
        ("[smtp]\nsubaddress_separator = \"@\"\n", "'smtp.subaddress_separator' must be one character"),
        ("http = 5\n", "'http' must be a table"),
        ("[http\n", "not valid TOML"),
        ("[logging]\nformat = \"xml\"\n", "'logging.format' must be \"text\" or \"json\""),
        ("[logging]\nlevel = \"loud\"\n", "'logging.level' must be one of debug, info, warning, error"),
        ("[smtp]\ncatch_all_owner = \"dev\\nINFO forged\"\n", "'smtp.catch_all_owner' 'dev\\nINFO forged'"),
        ("[smtp]\ncatch_all_owner = \" dev\"\n", "'smtp.catch_all_owner' ' dev': an account name may not"),
    ],
)
def test_bad_config_is_refused_naming_file_and_key(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as exc:
        load(path)
    assert str(exc.value).startswith(str(path) + ":")
    assert message in str(exc.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    "text,seconds",
    [("10s", 10), ("30m", 1800), ("1h", 3600), ("365d", 365 * 86400), (45, 45), ("250ms", 0.25), ("7", 7)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text,size", [("10MB", 10 * 1024**2), ("512KB", 512 * 1024), (1000, 1000), ("2gb", 2 * 1024**3)])
def test_sizes(text, size):
    assert parse_size(text) == size


# --- DUSTMAIL_* environment overrides ------------------------------------------------


@pytest.fixture
def no_config_env(monkeypatch):
    for name in [ENV_VAR, *ENV_OVERRIDES]:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    "name,value,key,expected",
    [
        ("DUSTMAIL_STORAGE_PATH", "/data/mail.sqlite3", "storage.path", "/data/mail.sqlite3"),
        ("DUSTMAIL_STORAGE_URL", "postgresql://dm@db/mail", "storage.url", "postgresql://dm@db/mail"),
        ("DUSTMAIL_HTTP_HOST", "0.0.0.0", "http.host", "0.0.0.0"),
        ("DUSTMAIL_HTTP_PORT", "18025", "http.port", 18025),
        ("DUSTMAIL_SMTP_HOST", "0.0.0.0", "smtp.host", "0.0.0.0"),
        ("DUSTMAIL_SMTP_PORT", " 2525 ", "smtp.port", 2525),
        ("DUSTMAIL_SMTP_HOSTNAME", "mx.example.org", "smtp.hostname", "mx.example.org"),
        ("DUSTMAIL_DOMAINS_PRIMARY", "example.org", "domains.primary", "example.org"),
        ("DUSTMAIL_DOMAINS_SHARED", "a.example, b.example,,", "domains.shared", ("a.example", "b.example")),
        ("DUSTMAIL_DOMAINS_SHARED", "", "domains.shared", ()),
    ],
)
def test_each_env_variable_sets_its_key(no_config_env, name, value, key, expected):
    assert ENV_OVERRIDES[name] == key
    no_config_env.setenv(name, value)
    config = load()
    section, field_name = key.split(".")
    assert getattr(getattr(config, section), field_name) == expected
    assert config.source == f"<defaults> + ${name}"
    # Everything else keeps its default.
    untouched = {k: v for k, v in documented_keys().items() if k != key}
    defaults = documented_keys()
    assert untouched == {k: defaults[k] for k in untouched}


def test_env_variables_win_over_the_file(no_config_env, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[http]\nport = 9999\nhost = "127.0.0.2"\n[smtp]\nport = 2500\n')
    no_config_env.setenv("DUSTMAIL_CONFIG", str(path))
    no_config_env.setenv("DUSTMAIL_HTTP_PORT", "8080")
    no_config_env.setenv("DUSTMAIL_SMTP_HOST", "0.0.0.0")
    config = load()
    assert (config.http.host, config.http.port) == ("127.0.0.2", 8080)  # host from the file
    assert (config.smtp.host, config.smtp.port) == ("0.0.0.0", 2500)
    assert config.source == f"{path} + $DUSTMAIL_HTTP_PORT, $DUSTMAIL_SMTP_HOST"


def test_other_dustmail_variables_are_left_alone(no_config_env):
    no_config_env.setenv("DUSTMAIL_KEY", "dm_live_x")  # what a client's tests might export
    no_config_env.setenv("DUSTMAIL_HTTP_PROT", "1")
    assert load() == Config()


@pytest.mark.parametrize(
    "name,value,message",
    [
        ("DUSTMAIL_HTTP_PORT", "eighty", "$DUSTMAIL_HTTP_PORT: expected an integer, got 'eighty'"),
        ("DUSTMAIL_SMTP_PORT", "-1", "$DUSTMAIL_SMTP_PORT: 'smtp.port' must be at least 0"),
        ("DUSTMAIL_DOMAINS_PRIMARY", "not a domain", "$DUSTMAIL_DOMAINS_PRIMARY: 'domains'"),
        ("DUSTMAIL_DOMAINS_SHARED", "dustmail.localhost", "repeats the primary domain"),
    ],
)
def test_bad_env_values_are_refused_naming_the_variable(no_config_env, name, value, message):
    no_config_env.setenv(name, value)
    with pytest.raises(ConfigError) as exc:
        load()
    assert message in str(exc.value)
    assert f"${name}" in str(exc.value)


def test_every_env_variable_is_documented():
    readme = (ROOT / "README.md").read_text()
    example = EXAMPLE.read_text()
    for name, key in ENV_OVERRIDES.items():
        assert f"`{name}`" in readme and f"`{key}`" in readme, name
        assert name in example, name
ABUSE_LIMITS = [
    "smtp.max_session_time", "smtp.max_commands", "smtp.idle_timeout", "smtp.transaction_timeout",
    "smtp.max_connections", "smtp.max_connections_per_ip", "smtp.max_connections_per_minute",
    "smtp.probe_window", "smtp.probe_tarpit_after", "smtp.probe_tarpit_delay", "smtp.probe_max",
    "smtp.max_errors", "plans.X.max_inbox_storage", "plans.X.max_storage", "storage.min_free_disk",
    "smtp.catch_all_max_per_client", "smtp.catch_all_max_inboxes", "http.auth_failures",
    "wait.max_streams_per_account", "wait.max_waits_per_account", "wait.key_recheck", "domains.claim_ttl",
    "smtp.unlimited_clients",
]


def test_readme_security_section_lists_every_abuse_limit_with_its_key():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    security = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    keys = documented_keys()
    for key in ABUSE_LIMITS:
        assert f"`{key}`" in security, f"README Security section does not list {key}"
        assert key.replace(".X.", ".free.") in keys, f"{key} is not a config key"
    assert "FORWARDED_ALLOW_IPS" in readme and "[http] trusted_proxies" in readme


def test_readme_configuration_table_lists_every_key():
    """A key missing from the README's Configuration table is a key an operator never finds."""
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    table = readme.split("\n## Configuration\n", 1)[1].split("\nA few keys can also be set", 1)[0]
    rows = {line.split("|")[1].strip(): line.split("|")[2] for line in table.splitlines() if line.startswith("| `[")}
    for key in documented_keys():
        section, _, name = key.rpartition(".")
        row = "`[plans.free]`, `[plans.premium]`" if section.startswith("plans.") else f"`[{section}]`"
        assert row in rows, f"README Configuration table has no row for [{section}]"
        assert f"`{name}`" in rows[row], f"README Configuration table does not list {key}"
