"""Who is calling: the API key check, the per-address throttle on failed keys, and the
per-account rate limit. Routes get a `Caller` from `Authenticator.authenticate`, which
the route table runs before every handler that is not public."""

from __future__ import annotations

import math
from dataclasses import dataclass

from starlette.requests import Request

from .. import keys
from ..config import HttpConfig, PlanConfig, PlansConfig
from ..limits import client_key
from ..plans import Plan
from ..store import ApiKey, Store
from .errors import ApiError
from .models import RateLimit

AUTH_FAILURE_WINDOW = 60.0

# capability of PlanConfig -> the refusal when the caller's plan lacks it
CAPABILITY_REFUSALS = {
    "custom_domains": "Custom domains need a Premium key.",
    "custom_usernames": "Custom usernames need a Premium key.",
}


@dataclass(frozen=True)
class Caller:
    account_id: int
    account_name: str
    plan: Plan
    plan_config: PlanConfig
    key_id: str
    rate_limit: RateLimit
    rate_headers: dict[str, str]


class Authenticator:
    def __init__(self, store: Store, http: HttpConfig, plans: PlansConfig) -> None:
        self.store = store
        self.max_auth_failures = http.auth_failures
        self.plans = plans
        # Shared by every node when the store's database is (PostgreSQL), else in memory.
        self.requests = store.window_counter("requests")
        self.auth_failures = store.window_counter("auth_failures")

    async def authenticate(self, request: Request) -> Caller:
        """The caller of an API request: its key checked, the request counted."""
        api_key = await self.identify(request)
        plan = self.plans.get(api_key.plan)
        limit, used, headers = await self._count_request(api_key.account_id, plan)
        return Caller(
            api_key.account_id,
            api_key.account_name,
            api_key.plan,
            plan,
            api_key.id,
            RateLimit(limit=limit, used=used),
            headers,
        )

    async def identify(self, request: Request) -> ApiKey:
        """The active key the request presents, without counting a request (the MCP endpoint
        counts its tool calls, not its protocol messages); 401 or 429 as for any request."""
        key = presented_key(request)
        api_key = None
        if key and keys.is_well_formed(key):
            api_key = await self.store.key_by_hash(keys.hash_key(key))
        if api_key is None or api_key.revoked_at is not None:
            await self._failed(request)
            raise ApiError.of(
                "unauthorized",
                "A valid API key is required: 'Authorization: Bearer dm_live_...' or 'X-API-Key'.",
                {"WWW-Authenticate": 'Bearer realm="dustmail"'},
            )
        return api_key

    async def _failed(self, request: Request) -> None:
        """Count a failed authentication; 429 once the client has failed too often. Only
        failures are counted and refused: a valid key from the same address (a shared proxy,
        a NAT) is never locked out by someone else's junk. IPv6 clients count per /64."""
        client = client_key(request.client.host) if request.client else "unknown"
        if await self.auth_failures.peek(client, AUTH_FAILURE_WINDOW) >= self.max_auth_failures:
            raise ApiError.of(
                "too_many_auth_failures",
                "Too many failed authentications from this address; try again in a minute.",
                {"Retry-After": "60"},
            )
        await self.auth_failures.hit(client, AUTH_FAILURE_WINDOW)

    async def _count_request(
        self, account_id: int, plan: PlanConfig
    ) -> tuple[int | None, int, dict[str, str]]:
        """Count one request of the account; 429 past its plan's limit."""
        used, reset_at = await self.requests.hit(account_id, plan.rate_window)
        reset = math.ceil(reset_at - 0.001)  # float noise must not turn 3600 into 3601
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
                raise ApiError.of(
                    "rate_limited",
                    f"Rate limit of {limit} requests per window reached; retry in {headers['Retry-After']}s.",
                    headers,
                )
        return limit, used, headers

    @staticmethod
    def require(caller: Caller, capability: str) -> None:
        """403 unless the caller's plan has `capability` (a boolean field of PlanConfig)."""
        if not getattr(caller.plan_config, capability):
            raise ApiError.of("premium_required", CAPABILITY_REFUSALS[capability])


def presented_key(request: Request) -> str | None:
    auth = request.headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
    key = request.headers.get("x-api-key")
    return key.strip() if key else None
