"""The OpenAPI 3.1 document, generated from the route table and the wire models.

`tests/test_openapi.py` checks that every route of the app is described and, with
schemathesis against a live server, that the answers match these schemas.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import msgspec

from .. import __version__
from ..config import Config
from .errors import ERRORS, Error
from .models import CreateInbox, Done, Email, EmailPreview, RateLimit, ResponseMeta
from .routing import Operation

PREFIX = "/api/v1"
REF = "#/components/schemas/{name}"
PATH_PARAMS: dict[str, dict[str, Any]] = {
    "inbox_id": {"type": "string", "format": "uuid"},
    "email_id": {"type": "string", "format": "uuid"},
    "attachment_id": {"type": "string"},
    "domain": {"type": "string"},
    "webhook_id": {"type": "string", "pattern": "^wh_[0-9a-f]{20}$"},
}
ALWAYS = (
    "unauthorized",
    "rate_limited",
    "too_many_auth_failures",
    "internal_error",
    "service_unavailable",
)  # every keyed call


def openapi_document(config: Config, operations: Sequence[Operation] | None = None) -> dict[str, Any]:
    if operations is None:
        from .routes import OPERATIONS

        operations = OPERATIONS
    # Email and EmailPreview: the rows of InboxView.emails, which names them in its schema.
    models: list[Any] = [Error, RateLimit, ResponseMeta, Done, CreateInbox, Email, EmailPreview]
    for op in operations:
        models += [m for m in (op.data, op.meta, op.body, op.stream) if m is not None]
    schemas, components = msgspec.json.schema_components(models, ref_template=REF)
    schema_of = dict(zip(map(_key, models), schemas, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for op in operations:
        paths.setdefault(PREFIX + op.path, {})[op.method.lower()] = _operation(op, config, schema_of)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DustMail API (dustmail-lite)",
            "version": __version__,
            "description": "Temporary inboxes over a self-hosted SMTP server. Authenticate with "
            "`Authorization: Bearer dm_live_...` or `X-API-Key`.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}, {"apiKey": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
            "schemas": components,
        },
    }


def _key(model: Any) -> str:
    return repr(model)


def _operation(op: Operation, config: Config, schema_of: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {"summary": op.summary, "operationId": op.operation_id}
    if op.description:
        doc["description"] = op.description
    if op.public:
        doc["security"] = []
    params = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMS[name]}
        for name in re.findall(r"{(\w+)}", op.path)
    ]
    params += [
        {
            "name": p.name,
            "in": p.where,
            "required": p.required,
            "schema": p.schema(config) if callable(p.schema) else p.schema,
        }
        for p in op.params
    ]
    if params:
        doc["parameters"] = params
    if op.body is not None:
        doc["requestBody"] = {
            "required": op.body_required,
            "content": {"application/json": {"schema": schema_of[_key(op.body)]}},
        }
    elif op.body_media is not None:
        doc["requestBody"] = {
            "required": op.body_required,
            "content": {op.body_media: {"schema": {"type": "string"}}},
        }
    doc["responses"] = {str(op.status): _success(op, schema_of), **_errors(op)}
    return doc


def _success(op: Operation, schema_of: dict[str, Any]) -> dict[str, Any]:
    if op.reply == "media":
        return {"description": op.summary, "content": {op.media_type: {"schema": {"type": "string"}}}}
    if op.reply == "done":
        schema = schema_of[_key(Done)]
    elif op.reply == "public":
        schema = {"type": "object"}
    else:
        schema = {
            "type": "object",
            "properties": {
                "success": {"const": True},
                "data": schema_of[_key(op.data)],
                "meta": schema_of[_key(op.meta)],
            },
            "required": ["success", "data", "meta"],
        }
    return {"description": op.summary, "content": {"application/json": {"schema": schema}}}


def _errors(op: Operation) -> dict[str, Any]:
    """Each status the operation can answer with an error, with the codes behind it."""
    codes = [*op.errors, *(() if op.public else ALWAYS)]
    by_status: dict[int, list[str]] = {}
    for code in codes:
        by_status.setdefault(ERRORS[code][0], []).append(code)
    error = {"$ref": REF.format(name="Error")}
    return {
        str(status): {
            "description": "; ".join(f"`{c}`: {ERRORS[c][1]}" for c in by_status[status]),
            "content": {"application/json": {"schema": error}},
        }
        for status in sorted(by_status)
    }
