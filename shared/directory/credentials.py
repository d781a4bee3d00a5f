"""Credentials the directory hands out or checks: API keys, one-time links and passwords.

An API key is ``acc_<key id>_<secret>`` and a link token 256 random bits; of both only a
SHA-256 is kept. They are high-entropy, so a fast hash is enough and lets a request be
checked with one lookup. Passwords are chosen by people, so they get argon2id.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

KEY_PREFIX = "acc_"
_KEY = re.compile(r"acc_([0-9a-f]{12})_[A-Za-z0-9_-]{43}")
PASSWORD_MIN = 12
PASSWORD_MAX = 256

_HASHER = PasswordHasher()
# Verified against when there is no hash, so an unknown account takes as long to refuse.
_NO_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_key() -> tuple[str, str]:
    """A new API key's id and its plain form (shown once, never stored)."""
    key_id = secrets.token_hex(6)
    return key_id, f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"


def key_id_of(plain: str) -> str | None:
    """The id inside a well-formed key, else None (a key that cannot exist)."""
    match = _KEY.fullmatch(plain)
    return match.group(1) if match else None


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash or _NO_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password cannot be used, or None."""
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    return None
