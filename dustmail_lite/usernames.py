"""Inbox local parts: random ones that read like `swift.fox4291`, and the rules for chosen ones."""

from __future__ import annotations

import re
import secrets

ADJECTIVES = (
    "amber azure bold brave brisk calm clever cosmic crisp dapper eager fancy fleet gentle "
    "glad golden grand happy hazel humble jolly keen lively lucky mellow merry misty nimble "
    "noble plucky proud quick quiet rapid rosy rustic shy silent silver sleek sly snowy "
    "solar sunny swift tidy vivid witty zesty"
).split()
ANIMALS = (
    "badger bear beaver bison cat cobra crane crow deer dingo dolphin eagle falcon ferret "
    "finch fox gecko goose hare hawk heron ibis koala lark lemur lion lynx marten mink "
    "moose otter owl panda parrot puffin quail raven robin seal shark sloth swan tiger "
    "toad trout walrus whale wolf wren yak zebra"
).split()

RESERVED = frozenset(
    "postmaster abuse hostmaster webmaster root admin administrator mailer-daemon "
    "noc security ssl-admin list-request nobody".split()
)

_USERNAME_RE = re.compile(r"^[a-z0-9._-]{1,64}$")


def random_username() -> str:
    return f"{secrets.choice(ADJECTIVES)}.{secrets.choice(ANIMALS)}{secrets.randbelow(9000) + 1000}"


def validate_username(name: str) -> str:
    """The normalised username, or ValueError saying what is wrong."""
    if not isinstance(name, str):
        raise ValueError("username must be a string")
    name = name.strip().lower()
    if not _USERNAME_RE.match(name):
        raise ValueError("username must be 1-64 characters of a-z, 0-9, '.', '_' and '-'")
    if name.startswith(".") or name.endswith(".") or ".." in name:
        raise ValueError("username cannot start or end with a dot or contain two dots in a row")
    if name in RESERVED:
        raise ValueError(f"username '{name}' is reserved")
    return name
