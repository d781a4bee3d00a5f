"""Lab API keys, stored hashed.

A key is ``acc_<key id>_<secret>``; only its SHA-256 is kept. Keys are 256-bit random
tokens, so a fast hash is enough (slow hashes protect low-entropy passwords) and lets a
request be checked with one indexed lookup.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from shared.envelope import utcnow
from shared.settings import Settings

_SCHEMA = """
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    organization TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""
PREFIX = "acc_"


@dataclass(frozen=True)
class ApiKey:
    key_id: str
    organization: str
    created_at: str
    revoked_at: str | None = None


def keys_path(settings: Settings) -> Path:
    return settings.data_dir / "intake-keys.sqlite3"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKeys:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.executescript(_SCHEMA)
        self._lock = threading.Lock()

    def create(self, organization: str) -> tuple[ApiKey, str]:
        """A new key for ``organization``; the plain key is returned once, never stored."""
        organization = organization.strip()
        if not organization:
            raise ValueError("an API key needs an organization name")
        key_id = secrets.token_hex(6)
        plain = f"{PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
        key = ApiKey(key_id, organization, utcnow().isoformat())
        with self._lock:
            self._conn.execute(
                "INSERT INTO api_keys (key_id, sha256, organization, created_at)"
                " VALUES (?, ?, ?, ?)",
                (key.key_id, _digest(plain), key.organization, key.created_at),
            )
        return key, plain

    def verify(self, plain: str) -> ApiKey | None:
        """The live key matching ``plain``, or None (unknown, malformed or revoked)."""
        if not plain.startswith(PREFIX):
            return None
        with self._lock:
            row = self._conn.execute(
                "SELECT key_id, organization, created_at FROM api_keys"
                " WHERE sha256 = ? AND revoked_at IS NULL",
                (_digest(plain),),
            ).fetchone()
        return ApiKey(*row) if row else None

    def is_active(self, key_id: str) -> bool:
        """Whether the key with this id exists and is not revoked."""
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM api_keys WHERE key_id = ? AND revoked_at IS NULL", (key_id,)
            ).fetchone()
        return row is not None

    def revoke(self, key_id: str) -> bool:
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (utcnow().isoformat(), key_id),
            )
        return cursor.rowcount == 1

    def all(self) -> list[ApiKey]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT key_id, organization, created_at, revoked_at FROM api_keys"
                " ORDER BY created_at"
            ).fetchall()
        return [ApiKey(*row) for row in rows]

    def close(self) -> None:
        self._conn.close()
