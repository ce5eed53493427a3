"""Rules about inboxes shared by the HTTP API and SMTP's catch-all: which plan may
create what where, and for how long an inbox lives.

Refusals are `InboxRefused` with a stable code; the API turns the code into an HTTP status.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import PlanConfig, PlansConfig
from .domains import DomainError, Domains, normalise_domain
from .plans import Plan
from .store import Conflict, Inbox, Store
from .usernames import random_username, validate_username

RANDOM_ATTEMPTS = 20


class InboxRefused(Exception):
    """The inbox cannot be created; `code` names why (a code of the API's error catalogue)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class NewInbox:
    inbox: Inbox
    available_domains: list[str]


class InboxService:
    def __init__(self, store: Store, domains: Domains, plans: PlansConfig) -> None:
        self.store = store
        self.domains = domains
        self.plans = plans

    def plan(self, name: str) -> PlanConfig:
        return self.plans.get(name)

    @staticmethod
    def ttl_ms(plan: PlanConfig) -> int:
        """How long a new inbox of this plan lives, in milliseconds."""
        return int(plan.inbox_ttl * 1000)

    @staticmethod
    def check_username_allowed(plan: PlanConfig, username: object) -> None:
        if username is not None and not plan.custom_usernames:
            raise InboxRefused("premium_required", "Custom usernames need a Premium key.")

    async def create(
        self, account_id: int, plan_name: str, username: str | None, domain: str | None
    ) -> NewInbox:
        """An inbox for the account on `domain` (default: the primary) under `username`
        (default: a random free one), as far as the account's plan allows."""
        plan = self.plan(plan_name)
        available = await self.domains.available_for(account_id, plan)
        self.check_username_allowed(plan, username)
        domain = self._domain(plan, domain, available)
        if username is not None:
            try:
                username = validate_username(username)
            except ValueError as exc:
                raise InboxRefused("invalid_username", str(exc)) from None
            try:
                inbox = await self.create_at(account_id, plan, username, domain)
            except Conflict:
                raise InboxRefused("username_taken", f"{username}@{domain} is not available.") from None
            return NewInbox(inbox, available)
        for _ in range(RANDOM_ATTEMPTS):
            try:
                inbox = await self.create_at(account_id, plan, random_username(), domain)
            except Conflict:
                continue
            return NewInbox(inbox, available)
        raise InboxRefused("no_address", "Could not find a free address; try again.")

    async def create_at(self, account_id: int, plan: PlanConfig, local: str, domain: str) -> Inbox:
        """The one way an inbox comes to be (API and catch-all): `local@domain` for the
        account, living as long as its plan says. Conflict if the address is taken."""
        return await self.store.create_inbox(account_id, local, domain, self.ttl_ms(plan))

    def _domain(self, plan: PlanConfig, domain: str | None, available: list[str]) -> str:
        if domain is None:
            return self.domains.primary
        try:
            domain = normalise_domain(domain)
        except DomainError:
            raise InboxRefused("invalid_domain", "domain is not a valid domain name.") from None
        if domain != self.domains.primary and not (plan.shared_domains or plan.custom_domains):
            raise InboxRefused(
                "premium_required", f"Free keys can only create inboxes on {self.domains.primary}."
            )
        if domain not in available:
            raise InboxRefused("domain_unavailable", f"Domain {domain} is not available to this account.")
        return domain

    async def catch_all(self, account_id: int, owner: str, local: str, domain: str) -> Inbox | None:
        """Sink mode: the inbox at this address, created for the catch-all account on first
        delivery; None if the address cannot be one of its inboxes."""
        try:
            local = validate_username(local)
        except ValueError:
            return None
        account = await self.store.get_account(owner)
        plan = self.plan(account.plan if account else Plan.FREE)
        try:
            return await self.create_at(account_id, plan, local, domain)
        except Conflict:
            # Created by a concurrent session, or an address still held: use it if it is ours.
            found = await self.store.receiving_inbox(f"{local}@{domain}")
            if found is not None and found.inbox.account_id == account_id:
                return found.inbox
            return None
