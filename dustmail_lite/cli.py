"""The `dustmail-lite` command: serve, and the operator's keys/accounts/domains tools."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import shlex
import shutil
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator
from functools import wraps
from pathlib import Path
from typing import Any

import click
import uvicorn

from . import __version__, keys, logs
from .api import timestamp
from .config import LOG_LEVELS, Config, ConfigError, load, with_overrides
from .domains import DomainError, DomainNotFound, Domains, DomainTaken, required_records
from .limits import check_open_mail_drop
from .plans import DomainStatus
from .store import PLANS, Store, StoreError, StoreUnavailable, open_target
from .store.copy import copy_store
from .store.postgres import redacted
from .threads import share_the_gil_sooner
from .tls import Certificates, TlsError


def _config(ctx: click.Context) -> Config:
    """The configuration the command line selects (loaded on first use, so `serve --config` works)."""
    state = _state(ctx)
    if state.get("config") is None:
        try:
            config = load(state.get("config_path"))
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from None
        if state.get("db"):
            config = with_overrides(config, storage={"path": os.path.abspath(state["db"])})
        state["config"] = dataclasses.replace(config, admin_command=_admin_command(config, state))
    selected: Config = state["config"]
    return selected


def _state(ctx: click.Context) -> dict[str, Any]:
    state = ctx.find_object(dict)
    assert state is not None, "the main group sets ctx.obj"
    return state


def _executable() -> str:
    """How this program was started, as a command that works from any folder."""
    argv0 = sys.argv[0] if sys.argv else ""
    if Path(argv0).name == "dustmail-lite":
        return shlex.quote(os.path.abspath(argv0) if os.sep in argv0 else shutil.which(argv0) or argv0)
    if Path(argv0).name == "__main__.py":
        return f"{shlex.quote(sys.executable)} -m dustmail_lite"
    return "dustmail-lite"


def _admin_command(config: Config, state: dict[str, Any]) -> str:
    """The command line an operator runs to reach the same database as this process."""
    words = [_executable()]
    if state.get("config_path"):
        words += ["--config", shlex.quote(os.path.abspath(state["config_path"]))]
    if state.get("db"):
        words += ["--db", shlex.quote(config.database)]
    return " ".join(words)


def with_store(fn: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """Run an async command body with the store open; `fn(config, store, ...)`.

    Admin commands never create a database: a missing file means the wrong folder,
    config or --db far more often than a wish for an empty one."""

    @click.pass_context
    @wraps(fn)
    def command(ctx: click.Context, *args: Any, **kwargs: Any) -> Any:
        config = _config(ctx)
        database = config.database
        if config.storage.url:
            database = redacted(config.storage.url)  # a server's database: nothing to find on disk
        elif database != ":memory:" and not Path(database).exists():
            raise click.ClickException(
                f"no database at {database}. `serve` creates it (or `{config.admin_command} init`); "
                "to manage a running server's database, give the same --config or --db as the server."
            )
        info(f"database: {database}")

        async def run() -> Any:
            store = Store.from_config(config)
            async with store:
                return await fn(config, store, *args, **kwargs)

        try:
            return asyncio.run(run())
        except StoreUnavailable as exc:
            raise click.ClickException(f"database {database}: {exc}") from None

    return command


async def _cannot_open_store(config: Config) -> str | None:
    """Why the configured store cannot be opened (migrations included), or None."""
    try:
        async with Store.from_config(config):
            return None
    except StoreError as exc:
        return str(exc)


def info(message: str) -> None:
    click.echo(message, err=True)


def _time(ms: int | None) -> str | None:
    return timestamp(ms) if ms else None


def account_name(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """An account name as the operator types it (a click callback): see `keys.valid_account_name`."""
    if value is not None and not keys.valid_account_name(value):
        raise click.BadParameter(
            f"{value!r}: an account name may not be empty, start or end with whitespace,"
            " or hold a control character"
        )
    return value


class GracefulServer(uvicorn.Server):
    """uvicorn re-raises SIGTERM/SIGINT once it has shut down, so the process would die
    by the signal; after a completed graceful shutdown we exit 0, as systemd expects."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        with super().capture_signals():
            yield
            self._captured_signals.clear()


_GLOBAL_OPTIONS = ("--config", "--db")


class HintingCommand(click.Command):
    """Options that belong before the subcommand get a hint instead of a bare `No such option`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.NoSuchOption as exc:
            if exc.option_name not in _GLOBAL_OPTIONS:
                raise
            value = "FILE" if exc.option_name == "--config" else "DB_FILE"
            raise click.UsageError(
                f"{exc.message.rstrip('.')}. {exc.option_name} goes before the subcommand: "
                f"dustmail-lite {exc.option_name} {value} {ctx.command_path.split(' ', 1)[-1]} ...",
                ctx,
            ) from None


class HintingGroup(HintingCommand, click.Group):
    command_class = HintingCommand
    group_class = type


JSON_HELP = "Print JSON instead of text, for scripts."


@click.group(cls=HintingGroup)
@click.version_option(__version__, prog_name="dustmail-lite")
@click.option(
    "--config",
    "config_path",
    envvar="DUSTMAIL_CONFIG",
    type=click.Path(dir_okay=False),
    help="TOML config file (default: $DUSTMAIL_CONFIG, else the built-in defaults).",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False),
    help="SQLite database file, overriding [storage] path (default: ~/.local/share/dustmail-lite/"
    "dustmail.sqlite3, or relative to the config file's folder).",
)
@click.pass_context
def main(ctx: click.Context, config_path: str | None, db: str | None) -> None:
    """dustmail-lite: a self-hosted temporary-email server (DustMail API + SMTP)."""
    ctx.obj = {"config_path": config_path, "db": db, "config": None}


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database if it does not exist yet (serve does this too)."""
    config = _config(ctx)
    existed = Path(config.database).exists()

    async def run() -> None:
        async with Store.from_config(config):
            pass

    asyncio.run(run())
    info(f"database: {config.database} ({'already there' if existed else 'created'})")


@main.command()
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), help="Same as `dustmail-lite --config`."
)
@click.option("--host", help="HTTP address, overriding [http] host.")
@click.option("--port", type=click.IntRange(0, 65535), help="HTTP port, overriding [http] port.")
@click.option("--smtp-host", help="SMTP address, overriding [smtp] host.")
@click.option("--smtp-port", type=click.IntRange(0, 65535), help="SMTP port, overriding [smtp] port.")
@click.option("--db", type=click.Path(dir_okay=False), help="Database file, overriding [storage] path.")
@click.option(
    "--log-level",
    type=click.Choice(LOG_LEVELS),
    default=None,
    help="Overrides [logging] level (default info).",
)
@click.pass_context
def serve(
    ctx: click.Context,
    config_path: str | None,
    host: str | None,
    port: int | None,
    smtp_host: str | None,
    smtp_port: int | None,
    db: str | None,
    log_level: str | None,
) -> None:
    """Run the HTTP API, the SMTP listener and the purge on one event loop."""
    from .app import create_app

    state = _state(ctx)
    state.update({k: v for k, v in (("config_path", config_path), ("db", db)) if v})
    config = _config(ctx)
    http = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    smtp = {k: v for k, v in (("host", smtp_host), ("port", smtp_port)) if v is not None}
    config = with_overrides(config, http=http, smtp=smtp)
    logs.configure(config.logging, log_level)
    level = (log_level or config.logging.level).lower()
    _preflight(config)
    info(
        f"dustmail-lite {__version__}: HTTP on http://{config.http.host}:{config.http.port}, "
        f"SMTP on {config.smtp.host}:{config.smtp.port}, config {config.source}"
    )
    info(f"database: {redacted(config.storage.url) if config.storage.url else config.database}")
    server = GracefulServer(
        uvicorn.Config(
            create_app(config),
            host=config.http.host,
            port=config.http.port,
            log_level=level,
            log_config=logs.uvicorn_log_config(),
            lifespan="on",
            timeout_graceful_shutdown=max(1, int(config.smtp.shutdown_grace)),
            access_log=config.logging.access_log,
            **_uvicorn_options(config),
        )
    )
    share_the_gil_sooner()
    server.run()
    if not server.started:
        sys.exit(3)  # startup failed (port in use, unreadable database): uvicorn logged why


def _preflight(config: Config) -> None:
    """Refuse to start, with a message that says how to fix it, what would fail later."""
    try:
        check_open_mail_drop(config, warn=False)  # the server warns when it starts
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    listeners = (("HTTP", config.http.host, config.http.port), ("SMTP", config.smtp.host, config.smtp.port))
    for what, address, number in listeners:
        problem = _cannot_listen(address, number)
        if problem:
            flag = "--port" if what == "HTTP" else "--smtp-port"
            raise click.ClickException(
                f"cannot listen on {address}:{number} for {what}: {problem}. Stop the other server, or pick "
                f"another port with `serve {flag} N` (or [{what.lower()}] port in a config file)."
            )
    try:
        Certificates(config.smtp.tls_cert, config.smtp.tls_key).load()
    except TlsError as exc:
        raise click.ClickException(f"[smtp] tls_cert/tls_key: {exc}") from None
    if config.storage.url:
        # A database server may be down or misnamed: say so in one line, before any listener.
        problem = asyncio.run(_cannot_open_store(config))
        if problem:
            raise click.ClickException(f"[storage] url: {problem}")
        return
    problem = _cannot_create(config.database)
    if problem:
        raise click.ClickException(
            f"cannot use the database {config.database}: {problem}. Give serve a writable place with "
            "--db FILE or [storage] path."
        )


def _uvicorn_options(config: Config) -> dict[str, Any]:
    """The faster loop and HTTP parser when installed, and the proxies to trust."""
    options: dict[str, Any] = {}
    if config.http.trusted_proxies:
        options["forwarded_allow_ips"] = list(config.http.trusted_proxies)
    try:
        import uvloop  # noqa: F401

        options["loop"] = "uvloop"
    except ImportError:
        pass
    try:
        from .http_protocol import BoundedHttpToolsProtocol  # needs httptools

        options["http"] = BoundedHttpToolsProtocol
    except ImportError:
        pass  # uvicorn's h11 parser, which caps a request's head itself
    return options


def _cannot_create(database: str) -> str | None:
    """Why serve could not open or create the database file (said plainly), or None."""
    if database == ":memory:":
        return None
    path = Path(database)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the folder {path.parent} ({exc.strerror or exc})"
    if path.is_dir():
        return "it is a folder"
    if path.exists():
        return None if os.access(path, os.R_OK | os.W_OK) else "the file is not readable and writable"
    return None if os.access(path.parent, os.W_OK) else f"the folder {path.parent} is not writable"


def _cannot_listen(host: str, port: int) -> str | None:
    """Why binding host:port would fail (so serve can say so plainly), or None."""
    if port == 0:
        return None
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


# --- keys ---------------------------------------------------------------------


@main.group(name="keys")
def keys_group() -> None:
    """Create, list and revoke API keys."""


@keys_group.command("create")
@click.option("--owner", callback=account_name, required=True, help="Account name; created if new.")
@click.option(
    "--plan",
    type=click.Choice(PLANS),
    default=None,
    help="Plan of a new account (default free), or change it.",
)
@click.option("--label", default="", help="A note to tell keys apart.")
@with_store
async def keys_create(config: Config, store: Store, owner: str, plan: str | None, label: str) -> None:
    """Create a key; prints the key alone on stdout (shown once)."""
    existing = await store.get_account(owner)
    account = await store.ensure_account(owner, plan)
    key = keys.generate()
    key_id = await store.add_key(account.id, keys.hash_key(key), keys.display_prefix(key), label)
    verb = "existing" if existing else "new"
    info(f"Created key {key_id} for {verb} account '{account.name}' ({account.plan}). It is shown only once:")
    click.echo(key)


@keys_group.command("list")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@with_store
async def keys_list(config: Config, store: Store, as_json: bool) -> None:
    """List keys (prefixes only; keys are never stored)."""
    rows = [
        {
            "id": k.id,
            "account": k.account_name,
            "plan": k.plan,
            "prefix": k.prefix,
            "label": k.label,
            "created_at": _time(k.created_at),
            "revoked_at": _time(k.revoked_at),
        }
        for k in await store.list_keys()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        info(f"No keys yet. Create one with: {config.admin_command} keys create --owner NAME")
        return
    click.echo(f"{'ID':<13} {'ACCOUNT':<16} {'PLAN':<8} {'PREFIX':<18} {'STATUS':<8} LABEL")
    for r in rows:
        status = "revoked" if r["revoked_at"] else "active"
        click.echo(
            f"{r['id']:<13} {r['account']:<16} {r['plan']:<8} {r['prefix']:<18} {status:<8} {r['label']}"
        )


@keys_group.command("revoke")
@click.argument("key_id", required=False)
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the full key from standard input instead.")
@with_store
async def keys_revoke(config: Config, store: Store, key_id: str | None, from_stdin: bool) -> None:
    """Revoke a key by its id (from `keys list`), or by the key itself read from stdin:
    `dustmail-lite keys revoke --stdin < keyfile`. A key is never taken on the command line,
    where the process list and shell history would keep it."""
    if from_stdin == (key_id is not None):
        raise click.UsageError("give either a KEY_ID or --stdin")
    if key_id is not None:
        if key_id.startswith(keys.PREFIX):
            raise click.UsageError(
                "that is a key, not a key id: pass it on standard input with --stdin "
                "(and consider it exposed: it is now in your shell history)"
            )
        done = await store.revoke_key(key_id=key_id)
        what = repr(key_id)
    else:
        key = sys.stdin.readline().strip()
        if not keys.is_well_formed(key):
            raise click.ClickException("standard input does not hold a dustmail key")
        done = await store.revoke_key(key_hash=keys.hash_key(key))
        what = "the key read from standard input"
    if not done:
        raise click.ClickException(f"no active key matches {what}")
    info("Key revoked.")


# --- accounts -----------------------------------------------------------------


@main.group()
def accounts() -> None:
    """List accounts and change their plan."""


@accounts.command("list")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@with_store
async def accounts_list(config: Config, store: Store, as_json: bool) -> None:
    """Every account with its plan and its counts of active keys and inboxes."""
    rows = [
        {
            "name": a.name,
            "plan": a.plan,
            "active_keys": k,
            "active_inboxes": i,
            "created_at": _time(a.created_at),
        }
        for a, k, i in await store.list_accounts()
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'ACCOUNT':<20} {'PLAN':<8} {'KEYS':>5} {'INBOXES':>8}")
    for r in rows:
        click.echo(f"{r['name']:<20} {r['plan']:<8} {r['active_keys']:>5} {r['active_inboxes']:>8}")


@accounts.command("set-plan")
@click.argument("name", callback=account_name)
@click.argument("plan", type=click.Choice(PLANS))
@with_store
async def accounts_set_plan(config: Config, store: Store, name: str, plan: str) -> None:
    """Move account NAME to PLAN (free or premium)."""
    if not await store.set_plan(name, plan):
        raise click.ClickException(f"no account named {name!r}")
    info(f"Account '{name}' is now {plan}.")


# --- domains ------------------------------------------------------------------


@main.group()
def domains() -> None:
    """Custom domains of Premium accounts: add, verify by DNS, list, remove."""


def _records_text(domain: Any, mx_host: str) -> str:
    lines = []
    for record in required_records(domain, mx_host):
        extra = f" (priority {record['priority']})" if "priority" in record else ""
        lines.append(f"  {record['type']:<4} {record['name']}  ->  {record['value']}{extra}")
    return "\n".join(lines)


@domains.command("add")
@click.argument("domain")
@click.option("--owner", callback=account_name, required=True, help="Account that will own the domain.")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@with_store
async def domains_add(config: Config, store: Store, domain: str, owner: str, as_json: bool) -> None:
    """Claim DOMAIN for an account and print the DNS records to create."""
    account = await store.get_account(owner)
    if account is None:
        raise click.ClickException(f"no account named {owner!r} (create one with `keys create --owner`)")
    service = Domains.from_config(store, config)
    try:
        record = await service.add(domain, account.id)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from None
    except DomainTaken as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        described = service.describe(record)
        click.echo(json.dumps({k: described[k] for k in ("domain", "status", "records")}, indent=2))
        return
    if not config.plan(account.plan).custom_domains:
        info(f"Note: '{owner}' is on the free plan; only Premium keys can create inboxes on custom domains.")
    click.echo(
        f"{record.name}: {record.status}. Create these DNS records, then run "
        f"`dustmail-lite domains verify {record.name}`:"
    )
    click.echo(_records_text(record, config.smtp.hostname))


@domains.command("verify")
@click.argument("domain")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@with_store
async def domains_verify(config: Config, store: Store, domain: str, as_json: bool) -> None:
    """Check DOMAIN's TXT and MX records now; exit 0 only when verified."""
    service = Domains.from_config(store, config)
    try:
        record, result = await service.verify_name(domain)
    except DomainNotFound:
        raise click.ClickException(f"unknown domain {domain!r}; add it first") from None
    except DomainTaken as exc:
        raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps({**service.describe(record), "check": result.as_dict()}, indent=2))
    else:
        click.echo(f"{record.name}: {record.status}")
        for r in (result.txt, result.mx):
            found = f"; found {r['found']}" if r.get("found") and r["status"] != "valid" else ""
            error = f" ({r['error']})" if r.get("error") else ""
            click.echo(f"  {r['type']:<4} {r['name']}: {r['status']}{error}{found}")
    if not result.verified:
        sys.exit(1)


@domains.command("list")
@click.option("--json", "as_json", is_flag=True, help=JSON_HELP)
@with_store
async def domains_list(config: Config, store: Store, as_json: bool) -> None:
    """Every custom domain with its owner, status and last check."""
    service = Domains.from_config(store, config)
    rows = [{**service.describe(d), "owner": d.account_name} for d in await store.list_domains()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        info("No custom domains.")
    for r in rows:
        why = ""
        if r["status"] in (DomainStatus.FAILING, DomainStatus.SUSPENDED) and r["last_check"]:
            bad = [f"{x['type']} {x['status']}" for x in r["last_check"]["records"] if x["status"] != "valid"]
            why = f"  ({r['failures']} failed checks: {', '.join(bad)})"
        click.echo(f"{r['domain']:<30} {r['owner']:<16} {r['status']}{why}")


@domains.command("remove")
@click.argument("domain")
@with_store
async def domains_remove(config: Config, store: Store, domain: str) -> None:
    """Forget DOMAIN; its inboxes stay readable until they expire but receive no more mail."""
    service = Domains.from_config(store, config)
    try:
        record = await service.owned(domain, None)
    except DomainNotFound:
        raise click.ClickException(f"unknown domain {domain!r}") from None
    await store.remove_domain(record.name)
    info(f"Removed {record.name}.")


# --- maintenance ----------------------------------------------------------------


@main.command()
@with_store
async def purge(config: Config, store: Store) -> None:
    """Remove expired and deleted inboxes now (serve does this every purge_interval)."""
    stats = await store.purge()
    info(f"Purged {stats.inboxes} inboxes and {stats.emails} emails.")


@main.command()
@click.argument("path", type=click.Path(dir_okay=False))
@with_store
async def backup(config: Config, store: Store, path: str) -> None:
    """Write a consistent copy of the database to PATH, safe while serve runs."""
    await store.backup(path)
    info(f"Backup written to {path}.")


@main.group()
def storage() -> None:
    """Move the data between stores (an SQLite file, a PostgreSQL database)."""


@storage.command("copy")
@click.option(
    "--to",
    "target",
    required=True,
    help="postgresql://user:password@host:5432/db, or the path of an SQLite file.",
)
@click.option("--force", is_flag=True, help="Replace what the target already holds.")
@with_store
async def storage_copy(config: Config, store: Store, target: str, force: bool) -> None:
    """Copy everything from the configured store to TARGET, then verify the counts.

    Stop every `serve` on the source first: what arrives during the copy may be missed."""
    destination = open_target(target)
    async with destination:
        info(f"Copying {store.location} -> {destination.location}")
        try:
            found = await copy_store(store, destination, force=force, progress=info)
        except StoreError as exc:
            raise click.ClickException(str(exc)) from None
    click.echo(" ".join(f"{name.replace(' ', '_')}={n}" for name, n in found.items()))
    info("Verified: the target holds the same counts as the source.")


# Subcommand groups kept in modules of their own (they import the helpers above).
from .cli_webhooks import webhooks  # noqa: E402

main.add_command(webhooks)
