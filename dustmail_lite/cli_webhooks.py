"""`dustmail-lite webhooks ...`: the operator's view of an account's webhooks."""

from __future__ import annotations

import json

import click

from .cli import _time, account_name, info, with_store
from .config import Config
from .store import Store
from .webhooks import TargetRefused, check_url, resolve_target


@click.group()
def webhooks() -> None:
    """Signed webhooks of an account: add, list, deliveries, delete."""


async def _account_id(store: Store, owner: str) -> int:
    account = await store.get_account(owner)
    if account is None:
        raise click.ClickException(f"no account named {owner!r}")
    return account.id


@webhooks.command("create")
@click.argument("url")
@click.option("--owner", callback=account_name, required=True, help="Account the webhook belongs to.")
@click.option("--inbox", "inbox_id", default=None, help="Only this inbox's mail (default: every inbox).")
@with_store
async def webhooks_create(config: Config, store: Store, url: str, owner: str, inbox_id: str | None) -> None:
    """Add a webhook posting each new email to URL; prints its id and secret (shown once)."""
    account_id = await _account_id(store, owner)
    inbox = None
    if inbox_id is not None:
        inbox = await store.get_inbox(inbox_id, account_id)
        if inbox is None:
            raise click.ClickException(f"no active inbox {inbox_id} on {owner!r}")
    try:
        _, host, port = check_url(url)
        await resolve_target(host, port, config.webhooks.allow_private_targets)
    except TargetRefused as refused:
        raise click.ClickException(str(refused)) from None
    hook, secret = await store.create_webhook(account_id, url, inbox)
    click.echo(f"{hook.id} {secret}")
    info("Keep the secret: it verifies the webhook-signature header and is not shown again.")


@webhooks.command("list")
@click.option("--owner", callback=account_name, required=True, help="Account the webhook belongs to.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_store
async def webhooks_list(config: Config, store: Store, owner: str, as_json: bool) -> None:
    """The account's webhooks: state, pending deliveries, URL (and why one was disabled)."""
    rows = [
        {
            "id": h.id,
            "url": h.url,
            "inbox_id": h.inbox_id,
            "enabled": h.disabled_at is None,
            "disabled_reason": h.disabled_reason,
            "pending": h.pending,
            "created_at": _time(h.created_at),
        }
        for h in await store.list_webhooks(await _account_id(store, owner))
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'ID':<24} {'STATE':<9} {'PENDING':>7}  URL")
    for r in rows:
        state = "enabled" if r["enabled"] else "disabled"
        click.echo(f"{r['id']:<24} {state:<9} {r['pending']:>7}  {r['url']}")
        if r["disabled_reason"]:
            click.echo(f"{'':<24} reason: {r['disabled_reason']}")


@webhooks.command("deliveries")
@click.argument("webhook_id")
@click.option("--owner", callback=account_name, required=True, help="Account the webhook belongs to.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@with_store
async def webhooks_deliveries(
    config: Config, store: Store, webhook_id: str, owner: str, as_json: bool
) -> None:
    """The latest 100 deliveries of WEBHOOK_ID: status, attempts, next retry."""
    hook = await store.get_webhook(webhook_id, await _account_id(store, owner))
    if hook is None:
        raise click.ClickException(f"no webhook {webhook_id} on {owner!r}")
    rows = [
        {
            "id": d.message_id,
            "email_id": d.email_id,
            "status": d.status,
            "attempts": d.attempts,
            "last_status": d.last_status,
            "last_error": d.last_error,
            "next_attempt_at": _time(d.next_attempt_at) if d.status == "pending" else None,
        }
        for d in await store.webhook_deliveries(hook.id)
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    for r in rows:
        retry = f" next {r['next_attempt_at']}" if r["next_attempt_at"] else ""
        click.echo(f"{r['id']} {r['status']:<9} attempts={r['attempts']} last={r['last_status']}{retry}")


@webhooks.command("delete")
@click.argument("webhook_id")
@click.option("--owner", callback=account_name, required=True, help="Account the webhook belongs to.")
@with_store
async def webhooks_delete(config: Config, store: Store, webhook_id: str, owner: str) -> None:
    """Delete WEBHOOK_ID; its pending deliveries are cancelled."""
    if not await store.delete_webhook(webhook_id, await _account_id(store, owner)):
        raise click.ClickException(f"no webhook {webhook_id} on {owner!r}")
    info(f"Webhook {webhook_id} deleted; its pending deliveries are cancelled.")
