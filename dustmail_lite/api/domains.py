"""Custom domains: claim, list, verify, remove (plans with `custom_domains`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from ..domains import DomainError, DomainNotFound, DomainTaken
from ..store import CustomDomain
from .auth import Caller
from .context import ApiContext
from .errors import ApiError
from .models import AddDomain, Domain, DomainListMeta
from .routing import Operation, decode, done, json_object, ok


def domain_model(ctx: ApiContext, domain: CustomDomain, check: dict[str, object] | None = None) -> Domain:
    described = ctx.domains.describe(domain)
    if check is not None:
        described["check"] = check
    return Domain(**described)


async def list_domains(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    await ctx.domains.expire_claims()
    domains = await ctx.store.list_domains(caller.account_id)
    meta = DomainListMeta(rate_limit=caller.rate_limit, total=len(domains))
    return ok(caller, [domain_model(ctx, d) for d in domains], meta)


async def add_domain(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    body = decode(await json_object(request, ctx.http.max_body_size), AddDomain)
    try:
        domain = await ctx.domains.add(body.domain, caller.account_id)
    except DomainError as exc:
        raise ApiError.of("invalid_domain", str(exc)) from None
    except DomainTaken as exc:
        raise ApiError.of("domain_taken", str(exc)) from None
    return ok(caller, domain_model(ctx, domain), status=201)


async def verify_domain(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    domain = await owned_domain(ctx, request, caller)
    try:
        domain, result = await ctx.domains.verify(domain)
    except DomainTaken as exc:
        raise ApiError.of("domain_taken", str(exc)) from None
    except DomainNotFound:
        raise ApiError.of("domain_not_found", "No such domain on this account.") from None
    return ok(caller, domain_model(ctx, domain, result.as_dict()))


async def delete_domain(ctx: ApiContext, request: Request, caller: Caller) -> Response:
    domain = await owned_domain(ctx, request, caller)
    await ctx.store.remove_domain(domain.name, caller.account_id)
    return done(caller, "Domain removed")


async def owned_domain(ctx: ApiContext, request: Request, caller: Caller) -> CustomDomain:
    try:
        return await ctx.domains.owned(request.path_params["domain"], caller.account_id)
    except DomainNotFound:
        raise ApiError.of("domain_not_found", "No such domain on this account.") from None


_PLAN = "custom_domains"

OPERATIONS = [
    Operation(
        "GET",
        "/domains",
        list_domains,
        "listDomains",
        "The account's custom domains (Premium)",
        data=list[Domain],
        meta=DomainListMeta,
        capability=_PLAN,
        errors=("premium_required",),
    ),
    Operation(
        "POST",
        "/domains",
        add_domain,
        "addDomain",
        "Claim a custom domain; returns the DNS records to create (Premium)",
        data=Domain,
        status=201,
        body=AddDomain,
        body_required=True,
        capability=_PLAN,
        errors=("premium_required", "invalid_json", "body_too_large", "invalid_domain", "domain_taken"),
    ),
    Operation(
        "POST",
        "/domains/{domain}/verify",
        verify_domain,
        "verifyDomain",
        "Check the TXT and MX records now (Premium)",
        data=Domain,
        capability=_PLAN,
        errors=("premium_required", "domain_not_found", "domain_taken"),
    ),
    Operation(
        "DELETE",
        "/domains/{domain}",
        delete_domain,
        "deleteDomain",
        "Remove a custom domain; its inboxes stop receiving (Premium)",
        reply="done",
        capability=_PLAN,
        errors=("premium_required", "domain_not_found"),
    ),
]
