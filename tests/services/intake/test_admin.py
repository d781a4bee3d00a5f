"""``python -m services.intake.admin keys ...``, run in-process on the test's own data dir."""

from __future__ import annotations

import pytest

from services.intake.admin import main
from services.intake.keys import ApiKeys, keys_path
from shared.settings import Settings


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def stored(data_dir):
    """The key store the command writes to, opened as the service opens it."""
    keys = ApiKeys(keys_path(Settings(data_dir=data_dir)))
    yield keys
    keys.close()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def create(capsys, organization: str) -> tuple[str, str]:
    """The plain key printed and the key id named on stderr."""
    code, out, err = run(capsys, "keys", "create", "--organization", organization)
    assert code == 0
    plain = out.strip()
    key_id = err.split("key id ", 1)[1].split()[0]
    return plain, key_id


def test_create_prints_a_key_that_verifies(capsys, stored):
    plain, key_id = create(capsys, "  UK AISI ")

    assert plain.startswith(f"acc_{key_id}_")
    key = stored.verify(plain)
    assert key is not None
    assert (key.key_id, key.organization) == (key_id, "UK AISI")


def test_list_shows_each_key_but_never_its_secret(capsys, stored):
    first, first_id = create(capsys, "UK AISI")
    second, second_id = create(capsys, "CAISI")

    code, out, _ = run(capsys, "keys", "list")

    assert code == 0
    rows = [line.split("\t") for line in out.splitlines()]
    assert [(row[0], row[1], row[3]) for row in rows] == [
        (first_id, "UK AISI", "active"),
        (second_id, "CAISI", "active"),
    ]
    for plain, key_id in ((first, first_id), (second, second_id)):
        assert plain not in out
        assert plain.removeprefix(f"acc_{key_id}_") not in out


def test_revoke_stops_the_key_verifying(capsys, stored):
    plain, key_id = create(capsys, "UK AISI")
    other, _ = create(capsys, "UK AISI")

    code, out, _ = run(capsys, "keys", "revoke", key_id)

    assert code == 0
    assert out.strip() == f"revoked {key_id}"
    assert stored.verify(plain) is None
    assert stored.verify(other) is not None
    listed = run(capsys, "keys", "list")[1]
    assert f"{key_id}\tUK AISI\t" in listed
    assert "\trevoked " in listed.splitlines()[0]


@pytest.mark.parametrize("revoked_first", [False, True], ids=["unknown", "already-revoked"])
def test_revoking_a_key_that_is_not_active_exits_1(capsys, stored, revoked_first):
    _, key_id = create(capsys, "UK AISI")
    if revoked_first:
        assert run(capsys, "keys", "revoke", key_id)[0] == 0
    target = key_id if revoked_first else "0123456789ab"

    code, out, err = run(capsys, "keys", "revoke", target)

    assert code == 1
    assert out == ""
    assert err.strip() == f"no active key with id {target}"


@pytest.mark.parametrize("argv", [["--organization", "   "], ["--organization", ""], []])
def test_create_without_an_organization_is_a_usage_error(capsys, stored, argv):
    with pytest.raises(SystemExit) as exited:
        main(["keys", "create", *argv])

    assert exited.value.code == 2
    _, err = capsys.readouterr()
    assert "usage:" in err
    assert "organization" in err
    assert stored.all() == []


def test_the_keys_go_where_accord_data_dir_says(capsys, data_dir):
    create(capsys, "UK AISI")
    assert keys_path(Settings(data_dir=data_dir)).is_file()
