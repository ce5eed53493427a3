"""Domain names: normalisation, and the DNS proof of ownership for custom domains."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import dns.asyncresolver
import dns.exception
import dns.nameserver
import dns.resolver

from .config import PlanConfig
from .plans import DomainStatus
from .store import Conflict, CustomDomain, ReceivingInbox, Store, now_ms

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_NAME_RE = re.compile(rf"(?:{_LABEL}\.)+{_LABEL}")  # two labels or more, each checked in one pass


class DomainError(ValueError):
    """A string that is not a usable domain name."""


def normalise_domain(name: str) -> str:
    """Lower-case ASCII (IDNA/punycode) form with no trailing dot, or DomainError."""
    if not isinstance(name, str):
        raise DomainError("a domain must be a string")
    text = name.strip().rstrip(".")
    if not text:
        raise DomainError("empty domain name")
    if text.isascii():  # the IDNA codec would only check the label lengths, as _NAME_RE does
        ascii_name = text.lower()
    else:
        try:
            ascii_name = text.encode("idna").decode("ascii").lower()
        except UnicodeError:
            raise DomainError(f"{name!r} is not a valid domain name") from None
    if len(ascii_name) > 253 or not _NAME_RE.fullmatch(ascii_name):
        raise DomainError(f"{name!r} is not a valid domain name")
    labels = ascii_name.split(".")
    if labels[-1].isdigit():  # 1.2.3.4: an IPv4 address, no top-level domain is all digits
        raise DomainError(f"{name!r} is not a domain name (the last label is a number)")
    if "xn--" in ascii_name and not all(_is_a_label(label) for label in labels if label.startswith("xn--")):
        raise DomainError(f"{name!r} is not a valid domain name (bad punycode)")
    return ascii_name


def _is_a_label(label: str) -> bool:
    """Whether an `xn--` label is punycode that decodes to a name and encodes back to itself."""
    try:
        return label.encode("ascii").decode("idna").encode("idna").decode("ascii") == label
    except UnicodeError:
        return False


# --- custom domains: proof of ownership ------------------------------------------

TXT_PREFIX = "_dustmail"
TXT_VALUE_PREFIX = "dustmail-verify="
RECEIVING = tuple(s for s in DomainStatus if s.receiving)


class DomainNotFound(Exception):
    """No such custom domain for this account."""


class DomainTaken(Exception):
    """A shared domain, or one another account has claimed."""


def txt_name(domain: str) -> str:
    return f"{TXT_PREFIX}.{domain}"


def required_records(domain: CustomDomain, mx_host: str) -> list[dict[str, Any]]:
    return [
        {"type": "TXT", "name": txt_name(domain.name), "value": TXT_VALUE_PREFIX + domain.token},
        {"type": "MX", "name": domain.name, "value": mx_host, "priority": 10},
    ]


def parse_nameserver(entry: str) -> tuple[str, int]:
    """ "HOST", "HOST:PORT" or "[IPv6]:PORT" -> (host, port); ValueError if the port is bad."""
    host, port_text = entry, "53"
    if entry.count(":") == 1:
        host, _, port_text = entry.partition(":")
    elif entry.startswith("[") and "]:" in entry:
        host, _, port_text = entry[1:].partition("]:")
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ValueError(f"bad port in {entry!r}")
    return host, int(port_text)


def make_resolver(nameservers: tuple[str, ...], timeout: float) -> dns.asyncresolver.Resolver:
    if nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [
            dns.nameserver.Do53Nameserver(*parse_nameserver(entry)) for entry in nameservers
        ]
    else:
        try:
            resolver = dns.asyncresolver.Resolver()
        except dns.resolver.NoResolverConfiguration:
            resolver = dns.asyncresolver.Resolver(configure=False)
            resolver.nameservers = ["127.0.0.1"]
    resolver.timeout = timeout
    resolver.lifetime = timeout
    return resolver


@dataclass(frozen=True)
class CheckResult:
    txt: dict[str, Any]
    mx: dict[str, Any]

    @property
    def verified(self) -> bool:
        return bool(self.txt["status"] == "valid" and self.mx["status"] == "valid")

    @property
    def transient(self) -> bool:
        return "dns_error" in (self.txt["status"], self.mx["status"])

    def as_dict(self) -> dict[str, Any]:
        return {"verified": self.verified, "records": [self.txt, self.mx]}


async def _lookup(resolver: dns.asyncresolver.Resolver, name: str, rdtype: str) -> tuple[str, Any]:
    """("ok", answer) or ("missing", None) or ("dns_error", reason)."""
    try:
        return "ok", await resolver.resolve(name, rdtype, raise_on_no_answer=True)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return "missing", None
    except dns.resolver.LifetimeTimeout:
        return "dns_error", "timeout"
    except dns.resolver.NoNameservers:
        return "dns_error", "SERVFAIL"
    except dns.exception.DNSException as exc:
        return "dns_error", type(exc).__name__


async def check_records(
    resolver: dns.asyncresolver.Resolver, domain: str, token: str, mx_host: str
) -> CheckResult:
    expected_txt = TXT_VALUE_PREFIX + token
    txt: dict[str, Any] = {"type": "TXT", "name": txt_name(domain), "expected": expected_txt}
    outcome, answer = await _lookup(resolver, txt_name(domain), "TXT")
    if outcome == "ok":
        # A long TXT record arrives as several <=255-byte strings: join them.
        found = [b"".join(r.strings).decode("utf-8", "replace") for r in answer]
        txt["status"] = "valid" if expected_txt in found else "mismatch"
        txt["found"] = found
    else:
        txt["status"] = outcome
        if answer:
            txt["error"] = answer

    mx: dict[str, Any] = {"type": "MX", "name": domain, "expected": mx_host}
    outcome, answer = await _lookup(resolver, domain, "MX")
    if outcome == "ok":
        found = [r.exchange.to_text(omit_final_dot=True).lower() for r in answer]
        mx["status"] = "valid" if mx_host.lower().rstrip(".") in found else "mismatch"
        mx["found"] = found
    else:
        mx["status"] = outcome
        if answer:
            mx["error"] = answer
    return CheckResult(txt, mx)


def next_state(domain: CustomDomain, result: CheckResult, max_failures: int) -> tuple[DomainStatus, int]:
    """The domain's (status, failures) after a check. DNS errors change nothing."""
    if result.verified:
        return DomainStatus.VERIFIED, 0
    if domain.status == DomainStatus.PENDING or result.transient:
        return domain.status, domain.failures
    failures = domain.failures + 1
    return (DomainStatus.SUSPENDED if failures >= max_failures else DomainStatus.FAILING), failures


class Domains:
    """Configured shared domains plus the accounts' custom domains."""

    def __init__(
        self,
        store: Store,
        primary: str,
        shared: tuple[str, ...],
        mx_host: str,
        resolver: dns.asyncresolver.Resolver,
        max_failures: int = 3,
        claim_ttl: float = 3 * 86400,
    ) -> None:
        self.store = store
        self.primary = normalise_domain(primary)
        self.shared = tuple(normalise_domain(d) for d in shared)
        self.mx_host = mx_host
        self.resolver = resolver
        self.max_failures = max_failures
        self.claim_ttl_ms = int(claim_ttl * 1000)

    @classmethod
    def from_config(cls, store: Store, config: Any) -> Domains:
        """From the `domains`, `dns` sections and the SMTP hostname of `config`."""
        return cls(
            store,
            config.domains.primary,
            config.domains.shared,
            config.smtp.hostname,
            make_resolver(config.dns.nameservers, config.dns.timeout),
            config.dns.max_failures,
            config.domains.claim_ttl,
        )

    def is_configured(self, name: str) -> bool:
        return name == self.primary or name in self.shared

    async def available_for(self, account_id: int, plan: PlanConfig) -> list[str]:
        """The domains an account on `plan` may create inboxes on, the primary first."""
        available = [self.primary]
        if plan.shared_domains:
            available += self.shared
        if plan.custom_domains:
            available += [d.name for d in await self.store.list_domains(account_id) if d.status.receiving]
        return available

    def receives(self, domain: str, custom_status: DomainStatus | None) -> bool:
        """Whether mail for `domain` is taken: a configured domain, or a custom domain
        whose status (None when it is not, or no longer, claimed) lets it receive."""
        if custom_status is None:
            return self.is_configured(domain)
        return custom_status.receiving

    def receives_at(self, found: ReceivingInbox) -> bool:
        """Whether the inbox found for an address takes mail: never once its custom
        domain has been claimed by another account."""
        if found.on_foreign_domain:
            return False
        return self.receives(found.inbox.domain, found.domain_status)

    async def add(self, name: str, account_id: int) -> CustomDomain:
        name = normalise_domain(name)
        if self.is_configured(name):
            raise DomainTaken(f"{name} is a shared domain of this server")
        await self.expire_claims()
        try:
            return await self.store.add_domain(name, account_id, secrets.token_hex(16))
        except Conflict:
            raise DomainTaken(f"{name} is already claimed by another account") from None

    async def expire_claims(self) -> int:
        """Drop pending claims older than the claim TTL, so a squatter's claim ends."""
        return await self.store.expire_domain_claims(now_ms() - self.claim_ttl_ms)

    async def owned(self, name: str, account_id: int | None) -> CustomDomain:
        try:
            name = normalise_domain(name)
        except DomainError:
            raise DomainNotFound(name) from None
        await self.expire_claims()
        domain = await self.store.get_domain(name, account_id)
        if domain is None:
            raise DomainNotFound(name)
        return domain

    async def verify(self, domain: CustomDomain) -> tuple[CustomDomain, CheckResult]:
        """Check the records; DomainTaken if another account verified the name first,
        DomainNotFound if this claim was dropped meanwhile."""
        result = await check_records(self.resolver, domain.name, domain.token, self.mx_host)
        status, failures = next_state(domain, result, self.max_failures)
        try:
            recorded = await self.store.record_domain_check(
                domain.name, domain.account_id, status, failures, result.as_dict(), result.verified
            )
        except Conflict:
            raise DomainTaken(f"{domain.name} is already claimed by another account") from None
        updated = await self.store.get_domain(domain.name, domain.account_id)
        if not recorded or updated is None:
            raise DomainNotFound(domain.name)
        return updated, result

    async def verify_name(self, name: str) -> tuple[CustomDomain, CheckResult]:
        """The operator's check of `name`: the holder's claim, else each pending claim in
        turn until one verifies (the first to verify wins). DomainNotFound if unclaimed."""
        try:
            name = normalise_domain(name)
        except DomainError:
            raise DomainNotFound(name) from None
        await self.expire_claims()
        claims = await self.store.domain_claims(name)
        if not claims:
            raise DomainNotFound(name)
        for claim in claims:
            outcome = await self.verify(claim)
            if outcome[1].verified or claim.status != DomainStatus.PENDING:
                return outcome
        return outcome

    async def recheck_due(self, interval_ms: int, now_ms: int) -> int:
        """Re-check verified domains not checked within `interval_ms`; returns how many."""
        due = await self.store.domains_due_for_check(now_ms - interval_ms)
        for domain in due:
            try:
                await self.verify(domain)
            except (DomainNotFound, DomainTaken):
                pass  # removed or taken over while we looked
        return len(due)

    def describe(self, domain: CustomDomain) -> dict[str, Any]:
        return {
            "domain": domain.name,
            "status": domain.status,
            "receiving": domain.status.receiving,
            "records": required_records(domain, self.mx_host),
            "failures": domain.failures,
            "last_check": domain.last_result,
        }
