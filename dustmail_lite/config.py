"""Configuration: a typed schema with defaults, loaded from TOML.

Every key has a default, so no file at all is a working configuration.
`load()` refuses unknown keys and bad values with a message that names the file,
the key and what is wrong.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .keys import valid_account_name

ENV_VAR = "DUSTMAIL_CONFIG"
APP_DIR_NAME = "dustmail-lite"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message says why."""


# Value kinds. Each key's kind decides how its TOML value is checked and converted.
DURATION = "duration"  # "10s", "30m", "1h", "365d" or integer seconds -> float seconds
SIZE = "size"  # "10MB", "512KB" or integer bytes -> int bytes
INT = "int"
BOOL = "bool"
STR = "str"
STR_LIST = "str_list"


_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"B": 1, "KB": 1024, "MB": 1024**2, "GB": 1024**3, None: 1}


def parse_duration(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueError('expected a duration such as "30s", "5m", "1h" or "365d"')
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        match = _DURATION_RE.match(value)
        if match:
            return float(match.group(1)) * _DURATION_UNITS[match.group(2)]
    raise ValueError(f'{value!r} is not a duration such as "30s", "5m", "1h" or "365d"')


def parse_size(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError('expected a size such as "512KB" or "10MB"')
    if isinstance(value, int):
        if value < 0:
            raise ValueError("a size cannot be negative")
        return value
    if isinstance(value, str):
        match = _SIZE_RE.match(value)
        if match:
            unit = match.group(2).upper() if match.group(2) else None
            return int(match.group(1)) * _SIZE_UNITS[unit]
    raise ValueError(f'{value!r} is not a size such as "512KB" or "10MB"')


def _convert(value: Any, kind: str) -> Any:
    if kind == DURATION:
        return parse_duration(value)
    if kind == SIZE:
        return parse_size(value)
    if kind == INT:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {value!r}")
        return value
    if kind == BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value
    if kind == STR:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        return value
    if kind == STR_LIST:
        if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of strings, got {value!r}")
        return tuple(value)
    raise AssertionError(kind)


def setting(default: Any, kind: str, help: str, minimum: float | None = None) -> Any:
    """A config key: its default as written in TOML, its kind and its one-line help."""
    metadata = {"kind": kind, "help": help, "minimum": minimum, "written": default}
    return field(default=_convert(default, kind), metadata=metadata)


@dataclass(frozen=True)
class StorageConfig:
    path: str = setting(
        "dustmail.sqlite3",
        STR,
        "SQLite database file, created by serve (mode 0600); a relative path is relative to this"
        " file's folder (with no config file: to $XDG_DATA_HOME/dustmail-lite, by default"
        " ~/.local/share/dustmail-lite)",
    )
    url: str = setting(
        "", STR, "PostgreSQL instead of the file: postgresql://user:password@host:5432/database"
    )
    min_free_disk: int = setting(
        "100MB", SIZE, "free space kept on the database's file system; below it mail gets 452 4.3.1"
    )


@dataclass(frozen=True)
class HttpConfig:
    host: str = setting("127.0.0.1", STR, "address the HTTP API listens on")
    port: int = setting(8025, INT, "HTTP port", minimum=0)
    max_body_size: int = setting("64KB", SIZE, "largest request body accepted (413 past it)")
    auth_failures: int = setting(
        20,
        INT,
        "failed authentications per client address (IPv6: per /64) per minute; past it"
        " requests with a bad key get 429 (a valid key is never refused)",
        1,
    )
    trusted_proxies: tuple[str, ...] = setting(
        (),
        STR_LIST,
        "addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed;"
        " empty = $FORWARDED_ALLOW_IPS, else 127.0.0.1 only",
    )


@dataclass(frozen=True)
class SmtpConfig:
    host: str = setting("127.0.0.1", STR, "address the SMTP listener binds (0.0.0.0 for an MX)")
    port: int = setting(1025, INT, "SMTP port (25 for an MX)", minimum=0)
    hostname: str = setting("localhost", STR, "name in the banner; MX records of custom domains point here")
    max_message_size: int = setting("10MB", SIZE, "largest message accepted (552 past it)", 1)
    max_recipients: int = setting(100, INT, "recipients per message (452 past it)", 1)
    max_line_length: int = setting(
        1001, INT, "longest body line in bytes with CRLF and dot-stuffing (RFC 5321: 1001); 500 past it", 80
    )
    max_command_length: int = setting(
        512, INT, "longest command line in bytes (RFC 5321: 512); 500 past it", 64
    )
    idle_timeout: float = setting("60s", DURATION, "a client silent this long is disconnected", 1)
    transaction_timeout: float = setting(
        "300s", DURATION, "longest a client may take from MAIL FROM to the end of DATA", 1
    )
    shutdown_grace: float = setting(
        "10s", DURATION, "on shutdown, how long transactions under way may take to finish"
    )
    max_connections: int = setting(200, INT, "simultaneous SMTP connections in total (421 past it)", 1)
    max_connections_per_ip: int = setting(
        20, INT, "simultaneous SMTP connections per client address (IPv6: per /64)", 1
    )
    max_connections_per_minute: int = setting(
        60, INT, "new connections per client address (IPv6: per /64) per minute (421 past it)", 1
    )
    unlimited_clients: tuple[str, ...] = setting(
        ("127.0.0.0/8", "::1"),
        STR_LIST,
        "client networks exempt from the per-client rates below"
        " (connections per minute, recipient probing, catch-all creations, command budget): local apps, CI",
    )
    max_session_time: float = setting(
        "10m", DURATION, "longest an SMTP session may last, however busy (421 and close)", 1
    )
    max_commands: int = setting(
        500, INT, "commands per session, NOOP and RSET included (421 and close past it)", 1
    )
    probe_window: float = setting(
        "10m", DURATION, "window in which unknown recipients (550) are counted per client address", 1
    )
    probe_tarpit_after: int = setting(
        5, INT, "unknown recipients per client address and window before each RCPT reply is delayed", 1
    )
    probe_tarpit_delay: float = setting("3s", DURATION, "that delay, per RCPT")
    probe_max: int = setting(
        20, INT, "unknown recipients per client address and window before 421 (new sessions too)", 1
    )
    max_errors: int = setting(10, INT, "refused commands per session before 421 and disconnect", 1)
    max_header_size: int = setting("256KB", SIZE, "largest header block accepted (552 past it)", 1)
    max_mime_parts: int = setting(1000, INT, "MIME parts parsed per message; past it only raw is kept", 1)
    max_mime_depth: int = setting(20, INT, "MIME nesting parsed; past it only raw is kept", 1)
    parse_workers: int = setting(
        0, INT, "worker processes that parse messages (off the event loop); 0 = one per CPU core", 0
    )
    parse_timeout: float = setting(
        "10s",
        DURATION,
        "time one message's parse may take; past it the worker is replaced and the"
        ' message stored unparsed (parse_error "timeout")',
        0.01,
    )
    processes: int = setting(
        1,
        INT,
        "processes that run the SMTP protocol on this port (SO_REUSEPORT); serve stays the one writer"
        " and arbiter of the limits; 0 = one per CPU core",
        0,
    )
    catch_all_owner: str = setting(
        "", STR, "account that owns inboxes created on first delivery to any address (sink mode)"
    )
    accept_any_domain: bool = setting(
        False, BOOL, "with catch_all_owner: accept mail for every domain, not only served ones"
    )
    accept_any_domain_on_public_listener: bool = setting(
        False,
        BOOL,
        "acknowledge that accept_any_domain on a non-loopback host is an open mail drop;"
        " without it serve refuses to start",
    )
    catch_all_max_inboxes: int = setting(
        10000, INT, "active inboxes the catch-all account may hold; past it new addresses get 452", 1
    )
    catch_all_max_per_client: int = setting(
        100, INT, "inboxes catch-all creates per client address (IPv6: per /64) per hour; 450 past it", 1
    )
    tls_cert: str = setting(
        "", STR, "PEM certificate chain for STARTTLS (e.g. Let's Encrypt fullchain.pem); empty = no STARTTLS"
    )
    tls_key: str = setting("", STR, "PEM private key of tls_cert; both are reloaded on SIGHUP")
    subaddress_separator: str = setting(
        "+", STR, "name+tag@domain delivers to name@domain with the tag; empty = no sub-addressing"
    )


@dataclass(frozen=True)
class DomainsConfig:
    primary: str = setting("dustmail.localhost", STR, "domain of Free inboxes, listed first")
    shared: tuple[str, ...] = setting((), STR_LIST, "extra shared domains Premium keys may pick")
    claim_ttl: float = setting(
        "3d", DURATION, "a pending custom-domain claim not verified within this is dropped", 1
    )


@dataclass(frozen=True)
class InboxesConfig:
    purge_interval: float = setting("60s", DURATION, "how often expired and deleted inboxes are removed", 1)
    max_emails: int = setting(1000, INT, "emails kept per inbox; the oldest are pruned past it", 1)
    username_quarantine: float = setting(
        "30d", DURATION, "how long an ended address stays reserved before anyone may take it"
    )


@dataclass(frozen=True)
class PlanConfig:
    """What a plan allows: code asks these capabilities, never the plan's name."""

    inbox_ttl: float = setting("30m", DURATION, "lifetime of a new inbox", 1)
    rate_limit: int = setting(100, INT, "requests per window; 0 = unlimited", 0)
    rate_window: float = setting("1h", DURATION, "length of the rate-limit window", 1)
    custom_usernames: bool = setting(False, BOOL, "inboxes may be created with a chosen username")
    shared_domains: bool = setting(
        False, BOOL, "inboxes may be created on domains.shared, not only the primary"
    )
    custom_domains: bool = setting(
        False, BOOL, "the account may claim its own domains and create inboxes on them"
    )
    max_storage: int = setting(
        "100MB", SIZE, "stored mail per account (message sizes); past it 452 4.3.1; 0 = unlimited"
    )
    max_inbox_storage: int = setting("25MB", SIZE, "stored mail per inbox; past it 452 4.3.1; 0 = unlimited")


def _premium_plan() -> PlanConfig:
    return PlanConfig(
        inbox_ttl=365 * 86400,
        rate_limit=0,
        rate_window=3600,
        custom_usernames=True,
        shared_domains=True,
        custom_domains=True,
        max_storage=10 * 1024**3,
        max_inbox_storage=1024**3,
    )


@dataclass(frozen=True)
class PlansConfig:
    free: PlanConfig = field(default_factory=PlanConfig)
    premium: PlanConfig = field(default_factory=_premium_plan)

    def get(self, plan: str) -> PlanConfig:
        """The configuration of the plan called `plan` (a `Plan` or its name)."""
        config: PlanConfig = getattr(self, str(plan))
        return config


@dataclass(frozen=True)
class WaitConfig:
    default_timeout: float = setting("30s", DURATION, "wait timeout when the request names none")
    max_timeout: float = setting("300s", DURATION, "longest wait a request may ask for", 1)
    keepalive: float = setting("15s", DURATION, "interval of keep-alive comments on event streams", 1)
    max_streams_per_account: int = setting(
        10, INT, "open event streams per account (429 too_many_streams past it)", 1
    )
    max_waits_per_account: int = setting(
        300, INT, "waits under way per account (429 too_many_waits past it)", 1
    )
    key_recheck: float = setting(
        "5s", DURATION, "how often streams and waits re-check their key: a revoked key's end", 0.05
    )


@dataclass(frozen=True)
class DnsConfig:
    nameservers: tuple[str, ...] = setting(
        (), STR_LIST, '"HOST" or "HOST:PORT" resolvers; empty = the system resolver'
    )
    timeout: float = setting("5s", DURATION, "time allowed for one DNS lookup", 0.01)
    recheck_interval: float = setting("24h", DURATION, "how often verified domains are re-checked", 1)
    max_failures: int = setting(3, INT, "failed MX re-checks in a row before a domain stops receiving", 1)


@dataclass(frozen=True)
class WebhooksConfig:
    allow_private_targets: bool = setting(
        False, BOOL, "let webhooks reach loopback, private and link-local addresses (SSRF guard off)"
    )
    max_per_account: int = setting(10, INT, "webhook endpoints an account may have", 1)
    timeout: float = setting("10s", DURATION, "time allowed for one delivery attempt", 0.1)
    retry_initial: float = setting("10s", DURATION, "wait before the first retry; doubled after each", 0.01)
    retry_max_interval: float = setting("1h", DURATION, "longest wait between two retries", 0.01)
    disable_after: float = setting(
        "24h", DURATION, "an endpoint failing without a success this long is disabled (reason shown)", 0.01
    )
    public_url: str = setting("", STR, "base URL of this server for links in payloads (empty: paths only)")


@dataclass(frozen=True)
class RefusalsConfig:
    keep: float = setting("7d", DURATION, "how long SMTP refusals are kept for GET /api/v1/refusals", 1)
    max_rows: int = setting(100000, INT, "refusals kept at most (the oldest go first)", 100)


@dataclass(frozen=True)
class MetricsConfig:
    enabled: bool = setting(False, BOOL, "serve Prometheus metrics at GET /metrics")
    allow_remote: bool = setting(False, BOOL, "answer /metrics to any client, not only loopback addresses")


@dataclass(frozen=True)
class WebConfig:
    enabled: bool = setting(True, BOOL, "serve the web dashboard")
    prefix: str = setting("/", STR, "URL path the dashboard is served under")


LOG_LEVELS = ("debug", "info", "warning", "error")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class LoggingConfig:
    level: str = setting("info", STR, "least severe level logged: debug, info, warning or error")
    format: str = setting("text", STR, '"text" (one line per event) or "json" (one JSON object per line)')
    access_log: bool = setting(
        False, BOOL, "log one line per HTTP request (method, path, status; never headers)"
    )
    sql: bool = setting(
        False, BOOL, "log every SQL statement (aiosqlite, at debug level): for debugging only"
    )


def data_dir() -> Path:
    """Where the database lives when no config file says otherwise (XDG base directories)."""
    base = os.environ.get("XDG_DATA_HOME") or ""
    root = Path(base) if Path(base).is_absolute() else Path.home() / ".local" / "share"
    return root / APP_DIR_NAME


@dataclass(frozen=True)
class Config:
    storage: StorageConfig = field(default_factory=StorageConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    smtp: SmtpConfig = field(default_factory=SmtpConfig)
    domains: DomainsConfig = field(default_factory=DomainsConfig)
    inboxes: InboxesConfig = field(default_factory=InboxesConfig)
    plans: PlansConfig = field(default_factory=PlansConfig)
    wait: WaitConfig = field(default_factory=WaitConfig)
    dns: DnsConfig = field(default_factory=DnsConfig)
    web: WebConfig = field(default_factory=WebConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    refusals: RefusalsConfig = field(default_factory=RefusalsConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    source: str = field(default="<defaults>", compare=False)
    # The folder a relative [storage] path is relative to: the config file's; "" = data_dir().
    base_dir: str = field(default="", compare=False)
    # How an operator runs the CLI against this same database (hints in messages); set by the CLI.
    admin_command: str = field(default="dustmail-lite", compare=False)

    def plan(self, name: str) -> PlanConfig:
        return self.plans.get(name)

    @property
    def database(self) -> str:
        """The database file this configuration means, as an absolute path (or ":memory:")."""
        path = self.storage.path
        if path == ":memory:":
            return path
        expanded = Path(path).expanduser()
        if expanded.is_absolute():
            return str(expanded)
        return str((Path(self.base_dir) if self.base_dir else data_dir()) / expanded)


def _is_section(f: dataclasses.Field[Any]) -> bool:
    return "kind" not in f.metadata


def _section_fields(cls: type) -> list[dataclasses.Field[Any]]:
    return [f for f in dataclasses.fields(cls) if f.name not in ("source", "base_dir", "admin_command")]


def _merge(defaults: Any, data: dict[str, Any], prefix: str, source: str) -> Any:
    """Apply `data` over the `defaults` instance of a section."""
    known = {f.name: f for f in _section_fields(type(defaults))}
    for key in data:
        if key not in known:
            raise ConfigError(f"{source}: unknown key '{prefix}{key}'")
    changes: dict[str, Any] = {}
    for name, value in data.items():
        f = known[name]
        where = f"{prefix}{name}"
        if _is_section(f):
            if not isinstance(value, dict):
                raise ConfigError(f"{source}: '{where}' must be a table ([{where}])")
            changes[name] = _merge(getattr(defaults, name), value, where + ".", source)
            continue
        try:
            converted = _convert(value, f.metadata["kind"])
        except ValueError as exc:
            raise ConfigError(f"{source}: '{where}': {exc}") from None
        minimum = f.metadata.get("minimum")
        if minimum is not None and converted < minimum:
            raise ConfigError(f"{source}: '{where}' must be at least {minimum}, got {value!r}")
        changes[name] = converted
    return dataclasses.replace(defaults, **changes)


def from_dict(data: dict[str, Any], source: str = "<dict>", base_dir: str = "") -> Config:
    config: Config = _merge(Config(), data, "", source)
    config = dataclasses.replace(config, source=source, base_dir=base_dir)
    _validate(config)
    return config


def _validate(config: Config) -> None:
    from .domains import DomainError, normalise_domain, parse_nameserver

    source = config.source
    try:
        primary = normalise_domain(config.domains.primary)
        shared = [normalise_domain(d) for d in config.domains.shared]
    except DomainError as exc:
        raise ConfigError(f"{source}: 'domains': {exc}") from None
    if primary in shared:
        raise ConfigError(f"{source}: 'domains.shared' repeats the primary domain {primary!r}")
    url = config.storage.url
    if url and not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"{source}: 'storage.url' must be a postgresql:// URL, got {url.split(':')[0]!r}")
    if bool(config.smtp.tls_cert) != bool(config.smtp.tls_key):
        raise ConfigError(f"{source}: 'smtp.tls_cert' and 'smtp.tls_key' must be set together")
    if len(config.smtp.subaddress_separator) > 1 or config.smtp.subaddress_separator in ("@", " ", '"'):
        raise ConfigError(
            f"{source}: 'smtp.subaddress_separator' must be one character other than '@', space"
            f" or '\"', or empty, got {config.smtp.subaddress_separator!r}"
        )
    prefix = config.web.prefix
    if not prefix.startswith("/"):
        raise ConfigError(f"{source}: 'web.prefix' must start with '/', got {prefix!r}")
    if prefix.rstrip("/").startswith("/api"):
        raise ConfigError(f"{source}: 'web.prefix' cannot be under /api")
    for entry in config.dns.nameservers:
        try:
            parse_nameserver(entry)
        except ValueError as exc:
            raise ConfigError(f"{source}: 'dns.nameservers': {exc}") from None
    for network in config.smtp.unlimited_clients:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ConfigError(
                f"{source}: 'smtp.unlimited_clients': {network!r} is not an address or network"
            ) from None
    if config.logging.level not in LOG_LEVELS:
        raise ConfigError(f"{source}: 'logging.level' must be one of {', '.join(LOG_LEVELS)}")
    if config.logging.format not in LOG_FORMATS:
        raise ConfigError(f'{source}: \'logging.format\' must be "text" or "json"')
    if config.wait.default_timeout > config.wait.max_timeout:
        raise ConfigError(f"{source}: 'wait.default_timeout' is longer than 'wait.max_timeout'")
    owner = config.smtp.catch_all_owner
    if owner and not valid_account_name(owner):
        raise ConfigError(
            f"{source}: 'smtp.catch_all_owner' {owner!r}: an account name may not start or end with"
            " whitespace, or hold a control character"
        )


# Environment variables that override single keys after the file is read, so a container
# (or a systemd drop-in) can set the usual few without writing a file.
ENV_OVERRIDES: dict[str, str] = {
    "DUSTMAIL_STORAGE_PATH": "storage.path",
    "DUSTMAIL_STORAGE_URL": "storage.url",
    "DUSTMAIL_HTTP_HOST": "http.host",
    "DUSTMAIL_HTTP_PORT": "http.port",
    "DUSTMAIL_SMTP_HOST": "smtp.host",
    "DUSTMAIL_SMTP_PORT": "smtp.port",
    "DUSTMAIL_SMTP_HOSTNAME": "smtp.hostname",
    "DUSTMAIL_DOMAINS_PRIMARY": "domains.primary",
    "DUSTMAIL_DOMAINS_SHARED": "domains.shared",  # comma-separated
}


def _env_value(name: str, raw: str, kind: str) -> Any:
    """An environment string as the TOML value its key expects."""
    if kind == INT:
        try:
            return int(raw.strip())
        except ValueError:
            raise ConfigError(f"${name}: expected an integer, got {raw!r}") from None
    if kind == STR_LIST:
        return [part.strip() for part in raw.split(",") if part.strip()]
    return raw


def apply_env_overrides(config: Config, environ: Mapping[str, str]) -> Config:
    """`config` with the keys named by the set ENV_OVERRIDES variables replaced.

    Values are checked like the file's; an error names the variable. The result's
    `source` lists the variables used. Call `_validate` afterwards.
    """
    used = [name for name in ENV_OVERRIDES if name in environ]
    for name in used:
        section, key = ENV_OVERRIDES[name].split(".")
        kind = next(f for f in dataclasses.fields(getattr(config, section)) if f.name == key).metadata["kind"]
        value = _env_value(name, environ[name], kind)
        config = _merge(config, {section: {key: value}}, "", f"${name}")
    if not used:
        return config
    return dataclasses.replace(config, source=f"{config.source} + {', '.join('$' + n for n in used)}")


def load(path: str | os.PathLike[str] | None = None) -> Config:
    """Load the config file at `path`, or $DUSTMAIL_CONFIG, or the defaults; then apply
    the DUSTMAIL_* variables of ENV_OVERRIDES over it."""
    if path is None:
        path = os.environ.get(ENV_VAR) or None
    if path is None:
        config = Config()
    else:
        config = from_dict(_read_toml(path), str(path), base_dir=str(Path(path).resolve().parent))
    config = apply_env_overrides(config, os.environ)
    if os.environ.get("DUSTMAIL_STORAGE_PATH") and config.storage.path != ":memory:":
        # Like --db: a relative path is relative to the current folder.
        config = with_overrides(config, storage={"path": os.path.abspath(config.storage.path)})
    _validate(config)
    return config


def _read_toml(path: str | os.PathLike[str]) -> dict[str, Any]:
    source = str(path)
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{source}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None


def with_overrides(config: Config, **sections: dict[str, Any]) -> Config:
    """`config` with some keys replaced, e.g. from command-line options: {"http": {"port": 8080}}."""
    changes = {
        name: dataclasses.replace(getattr(config, name), **values)
        for name, values in sections.items()
        if values
    }
    return dataclasses.replace(config, **changes)


def documented_keys(cls: type = Config, prefix: str = "") -> dict[str, tuple[Any, str]]:
    """Every leaf key as 'section.key' -> (default as written, help text)."""
    out: dict[str, tuple[Any, str]] = {}
    instance = cls()
    for f in _section_fields(cls):
        if _is_section(f):
            out.update(_documented_section(getattr(instance, f.name), prefix + f.name + "."))
    return out


def _documented_section(instance: Any, prefix: str) -> dict[str, tuple[Any, str]]:
    out: dict[str, tuple[Any, str]] = {}
    for f in _section_fields(type(instance)):
        value = getattr(instance, f.name)
        if _is_section(f):
            out.update(_documented_section(value, prefix + f.name + "."))
        else:
            out[prefix + f.name] = (value, f.metadata["help"])
    return out
