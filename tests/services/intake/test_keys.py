"""Intake's keys from before the directory move onto it and keep working:
``accord intake migrate-keys`` on a data folder written by the previous intake."""

from __future__ import annotations

import hashlib
import secrets
import sqlite3

import pytest
from identities import client_with_key

from services import cli
from services.intake.app import create_app
from services.intake.outbox import Outbox
from shared.bus.embedded import EmbeddedBus
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.settings import Settings

# The table and the outbox columns as the previous intake wrote them.
LEGACY_KEYS = """
CREATE TABLE api_keys (
    key_id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, organization TEXT NOT NULL,
    created_at TEXT NOT NULL, revoked_at TEXT
);
"""
LEGACY_OUTBOX = """
CREATE TABLE reports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE,
    submitted_by TEXT NOT NULL, title TEXT NOT NULL, idempotency_key TEXT,
    request_sha256 TEXT NOT NULL, envelope BLOB NOT NULL, accepted_at TEXT NOT NULL,
    published_at TEXT, UNIQUE (submitted_by, idempotency_key)
);
"""


def legacy_key(conn: sqlite3.Connection, organization: str, revoked: bool = False) -> str:
    key_id = secrets.token_hex(6)
    plain = f"acc_{key_id}_{secrets.token_urlsafe(32)}"
    conn.execute(
        "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?)",
        (
            key_id,
            hashlib.sha256(plain.encode()).hexdigest(),
            organization,
            "2026-11-01T09:00:00+00:00",
            "2026-11-02T09:00:00+00:00" if revoked else None,
        ),
    )
    return plain


@pytest.fixture
def old_data(tmp_path):
    """A data folder as the previous intake left it: three keys, two reports."""
    keys = sqlite3.connect(tmp_path / "intake-keys.sqlite3")
    keys.executescript(LEGACY_KEYS)
    plains = {
        "a1": legacy_key(keys, "Demo Lab"),
        "a2": legacy_key(keys, "Demo Lab"),
        "b": legacy_key(keys, "Lab B"),
        "gone": legacy_key(keys, "Lab B", revoked=True),
    }
    keys.commit()
    keys.close()
    outbox = sqlite3.connect(tmp_path / "intake-outbox.sqlite3")
    outbox.executescript(LEGACY_OUTBOX)
    for n, submitter in enumerate(("Demo Lab", "form:anonymous")):
        outbox.execute(
            "INSERT INTO reports (id, submitted_by, title, request_sha256, envelope,"
            " accepted_at) VALUES (?, ?, ?, ?, ?, ?)",
            (f"01JD00000000000000000000{n}Z", submitter, f"Old {n}", "0" * 64, b"{}", "2026"),
        )
    outbox.commit()
    outbox.close()
    return plains


def migrate(tmp_path, monkeypatch, capsys) -> str:
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path))
    assert cli.main(["intake", "migrate-keys"]) == 0
    return capsys.readouterr().out.strip()


def test_old_keys_keep_working_for_one_organization_each(tmp_path, monkeypatch, capsys, old_data):
    assert migrate(tmp_path, monkeypatch, capsys) == "migrated 3 of 3 live intake keys (0 already)"

    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    projection = DirectoryProjection()
    projection.load(bus, Settings().topic_prefix)
    authenticator = DirectoryAuthenticator(projection)
    a1, a2, b = (authenticator.viewer_for_key(old_data[k]) for k in ("a1", "a2", "b"))
    assert a1.organization_id == a2.organization_id != b.organization_id
    assert a1.roles == {"reporter"} and a1.member
    assert authenticator.viewer_for_key(old_data["gone"]) is None
    names = projection.read(lambda d: sorted(o.name for o in d.organizations.values()))
    assert names == ["Demo Lab", "Lab B"]

    # The lab's earlier report is its own, by id now; the anonymous one is no one's.
    outbox = Outbox(tmp_path / "intake-outbox.sqlite3")
    producer = bus.producer()
    app = create_app(
        Settings(data_dir=tmp_path), bus=bus, outbox=outbox, directory=projection, producer=producer
    )
    try:
        listed = client_with_key(app, old_data["a2"]).get("/v1/reports").get_json()["items"]
        assert [item["title"] for item in listed] == ["Old 0"]
        assert client_with_key(app, old_data["b"]).get("/v1/reports").get_json()["items"] == []
    finally:
        producer.close()
        outbox.close()
        bus.close()


def test_migrating_again_changes_nothing(tmp_path, monkeypatch, capsys, old_data):
    migrate(tmp_path, monkeypatch, capsys)

    assert migrate(tmp_path, monkeypatch, capsys) == "migrated 0 of 3 live intake keys (3 already)"

    bus = EmbeddedBus(tmp_path / "bus.sqlite3")
    projection = DirectoryProjection()
    try:
        assert projection.load(bus, Settings().topic_prefix) == 7  # 2 orgs, 2 accounts, 3 keys
    finally:
        bus.close()


def test_without_old_keys_there_is_nothing_to_migrate(tmp_path, monkeypatch, capsys):
    assert migrate(tmp_path, monkeypatch, capsys) == "migrated 0 of 0 live intake keys (0 already)"
