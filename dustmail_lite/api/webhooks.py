"""Webhook endpoints: create (the secret shown once), list, delete, their deliveries."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from .. import store
from ..webhooks import TargetRefused, check_url, resolve_target
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
from .models import CreateWebhook, Webhook, WebhookDelivery, timestamp
from .routing import UUID_RE, Operation, decode, done, json_object, ok


def _time(ms: int | None) -> str | None:
    return timestamp(ms) if ms is not None else None


def webhook_model(hook: store.Webhook, secret: str | None = None) -> Webhook:
    extra = {"secret": secret} if secret is not None else {}
    return Webhook(
        id=hook.id,
        url=hook.url,
        inbox_id=hook.inbox_id,
        created_at=timestamp(hook.created_at),
        enabled=hook.disabled_at is None,
        disabled_at=_time(hook.disabled_at),
        disabled_reason=hook.disabled_reason,
        failing_since=_time(hook.failing_since),
        pending=hook.pending,
        **extra,
    )


def delivery_model(d: store.WebhookDelivery) -> WebhookDelivery:
    return WebhookDelivery(
        id=d.message_id,
        email_id=d.email_id,
        event_id=d.event_id,
        status=d.status,
        attempts=d.attempts,
        created_at=timestamp(d.created_at),
        last_attempt_at=_time(d.last_attempt_at),
        last_status=d.last_status,
        last_error=d.last_error,
        next_attempt_at=timestamp(d.next_attempt_at) if d.status == "pending" else None,
        delivered_at=_time(d.delivered_at),
    )


async def create_webhook(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    body = decode(await json_object(request, ctx.http.max_body_size), CreateWebhook)
    inbox = None
    if body.inbox_id is not None:
        if not UUID_RE.match(body.inbox_id):
            raise ApiError.of("inbox_not_found", "No such inbox for this account.")
        inbox = await ctx.store.get_inbox(body.inbox_id, caller.account_id)
        if inbox is None:
            raise ApiError.of("inbox_not_found", "No such inbox for this account.")
    try:
        _, host, port = check_url(body.url)
    except TargetRefused as refused:
        raise ApiError.of("invalid_webhook_url", f"{refused}.") from None
    try:
        await resolve_target(host, port, ctx.webhooks.allow_private_targets)
    except TargetRefused as refused:
        raise ApiError.of("webhook_target_refused", f"{refused}.") from None
    if await ctx.store.count_webhooks(caller.account_id) >= ctx.webhooks.max_per_account:
        limit = ctx.webhooks.max_per_account
        raise ApiError.of("too_many_webhooks", f"An account may have {limit} webhooks; delete one first.")
    hook, secret = await ctx.store.create_webhook(caller.account_id, body.url, inbox)
    return ok(caller, webhook_model(hook, secret), status=201)


async def list_webhooks(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    hooks = await ctx.store.list_webhooks(caller.account_id)
    return ok(caller, [webhook_model(h) for h in hooks])


async def owned_webhook(ctx: ApiContext, request: Request, caller: Caller) -> store.Webhook:
    hook = await ctx.store.get_webhook(request.path_params["webhook_id"], caller.account_id)
    if hook is None:
        raise ApiError.of("webhook_not_found", "No such webhook on this account.")
    return hook


async def delete_webhook(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    hook = await owned_webhook(ctx, request, caller)
    await ctx.store.delete_webhook(hook.id, caller.account_id)
    return done(caller, "Webhook deleted")


async def list_deliveries(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    hook = await owned_webhook(ctx, request, caller)
    deliveries = await ctx.store.webhook_deliveries(hook.id, 100)
    return ok(caller, [delivery_model(d) for d in deliveries])


WEBHOOK = "/webhooks/{webhook_id}"
_BODY_ERRORS = ("invalid_json", "body_too_large", "invalid_field", "invalid_webhook_url")

OPERATIONS = [
    Operation(
        "POST",
        "/webhooks",
        create_webhook,
        "createWebhook",
        "Add a webhook endpoint (its signing secret is shown only here)",
        description=(
            "Every email stored in the account's inboxes (or in `inbox_id` only) is POSTed to `url` "
            "as an `email.received` message signed per Standard Webhooks (`webhook-id`, "
            "`webhook-timestamp`, `webhook-signature`). Failed deliveries are retried with backoff, "
            "in order, also across restarts; an endpoint failing for `[webhooks] disable_after` is "
            "disabled with its reason."
        ),
        data=Webhook,
        status=201,
        body=CreateWebhook,
        body_required=True,
        errors=(*_BODY_ERRORS, "inbox_not_found", "webhook_target_refused", "too_many_webhooks"),
    ),
    Operation(
        "GET", "/webhooks", list_webhooks, "listWebhooks", "The account's webhooks", data=list[Webhook]
    ),
    Operation(
        "DELETE",
        WEBHOOK,
        delete_webhook,
        "deleteWebhook",
        "Delete a webhook (its pending deliveries are cancelled)",
        reply="done",
        errors=("webhook_not_found",),
    ),
    Operation(
        "GET",
        WEBHOOK + "/deliveries",
        list_deliveries,
        "listWebhookDeliveries",
        "The webhook's latest 100 deliveries: attempts, status, next retry",
        data=list[WebhookDelivery],
        errors=("webhook_not_found",),
    ),
]
