"""The redesign's promises that behaviour tests do not pin: plans are their configured
capabilities, the delivery queue reports only commits, every error code is in the catalogue."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from dustmail_lite.api.errors import ERRORS
from dustmail_lite.api.openapi import openapi_document
from dustmail_lite.config import Config
from dustmail_lite.store import NewEmail, SqliteStore, StoreError

PACKAGE = Path(__file__).parent.parent / "dustmail_lite"


def test_a_plan_is_its_capabilities(make_harness):
    # Free keys that may choose usernames and use shared domains: a config change, no code.
    h = make_harness(
        domains={"shared": ["shared.test"]},
        plans={"free": {"custom_usernames": True, "shared_domains": True, "inbox_ttl": "2h"}},
    )
    key = h.key()
    r = h.http.post("/api/v1/inbox", json={"username": "chosen", "domain": "shared.test"}, headers=h.auth(key))
    assert r.status_code == 201, r.text
    assert r.json()["data"]["email"] == "chosen@shared.test"
    assert r.json()["meta"]["available_domains"] == ["dustmail.test", "shared.test"]
    account = h.http.get("/api/v1/account", headers=h.auth(key)).json()["data"]
    assert account["custom_usernames"] is True and account["inbox_ttl_seconds"] == 7200
    # Custom domains stay refused to this plan.
    r = h.http.get("/api/v1/domains", headers=h.auth(key))
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required"


def test_premium_without_custom_domains_is_refused_them(make_harness):
    h = make_harness(plans={"premium": {"custom_domains": False}})
    r = h.http.post("/api/v1/domains", json={"domain": "mine.example"}, headers=h.auth(h.key("p", "premium")))
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required"


def test_every_error_code_raised_is_in_the_catalogue():
    used = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r'(?:ApiError\.of|InboxRefused)\(\s*"(\w+)"', text))
    assert used and used <= set(ERRORS), used - set(ERRORS)


def test_every_operation_documents_its_error_statuses():
    document = openapi_document(Config())
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if operation.get("security") == []:
                continue
            assert {"401", "429", "500"} <= set(operation["responses"]), (method, path)


def test_delivery_queue_reports_only_committed_mail(tmp_path):
    committed = []

    async def scenario():
        store = SqliteStore(tmp_path / "q.sqlite3", on_committed=committed.extend)
        async with store:
            account = await store.ensure_account("a")
            inbox = await store.create_inbox(account.id, "x", "dustmail.test", 60_000)
            email = NewEmail("s@example.com", "hello", "t", "", 10, b"raw", {})
            ids = await store.deliver([inbox], email)
            assert [e.id for e in committed] == ids and committed[0].inbox_id == inbox.id

            async def failing(batch):
                raise StoreError("disk I/O error")

            store._write_deliveries = failing  # type: ignore[method-assign]
            with pytest.raises(StoreError):
                await store.deliver([inbox], email)
            assert len(committed) == 1

    asyncio.run(scenario())


def test_typed_body_refuses_the_first_wrong_field_in_the_old_order(make_harness):
    # The hand-written checks looked at `domain` before the username's type; so does the model.
    h = make_harness()
    key = h.key("p", "premium")
    r = h.http.post("/api/v1/inbox", json={"username": 7, "domain": 5}, headers=h.auth(key))
    assert r.status_code == 422 and r.json()["error"] == {"code": "invalid_domain", "message": "domain must be a string."}
    r = h.http.post("/api/v1/inbox", json={"username": 7}, headers=h.auth(key))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_username"
    # A Free key asking for a username is refused for its plan before any type check.
    r = h.http.post("/api/v1/inbox", json={"username": 7, "domain": 5}, headers=h.auth(h.key()))
    assert r.status_code == 403 and r.json()["error"]["code"] == "premium_required"
