"""The OpenAPI description is true: every route is in it, and a schema-driven run
(schemathesis) against a live server finds no 5xx and no response outside the spec.

`pytest --fuzz-examples 500 tests/test_openapi.py` runs a longer fuzz.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from helpers import Env, Live
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from starlette.routing import Mount, Route

from dustmail_lite.api.openapi import openapi_document
from dustmail_lite.app import create_app
from dustmail_lite.config import Config

FUZZ_EXAMPLES = int(os.environ.get("DUSTMAIL_FUZZ_EXAMPLES", "15"))  # per operation
DOCUMENT = openapi_document(Config())


@schemathesis.serializer("message/rfc822")
def _raw_message(ctx, value):
    """The dry run's body: whatever string the fuzzer made, as bytes (most are not messages: 422)."""
    if isinstance(value, bytes):
        return value
    return (value if isinstance(value, str) else repr(value)).encode("utf-8", "surrogatepass")


schema = schemathesis.openapi.from_dict(DOCUMENT)


def test_every_route_is_described_and_nothing_else(env):
    app = create_app(env.config)
    [api] = [r for r in app.routes if isinstance(r, Mount) and r.path == "/api/v1"]
    routes = set()
    for route in api.routes:
        assert isinstance(route, Route), route
        for method in route.methods or ():
            if method != "HEAD":
                routes.add((method.lower(), "/api/v1" + route.path))
    documented = {
        (method, path)
        for path, item in DOCUMENT["paths"].items()
        for method in item
        if method in ("get", "post", "put", "delete", "patch")
    }
    assert routes == documented


def test_document_is_served(harness):
    r = harness.http.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.json()["openapi"] == "3.1.0"


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory):
    # The auth-failure throttle (tested in test_api.py) would turn the fuzzer's bad-key probes into 429s.
    env = Env(tmp_path_factory.mktemp("fuzz"), {"http": {"auth_failures": 1_000_000}})
    live = Live(env)
    key = live.key("fuzzer", "premium")
    inbox = live.create_inbox(key)
    live.send(inbox["email"], subject="seed", html="<p>seed</p>")
    yield live, key, inbox
    live.stop()


@schema.exclude(path="/api/v1/events").parametrize()
@settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_api_conforms_to_its_description(case, fuzz_server):
    live, key, inbox = fuzz_server
    if case.meta is not None and case.meta.generation.mode.is_negative:
        # Leave invalid requests as generated; they must be refused.
        case.call_and_validate(base_url=live.base_url, headers={"Authorization": f"Bearer {key}"}, timeout=10)
        return
    if "inbox_id" in (case.path_parameters or {}) and case.method == "GET" and not case.path.endswith("/events"):
        case.path_parameters["inbox_id"] = inbox["id"]
    timeout = (case.query or {}).get("timeout")
    if case.path.endswith("/wait") and (timeout is None or isinstance(timeout, (int, float)) and timeout > 0.2):
        case.query = {**(case.query or {}), "timeout": 0.2}  # schema-valid, and keeps the run fast
    case.call_and_validate(
        base_url=live.base_url,
        headers={"Authorization": f"Bearer {key}"},
        # Business rules a schema cannot spell (reserved usernames, unknown domains) answer
        # 422 to schema-valid bodies; every other check stays on.
        excluded_checks=[positive_data_acceptance],
        timeout=10,
    )
