"""The route table's vocabulary: an `Operation` per method and path, with what the
OpenAPI document needs to describe it (models, parameters, error codes), and `bind`,
which turns the table into Starlette routes that authenticate before each handler."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, TypeVar

import msgspec
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..config import Config
from .errors import ApiError, JSONResponse
from .models import Done, Ok, ResponseMeta

if TYPE_CHECKING:
    from .context import ApiContext

Handler = Callable[..., Awaitable[Response]]
M = TypeVar("M", bound=msgspec.Struct)

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass(frozen=True)
class Param:
    name: str
    where: Literal["path", "query"]
    schema: dict[str, Any] | Callable[[Config], dict[str, Any]]  # fixed, or built from the config
    required: bool = False


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # under /api/v1
    handler: Handler
    operation_id: str
    summary: str
    description: str = ""
    data: Any = None  # the model of `data` in the success envelope
    meta: type[ResponseMeta] = ResponseMeta
    status: int = 200
    # envelope: {success, data, meta}; done: a deletion's message; media: bytes of `media_type`;
    # public: an unauthenticated JSON object
    reply: Literal["envelope", "done", "media", "public"] = "envelope"
    media_type: str = "application/json"
    body: type[msgspec.Struct] | None = None
    body_required: bool = False
    body_media: str | None = None  # a request body read as raw bytes of this type (not JSON)
    params: tuple[Param, ...] = ()
    errors: tuple[str, ...] = ()  # codes of errors.ERRORS besides those every keyed call can get
    capability: str | None = None  # a PlanConfig flag the caller's plan must have
    public: bool = False  # no key needed
    stream: type[msgspec.Struct] | None = None  # the data of an event stream's events


def bind(ctx: ApiContext, operations: Sequence[Operation]) -> list[Route]:
    """One Starlette route per path, so a 405 lists every method the path has in `Allow`."""
    by_path: dict[str, dict[str, Operation]] = {}
    for op in operations:
        by_path.setdefault(op.path, {})[op.method] = op
    return [_route(ctx, path, methods) for path, methods in by_path.items()]


def _route(ctx: ApiContext, path: str, methods: dict[str, Operation]) -> Route:
    if "GET" in methods:
        methods.setdefault("HEAD", methods["GET"])

    async def dispatch(request: Request) -> Response:
        op = methods[request.method]
        if op.public:
            return await op.handler(ctx, request)
        caller = await ctx.auth.authenticate(request)
        try:
            if op.capability:
                ctx.auth.require(caller, op.capability)
            return await op.handler(ctx, request, caller)
        except ApiError as exc:
            exc.headers = {**caller.rate_headers, **exc.headers}
            raise

    return Route(path, dispatch, methods=list(methods))


# --- replies -------------------------------------------------------------------------


def ok(caller: Any, data: Any, meta: ResponseMeta | None = None, status: int = 200) -> JSONResponse:
    """The success envelope, with the caller's rate-limit meta and headers."""
    body = Ok(data=data, meta=meta or ResponseMeta(rate_limit=caller.rate_limit))
    return JSONResponse(body, status_code=status, headers=caller.rate_headers)


def done(caller: Any, message: str) -> JSONResponse:
    body = Done(message=message, meta=ResponseMeta(rate_limit=caller.rate_limit))
    return JSONResponse(body, headers=caller.rate_headers)


# --- request bodies ------------------------------------------------------------------


async def read_body(request: Request, limit: int) -> bytes:
    length = request.headers.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise ApiError.of("bad_request", "Invalid Content-Length.")
        if int(length) > limit:
            raise ApiError.of("body_too_large", f"Request bodies are limited to {limit} bytes.")
    chunks = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError.of("body_too_large", f"Request bodies are limited to {limit} bytes.")
        chunks.append(chunk)
    return b"".join(chunks)


async def json_object(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object; no body at all is `{}` (whitespace alone is not JSON: 400)."""
    body = await read_body(request, limit)
    if not body:
        return {}
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ApiError.of("invalid_json", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError.of("invalid_json", "The request body must be a JSON object.")
    return data


def reject_unknown_fields(data: dict[str, Any], model: type[msgspec.Struct]) -> None:
    if model.__struct_config__.forbid_unknown_fields:
        known = {f.encode_name for f in msgspec.structs.fields(model)}
        unknown = set(data) - known
        if unknown:
            raise ApiError.of("invalid_field", f"Unknown field(s): {', '.join(sorted(unknown))}.")


def decode(data: dict[str, Any], model: type[M]) -> M:
    """`data` as `model`; a field of the wrong type answers with the model's error for it."""
    reject_unknown_fields(data, model)
    # Fields in the model's order, so the first wrong one named is the one checked first.
    names = [f.encode_name for f in msgspec.structs.fields(model)]
    ordered = {name: data[name] for name in names if name in data}
    ordered.update((k, v) for k, v in data.items() if k not in ordered)
    try:
        return msgspec.convert(ordered, model)
    except msgspec.ValidationError as exc:
        where = re.search(r"at `\$\.(\w+)`", str(exc))
        field_errors: dict[str, tuple[str, str]] = getattr(model, "field_errors", {})
        code, message = field_errors.get(
            where.group(1) if where else "", getattr(model, "invalid", ("unprocessable", str(exc)))
        )
        raise ApiError.of(code, message) from None
