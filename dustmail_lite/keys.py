"""API key format: `dm_live_` + base62 random body + base62 checksum.

The checksum lets junk be refused without a database lookup. Only the SHA-256
of a key is stored (enough for tokens with 256 bits of entropy), plus a short
display prefix so operators can tell keys apart.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib

PREFIX = "dm_live_"
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BODY_LENGTH = 43  # 62**43 > 2**256: at least 32 random bytes
_CHECKSUM_LENGTH = 6
KEY_LENGTH = len(PREFIX) + _BODY_LENGTH + _CHECKSUM_LENGTH


def valid_account_name(name: str) -> bool:
    """An account (the owner of keys) as an operator names it: printable, no whitespace at
    either end. A newline in a name would print forged lines in listings and logs."""
    return bool(name) and name == name.strip() and name.isprintable()


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        digits.append(_ALPHABET[rem])
    return "".join(reversed(digits))


def _checksum(body: str) -> str:
    return _base62(zlib.crc32(body.encode("ascii")), _CHECKSUM_LENGTH)


def generate() -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(_BODY_LENGTH))
    return PREFIX + body + _checksum(body)


def is_well_formed(key: str) -> bool:
    if len(key) != KEY_LENGTH or not key.startswith(PREFIX):
        return False
    body = key[len(PREFIX) : len(PREFIX) + _BODY_LENGTH]
    checksum = key[len(PREFIX) + _BODY_LENGTH :]
    if any(c not in _ALPHABET for c in body):
        return False
    return hmac.compare_digest(checksum, _checksum(body))


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


def display_prefix(key: str) -> str:
    """What `keys list` shows: enough to recognise a key, useless to an attacker."""
    return key[: len(PREFIX) + 6] + "..."
