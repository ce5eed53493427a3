"""The DustMail JSON API: authentication, rate limits, one error shape, the endpoints."""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, AsyncIterator, Awaitable, Callable
from urllib.parse import quote

import nh3
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse as StarletteJSONResponse
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from . import keys
from .config import Config
from .domains import DomainError, DomainNotFound, Domains, DomainTaken, normalise_domain
from .mime import Limits, find_attachment
from .ratelimit import WindowCounter
from .store import Conflict, Email, Inbox, Store
from .usernames import random_username, validate_username

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class ApiError(Exception):
    """An HTTP error in the one error shape: {"success": false, "error": {code, message}}."""

    def __init__(
        self, status: int, code: str, message: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


class JSONResponse(StarletteJSONResponse):
    """JSON rendered by orjson: an inbox view is ~100 emails with full bodies, and the
    standard encoder was a fifth of the time spent serving it."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"success": False, "error": {"code": code, "message": message}}
    return JSONResponse(body, status_code=status, headers=headers)


@functools.lru_cache(maxsize=4096)
def _second(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")


def timestamp(ms: int) -> str:
    """UTC with milliseconds, as the contract writes it: 2026-03-30T12:00:00.000Z."""
    return f"{_second(ms // 1000)}{ms % 1000:03d}Z"


@dataclass(frozen=True)
class Caller:
    account_id: int
    account_name: str
    plan: str
    key_id: str
    rate_meta: dict[str, Any]
    rate_headers: dict[str, str]


class Api:
    """The endpoints, bound to one store and config."""

    def __init__(self, config: Config, store: Store, domains: Domains) -> None:
        self.config = config
        self.store = store
        self.domains = domains
        self.limits = Limits.from_config(config)
        self.requests = WindowCounter()
        self.auth_failures = WindowCounter()

    # --- plumbing -------------------------------------------------------------

    async def authenticate(self, request: Request) -> Caller:
        client = request.client.host if request.client else "unknown"
        if self.auth_failures.peek(client, 60) >= self.config.http.auth_failures:
            raise ApiError(
                429, "too_many_auth_failures",
                "Too many failed authentications from this address; try again in a minute.",
                {"Retry-After": "60"},
            )
        key = _presented_key(request)
        api_key = None
        if key and keys.is_well_formed(key):
            api_key = await self.store.key_by_hash(keys.hash_key(key))
        if api_key is None or api_key.revoked_at is not None:
            self.auth_failures.hit(client, 60)
            raise ApiError(
                401, "unauthorized",
                "A valid API key is required: 'Authorization: Bearer dm_live_...' or 'X-API-Key'.",
                {"WWW-Authenticate": 'Bearer realm="dustmail"'},
            )
        plan = self.config.plan(api_key.plan)
        used, reset = self.requests.hit(api_key.account_id, plan.rate_window)
        reset = math.ceil(reset - 0.001)  # float noise must not turn 3600 into 3601
        limit = plan.rate_limit or None
        headers = {"X-RateLimit-Used": str(used)}
        if limit is not None:
            headers.update(
                {
                    "X-RateLimit-Limit": str(limit),
                    "X-RateLimit-Remaining": str(max(0, limit - used)),
                    "X-RateLimit-Reset": str(reset),
                }
            )
            if used > limit:
                headers["Retry-After"] = str(max(1, reset))
                raise ApiError(
                    429, "rate_limited",
                    f"Rate limit of {limit} requests per window reached; retry in {headers['Retry-After']}s.",
                    headers,
                )
        request.state.rate_headers = headers
        return Caller(
            api_key.account_id, api_key.account_name, api_key.plan, api_key.id,
            {"limit": limit, "used": used}, headers,
        )

    def ok(self, caller: Caller, data: Any, status: int = 200, **meta: Any) -> JSONResponse:
        body = {"success": True, "data": data, "meta": {**meta, "rate_limit": caller.rate_meta}}
        return JSONResponse(body, status_code=status, headers=caller.rate_headers)

    async def json_body(self, request: Request) -> dict[str, Any]:
        body = await read_body(request, self.config.http.max_body_size)
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(400, "invalid_json", "The request body is not valid JSON.") from None
        if not isinstance(data, dict):
            raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
        return data

    async def inbox_of(self, request: Request, caller: Caller) -> Inbox:
        inbox_id = request.path_params["inbox_id"]
        inbox = None
        if _UUID_RE.match(inbox_id):
            inbox = await self.store.get_inbox(inbox_id, caller.account_id)
        if inbox is None:
            raise ApiError(404, "inbox_not_found", "No such inbox.")
        return inbox

    async def email_of(self, request: Request, inbox: Inbox) -> Email:
        email_id = request.path_params["email_id"]
        email = None
        if _UUID_RE.match(email_id):
            email = await self.store.get_email(inbox, email_id)
        if email is None:
            raise ApiError(404, "email_not_found", "No such email in this inbox.")
        return email

    # --- inboxes (the contract) -------------------------------------------------

    async def create_inbox(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        body = await self.json_body(request)
        unknown = set(body) - {"username", "domain"}
        if unknown:
            raise ApiError(422, "invalid_field", f"Unknown field(s): {', '.join(sorted(unknown))}.")
        premium = caller.plan == "premium"
        available = await self.domains.available_for(caller.account_id, caller.plan)
        username = body.get("username")
        domain = body.get("domain")
        if username is not None and not premium:
            raise ApiError(403, "premium_required", "Custom usernames need a Premium key.")
        if domain is not None:
            if not isinstance(domain, str):
                raise ApiError(422, "invalid_domain", "domain must be a string.")
            try:
                domain = normalise_domain(domain)
            except DomainError:
                raise ApiError(422, "invalid_domain", "domain is not a valid domain name.") from None
            if not premium and domain != self.domains.primary:
                raise ApiError(
                    403, "premium_required",
                    f"Free keys can only create inboxes on {self.domains.primary}.",
                )
            if domain not in available:
                raise ApiError(
                    422, "domain_unavailable", f"Domain {domain} is not available to this account."
                )
        else:
            domain = self.domains.primary
        plan = self.config.plan(caller.plan)
        ttl_ms = int(plan.inbox_ttl * 1000)
        if username is not None:
            try:
                username = validate_username(username)
            except ValueError as exc:
                raise ApiError(422, "invalid_username", str(exc)) from None
            try:
                inbox = await self.store.create_inbox(caller.account_id, username, domain, ttl_ms)
            except Conflict:
                raise ApiError(409, "username_taken", f"{username}@{domain} is not available.") from None
        else:
            for _ in range(20):
                try:
                    inbox = await self.store.create_inbox(
                        caller.account_id, random_username(), domain, ttl_ms
                    )
                    break
                except Conflict:
                    continue
            else:
                raise ApiError(503, "no_address", "Could not find a free address; try again.")
        return self.ok(
            caller, inbox_json(inbox), status=201, plan=caller.plan, available_domains=available
        )

    async def list_inboxes(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inboxes, total = await self.store.list_inboxes(caller.account_id)
        data = [{**inbox_json(i), "email_count": i.email_count} for i in inboxes]
        return self.ok(caller, data, total=total, plan=caller.plan)

    async def get_inbox(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        emails = await self.store.recent_emails(inbox, 100)
        return self.ok(
            caller,
            {"inbox": inbox_json(inbox), "emails": [email_json(e) for e in emails]},
            email_count=inbox.email_count,
        )

    async def delete_inbox(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        await self.store.delete_inbox(inbox.id, caller.account_id)
        body = {"success": True, "message": "Inbox deleted", "meta": {"rate_limit": caller.rate_meta}}
        return JSONResponse(body, headers=caller.rate_headers)

    async def account(self, request: Request) -> Response:
        """Who the key belongs to and what it may do (for dashboards and scripts)."""
        caller = await self.authenticate(request)
        plan = self.config.plan(caller.plan)
        data = {
            "name": caller.account_name,
            "plan": caller.plan,
            "available_domains": await self.domains.available_for(caller.account_id, caller.plan),
            "inbox_ttl_seconds": int(plan.inbox_ttl),
            "custom_usernames": caller.plan == "premium",
        }
        return self.ok(caller, data)

    # --- one email ------------------------------------------------------------

    async def get_email(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        email = await self.email_of(request, inbox)
        return self.ok(caller, email_detail_json(email, request))

    async def delete_email(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        email = await self.email_of(request, inbox)
        await self.store.delete_email(inbox, email.id)
        body = {"success": True, "message": "Email deleted", "meta": {"rate_limit": caller.rate_meta}}
        return JSONResponse(body, headers=caller.rate_headers)

    async def get_raw(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        email = await self.email_of(request, inbox)
        raw = await self.store.get_raw(inbox, email.id)
        headers = {
            **caller.rate_headers,
            "Content-Disposition": f'inline; filename="{email.id}.eml"',
            "X-Content-Type-Options": "nosniff",
        }
        return Response(raw or b"", media_type="message/rfc822", headers=headers)

    async def get_attachment(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        email = await self.email_of(request, inbox)
        raw = await self.store.get_raw(inbox, email.id)
        found = find_attachment(raw or b"", request.path_params["attachment_id"], self.limits)
        if found is None:
            raise ApiError(404, "attachment_not_found", "No such attachment in this email.")
        data, content_type, filename = found
        headers = {
            **caller.rate_headers,
            "Content-Disposition": content_disposition(filename),
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        }
        if not re.fullmatch(r"[a-zA-Z0-9.+-]+/[a-zA-Z0-9.+-]+", content_type):
            content_type = "application/octet-stream"
        return Response(data, media_type=content_type, headers=headers)

    async def get_html(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        email = await self.email_of(request, inbox)
        remote_images = request.query_params.get("images") in ("1", "true", "remote")
        page = sanitize_html(email.html or "", remote_images)
        img_src = "data: cid: https: http:" if remote_images else "data: cid:"
        headers = {
            **caller.rate_headers,
            "Content-Security-Policy": (
                f"sandbox; default-src 'none'; img-src {img_src}; style-src 'unsafe-inline';"
                " font-src data:; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
            ),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }
        return Response(page, media_type="text/html; charset=utf-8", headers=headers)

    # --- waiting and events ---------------------------------------------------

    async def wait(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        timeout = self._timeout_param(request)
        after_seq = 0
        after = request.query_params.get("after")
        if after is not None:
            if not _UUID_RE.match(after):
                raise ApiError(422, "invalid_after", "'after' must be the id of an email of this inbox.")
            previous = await self.store.get_email(inbox, after)
            if previous is None:
                raise ApiError(404, "email_not_found", "'after' names no email of this inbox.")
            after_seq = previous.seq
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        # Subscribe before looking, so a delivery between the two cannot be missed.
        with self.store.events.subscribe_inbox(inbox.id) as subscription:
            email = await self.store.email_after(inbox, after_seq)
            while email is None:
                remaining = deadline - loop.time()
                if remaining <= 0 or await subscription.get(remaining) is None:
                    break
                email = await self.store.email_after(inbox, after_seq)
        if email is None:
            return self.ok(caller, None, timed_out=True, timeout=timeout)
        return self.ok(caller, email_detail_json(email, request), timed_out=False)

    def _timeout_param(self, request: Request) -> float:
        text = request.query_params.get("timeout")
        if text is None:
            return self.config.wait.default_timeout
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        maximum = self.config.wait.max_timeout
        if not (0 <= value <= maximum):
            raise ApiError(
                422, "invalid_timeout", f"timeout must be a number of seconds from 0 to {maximum:g}."
            )
        return value

    async def inbox_events(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        inbox = await self.inbox_of(request, caller)
        subscription = self.store.events.subscribe_inbox(inbox.id)
        return self._event_stream(caller, subscription)

    async def account_events(self, request: Request) -> Response:
        caller = await self.authenticate(request)
        subscription = self.store.events.subscribe_account(caller.account_id)
        return self._event_stream(caller, subscription)

    def _event_stream(self, caller: Caller, subscription: Any) -> Response:
        keepalive = self.config.wait.keepalive

        async def stream() -> AsyncIterator[str]:
            try:
                yield "retry: 2000\n: connected\n\n"
                while True:
                    event = await subscription.get(keepalive)
                    if subscription.overflowed:
                        # This reader fell behind and events were dropped: tell it to reload.
                        subscription.overflowed = False
                        yield "event: resync\ndata: {}\n\n"
                    if event is None:
                        yield ": keep-alive\n\n"
                        continue
                    summary = {
                        "id": event["id"],
                        "inbox_id": event["inbox_id"],
                        "from": event["from"],
                        "subject": event["subject"],
                        "received_at": timestamp(event["received_at"]),
                    }
                    yield f"id: {event['id']}\nevent: email\ndata: {json.dumps(summary)}\n\n"
            finally:
                subscription.close()

        headers = {**caller.rate_headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
        return StreamingResponse(stream(), media_type="text/event-stream", headers=headers)

    # --- custom domains ---------------------------------------------------------

    async def _premium(self, request: Request) -> Caller:
        caller = await self.authenticate(request)
        if caller.plan != "premium":
            raise ApiError(403, "premium_required", "Custom domains need a Premium key.")
        return caller

    async def list_domains(self, request: Request) -> Response:
        caller = await self._premium(request)
        domains = await self.store.list_domains(caller.account_id)
        return self.ok(caller, [self.domains.describe(d) for d in domains], total=len(domains))

    async def add_domain(self, request: Request) -> Response:
        caller = await self._premium(request)
        body = await self.json_body(request)
        name = body.get("domain")
        if not isinstance(name, str):
            raise ApiError(422, "invalid_domain", "Body must be {\"domain\": \"example.com\"}.")
        try:
            domain = await self.domains.add(name, caller.account_id)
        except DomainError as exc:
            raise ApiError(422, "invalid_domain", str(exc)) from None
        except DomainTaken as exc:
            raise ApiError(409, "domain_taken", str(exc)) from None
        return self.ok(caller, self.domains.describe(domain), status=201)

    async def verify_domain(self, request: Request) -> Response:
        caller = await self._premium(request)
        domain = await self._owned_domain(request, caller)
        domain, result = await self.domains.verify(domain)
        return self.ok(caller, {**self.domains.describe(domain), "check": result.as_dict()})

    async def delete_domain(self, request: Request) -> Response:
        caller = await self._premium(request)
        domain = await self._owned_domain(request, caller)
        await self.store.remove_domain(domain.name, caller.account_id)
        body = {"success": True, "message": "Domain removed", "meta": {"rate_limit": caller.rate_meta}}
        return JSONResponse(body, headers=caller.rate_headers)

    async def _owned_domain(self, request: Request, caller: Caller) -> Any:
        try:
            return await self.domains.owned(request.path_params["domain"], caller.account_id)
        except DomainNotFound:
            raise ApiError(404, "domain_not_found", "No such domain on this account.") from None

    def routes(self) -> list[Route]:
        """Routes relative to the /api/v1 mount."""
        inbox = "/inbox/{inbox_id}"
        email = inbox + "/emails/{email_id}"
        return [
            _route("/account", GET=self.account),
            _route("/inbox", POST=self.create_inbox, GET=self.list_inboxes),
            _route(inbox, GET=self.get_inbox, DELETE=self.delete_inbox),
            _route(inbox + "/wait", GET=self.wait),
            _route(inbox + "/events", GET=self.inbox_events),
            _route("/events", GET=self.account_events),
            _route(email, GET=self.get_email, DELETE=self.delete_email),
            _route(email + "/raw", GET=self.get_raw),
            _route(email + "/html", GET=self.get_html),
            _route(email + "/attachments/{attachment_id}", GET=self.get_attachment),
            _route("/domains", GET=self.list_domains, POST=self.add_domain),
            _route("/domains/{domain}/verify", POST=self.verify_domain),
            _route("/domains/{domain}", DELETE=self.delete_domain),
        ]


Endpoint = Callable[[Request], Awaitable[Response]]


def _route(path: str, **handlers: Endpoint) -> Route:
    """One route per path, so a 405 lists every method the path has in `Allow`."""
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])

    async def dispatch(request: Request) -> Response:
        return await handlers[request.method](request)

    return Route(path, dispatch, methods=list(handlers))


def _presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key else None


async def read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ApiError(400, "bad_request", "Invalid Content-Length.")
        if int(length) > limit:
            raise ApiError(413, "body_too_large", f"Request bodies are limited to {limit} bytes.")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, "body_too_large", f"Request bodies are limited to {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


def inbox_json(inbox: Inbox) -> dict[str, Any]:
    return {
        "id": inbox.id,
        "email": inbox.address,
        "domain": inbox.domain,
        "created_at": timestamp(inbox.created_at),
        "expires_at": timestamp(inbox.expires_at),
    }


def email_json(email: Email) -> dict[str, Any]:
    return {
        "id": email.id,
        "from": email.mail_from,
        "subject": email.subject,
        "text": email.text,
        "html": email.html,
        "received_at": timestamp(email.received_at),
    }


def email_detail_json(email: Email, request: Request) -> dict[str, Any]:
    details = email.details
    base = f"/api/v1/inbox/{email.inbox_id}/emails/{email.id}"
    attachments = [
        {**a, "download_url": str(request.url.replace(path=f"{base}/attachments/{a['id']}", query=""))}
        for a in details.get("attachments", [])
    ]
    data = {
        **email_json(email),
        "inbox_id": email.inbox_id,
        "to": details.get("to", []),
        "cc": details.get("cc", []),
        "headers": details.get("headers", []),
        "size": email.size,
        "attachments": attachments,
        "links": details.get("links", []),
        "codes": details.get("codes", []),
        "raw_url": str(request.url.replace(path=f"{base}/raw", query="")),
        "html_url": str(request.url.replace(path=f"{base}/html", query="")),
    }
    if "parse_error" in details:
        data["parse_error"] = details["parse_error"]
    return data


def content_disposition(filename: str) -> str:
    """A header that no filename can break out of: an ASCII fallback plus RFC 5987."""
    base = filename.replace("\\", "/").split("/")[-1]
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '\r\n"')
    base = base.lstrip(".") or "attachment"
    fallback = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;%' else "_" for ch in base)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(base, safe='')}"


_ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "cid", "data"}


def sanitize_html(markup: str, remote_images: bool = False) -> str:
    """Email HTML safe to show: no scripts, handlers, forms, base, meta refresh; remote
    images (trackers) dropped unless asked for. The CSP sent with it is a second fence."""

    def drop_remote_images(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src" and not remote_images:
            return value if value.lower().startswith(("data:", "cid:")) else None
        return value

    tags = set(nh3.ALLOWED_TAGS) | {"center", "font", "span", "div", "table", "thead", "tbody",
                                     "tfoot", "tr", "td", "th", "img", "style"}
    tags -= {"form", "input", "button", "base", "meta", "link", "script", "iframe", "object", "embed"}
    attributes = {tag: {"style", "class", "align", "width", "height", "bgcolor", "color", "border",
                        "cellpadding", "cellspacing", "valign", "dir", "title", "alt"}
                  for tag in tags}
    attributes["a"] = attributes["a"] | {"href", "name"}
    attributes["img"] = attributes["img"] | {"src"}
    attributes["font"] = attributes["font"] | {"face", "size"}
    return nh3.clean(
        markup,
        tags=tags,
        clean_content_tags={"script", "title"},
        attributes=attributes,
        url_schemes=_ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=drop_remote_images,
    )
