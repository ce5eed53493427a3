"""The OpenAPI 3.1 description served at /api/v1/openapi.json.

`tests/test_openapi.py` checks that every route of the app is described here
and that responses match these schemas.
"""

from __future__ import annotations

from typing import Any

from . import __version__

_STR = {"type": "string"}
_TIME = {"type": "string", "format": "date-time", "example": "2026-03-30T12:00:00.000Z"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _envelope(data: dict[str, Any], meta: dict[str, Any] | None = None) -> dict[str, Any]:
    meta_schema = {
        "type": "object",
        "properties": {"rate_limit": _ref("RateLimit"), **(meta or {})},
        "required": ["rate_limit"],
    }
    return {
        "type": "object",
        "properties": {"success": {"const": True}, "data": data, "meta": meta_schema},
        "required": ["success", "data", "meta"],
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    """References to the shared error responses; 401, 429 and 500 apply everywhere."""
    return {
        str(s): {"$ref": f"#/components/responses/E{s}"}
        for s in sorted({401, 429, 500, *statuses})
    }


_PATH_INBOX = {"name": "inbox_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
_PATH_EMAIL = {"name": "email_id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
_PATH_DOMAIN = {"name": "domain", "in": "path", "required": True, "schema": _STR}
_MESSAGE = {
    "type": "object",
    "properties": {"success": {"const": True}, "message": _STR, "meta": {"type": "object"}},
    "required": ["success", "message"],
}


def openapi_document(config: Any) -> dict[str, Any]:
    inbox_ops = {
        "post": {
            "summary": "Create an inbox",
            "operationId": "createInbox",
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": _ref("CreateInbox")}},
            },
            "responses": {
                "201": _json(
                    _envelope(_ref("Inbox"), {"plan": _STR, "available_domains": {"type": "array", "items": _STR}}),
                    "The new inbox",
                ),
                **_errors(400, 403, 409, 413, 422),
            },
        },
        "get": {
            "summary": "List the account's active inboxes (newest first, up to 50)",
            "operationId": "listInboxes",
            "responses": {
                "200": _json(
                    _envelope({"type": "array", "items": _ref("InboxWithCount")},
                              {"total": {"type": "integer"}, "plan": _STR}),
                    "Inboxes",
                ),
                **_errors(),
            },
        },
    }
    one_inbox = {
        "parameters": [_PATH_INBOX],
        "get": {
            "summary": "An inbox with its 100 most recent emails",
            "operationId": "getInbox",
            "responses": {
                "200": _json(
                    _envelope(
                        {
                            "type": "object",
                            "properties": {
                                "inbox": _ref("Inbox"),
                                "emails": {"type": "array", "items": _ref("Email")},
                            },
                            "required": ["inbox", "emails"],
                        },
                        {"email_count": {"type": "integer"}},
                    ),
                    "The inbox and its emails",
                ),
                **_errors(404),
            },
        },
        "delete": {
            "summary": "Delete (deactivate) an inbox",
            "operationId": "deleteInbox",
            "responses": {"200": _json(_MESSAGE, "Deleted"), **_errors(404)},
        },
    }
    one_email = {
        "parameters": [_PATH_INBOX, _PATH_EMAIL],
        "get": {
            "summary": "One email with headers, attachments, links and codes",
            "operationId": "getEmail",
            "responses": {"200": _json(_envelope(_ref("EmailDetail")), "The email"), **_errors(404)},
        },
        "delete": {
            "summary": "Delete one email",
            "operationId": "deleteEmail",
            "responses": {"200": _json(_MESSAGE, "Deleted"), **_errors(404)},
        },
    }

    def binary(media: str, summary: str, op: str, extra: list[dict[str, Any]] | None = None,
               query: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {
            "parameters": [_PATH_INBOX, _PATH_EMAIL, *(extra or [])],
            "get": {
                "summary": summary,
                "operationId": op,
                "parameters": query or [],
                "responses": {
                    "200": {"description": summary, "content": {media: {"schema": {"type": "string"}}}},
                    **_errors(404),
                },
            },
        }

    wait = {
        "parameters": [_PATH_INBOX],
        "get": {
            "summary": "Wait for the oldest email newer than `after` (or the first email)",
            "description": (
                "Returns at once if such an email exists, else as soon as one is delivered. "
                "When `timeout` seconds pass first, the answer is 200 with `data: null` and "
                "`meta.timed_out: true`: never mistaken for an email."
            ),
            "operationId": "waitForEmail",
            "parameters": [
                {"name": "after", "in": "query", "required": False, "schema": {"type": "string", "format": "uuid"}},
                {
                    "name": "timeout",
                    "in": "query",
                    "required": False,
                    "schema": {"type": "number", "minimum": 0, "maximum": config.wait.max_timeout,
                               "default": config.wait.default_timeout},
                },
            ],
            "responses": {
                "200": _json(
                    _envelope({"oneOf": [_ref("EmailDetail"), {"type": "null"}]},
                              {"timed_out": {"type": "boolean"}, "timeout": {"type": "number"}}),
                    "The email, or data null on timeout",
                ),
                **_errors(404, 422),
            },
        },
    }

    def events(summary: str, op: str, params: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "parameters": params,
            "get": {
                "summary": summary,
                "description": "Server-Sent Events: `event: email` with an EmailSummary as data; "
                               "comment lines as keep-alives.",
                "operationId": op,
                "responses": {
                    "200": {"description": "Event stream", "content": {"text/event-stream": {"schema": _STR}}},
                    **_errors(404),
                },
            },
        }

    domain_doc = _envelope(_ref("Domain"))
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
        "paths": {
            "/api/v1/health": {
                "get": {
                    "summary": "Liveness check (no key needed)",
                    "operationId": "health",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "Server is up")},
                }
            },
            "/api/v1/openapi.json": {
                "get": {
                    "summary": "This document",
                    "operationId": "openapi",
                    "security": [],
                    "responses": {"200": _json({"type": "object"}, "OpenAPI document")},
                }
            },
            "/api/v1/account": {
                "get": {
                    "summary": "The key's account: name, plan, domains it may use",
                    "operationId": "getAccount",
                    "responses": {
                        "200": _json(_envelope({
                            "type": "object",
                            "properties": {
                                "name": _STR, "plan": {"enum": ["free", "premium"]},
                                "available_domains": {"type": "array", "items": _STR},
                                "inbox_ttl_seconds": {"type": "integer"},
                                "custom_usernames": {"type": "boolean"},
                            },
                            "required": ["name", "plan", "available_domains"],
                        }), "The account"),
                        **_errors(),
                    },
                }
            },
            "/api/v1/inbox": inbox_ops,
            "/api/v1/inbox/{inbox_id}": one_inbox,
            "/api/v1/inbox/{inbox_id}/wait": wait,
            "/api/v1/inbox/{inbox_id}/events": events("Live events of one inbox", "inboxEvents", [_PATH_INBOX]),
            "/api/v1/events": events("Live events of every inbox of the account", "accountEvents", []),
            "/api/v1/inbox/{inbox_id}/emails/{email_id}": one_email,
            "/api/v1/inbox/{inbox_id}/emails/{email_id}/raw": binary(
                "message/rfc822", "The message exactly as received", "getRawEmail"
            ),
            "/api/v1/inbox/{inbox_id}/emails/{email_id}/html": binary(
                "text/html", "The HTML body, sanitized, with a sandboxing CSP", "getEmailHtml",
                query=[{"name": "images", "in": "query", "required": False,
                        "schema": {"type": "string", "enum": ["0", "1", "true", "remote"]}}],
            ),
            "/api/v1/inbox/{inbox_id}/emails/{email_id}/attachments/{attachment_id}": binary(
                "application/octet-stream", "One attachment's bytes", "getAttachment",
                extra=[{"name": "attachment_id", "in": "path", "required": True, "schema": _STR}],
            ),
            "/api/v1/domains": {
                "get": {
                    "summary": "The account's custom domains (Premium)",
                    "operationId": "listDomains",
                    "responses": {
                        "200": _json(_envelope({"type": "array", "items": _ref("Domain")},
                                               {"total": {"type": "integer"}}), "Domains"),
                        **_errors(403),
                    },
                },
                "post": {
                    "summary": "Claim a custom domain; returns the DNS records to create (Premium)",
                    "operationId": "addDomain",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {
                            "type": "object", "properties": {"domain": _STR}, "required": ["domain"]}}},
                    },
                    "responses": {"201": _json(domain_doc, "The domain, pending"), **_errors(400, 403, 409, 413, 422)},
                },
            },
            "/api/v1/domains/{domain}/verify": {
                "parameters": [_PATH_DOMAIN],
                "post": {
                    "summary": "Check the TXT and MX records now (Premium)",
                    "operationId": "verifyDomain",
                    "responses": {"200": _json(domain_doc, "Per-record result"), **_errors(403, 404)},
                },
            },
            "/api/v1/domains/{domain}": {
                "parameters": [_PATH_DOMAIN],
                "delete": {
                    "summary": "Remove a custom domain; its inboxes stop receiving (Premium)",
                    "operationId": "deleteDomain",
                    "responses": {"200": _json(_MESSAGE, "Removed"), **_errors(403, 404)},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            },
            "responses": {
                f"E{status}": _json(_ref("Error"), text)
                for status, text in {
                    400: "Malformed JSON body",
                    401: "Missing, unknown, malformed or revoked API key",
                    403: "The key's plan does not allow this request",
                    404: "No such object for this account",
                    409: "Name already taken",
                    413: "Request body too large",
                    422: "Invalid field or parameter",
                    429: "Too many requests (see Retry-After)",
                    500: "Internal error; nothing was changed",
                }.items()
            },
            "schemas": {
                "RateLimit": {
                    "type": "object",
                    "properties": {"limit": {"type": ["integer", "null"]}, "used": {"type": "integer"}},
                    "required": ["limit", "used"],
                },
                "Error": {
                    "type": "object",
                    "properties": {
                        "success": {"const": False},
                        "error": {
                            "type": "object",
                            "properties": {"code": _STR, "message": _STR},
                            "required": ["code", "message"],
                        },
                    },
                    "required": ["success", "error"],
                },
                "CreateInbox": {
                    "type": "object",
                    "properties": {
                        "username": {"type": ["string", "null"], "description": "Premium only; null = not given"},
                        "domain": {"type": ["string", "null"], "description": "null = the primary domain"},
                    },
                },
                "Inbox": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "email": _STR,
                        "domain": _STR,
                        "created_at": _TIME,
                        "expires_at": _TIME,
                    },
                    "required": ["id", "email", "domain", "created_at", "expires_at"],
                },
                "InboxWithCount": {
                    "allOf": [_ref("Inbox"), {"type": "object", "properties": {"email_count": {"type": "integer"}},
                                              "required": ["email_count"]}]
                },
                "Email": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string", "format": "uuid"},
                        "from": _STR,
                        "subject": _STR,
                        "text": _STR,
                        "html": _STR,
                        "received_at": _TIME,
                    },
                    "required": ["id", "from", "subject", "text", "html", "received_at"],
                },
                "EmailDetail": {
                    "allOf": [
                        _ref("Email"),
                        {
                            "type": "object",
                            "properties": {
                                "inbox_id": _STR,
                                "to": {"type": "array", "items": _STR},
                                "cc": {"type": "array", "items": _STR},
                                "headers": {"type": "array", "items": {
                                    "type": "object", "properties": {"name": _STR, "value": _STR}}},
                                "size": {"type": "integer"},
                                "attachments": {"type": "array", "items": {
                                    "type": "object",
                                    "properties": {"id": _STR, "filename": _STR, "content_type": _STR,
                                                   "size": {"type": "integer"}, "download_url": _STR},
                                }},
                                "links": {"type": "array", "items": _STR},
                                "codes": {"type": "array", "items": _STR},
                                "raw_url": _STR,
                                "html_url": _STR,
                                "parse_error": _STR,
                            },
                            "required": ["to", "cc", "headers", "size", "attachments", "links", "codes"],
                        },
                    ]
                },
                "Domain": {
                    "type": "object",
                    "properties": {
                        "domain": _STR,
                        "status": {"enum": ["pending", "verified", "failing", "suspended"]},
                        "receiving": {"type": "boolean"},
                        "records": {"type": "array", "items": {"type": "object"}},
                        "failures": {"type": "integer"},
                        "last_check": {"type": ["object", "null"]},
                        "check": {"type": "object"},
                    },
                    "required": ["domain", "status", "records"],
                },
            },
        },
    }
