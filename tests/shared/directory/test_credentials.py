"""Keys, link tokens and password hashes."""

from __future__ import annotations

import pytest

from shared.directory import credentials


def test_a_new_key_carries_its_id_and_only_its_hash_is_kept():
    key_id, plain = credentials.new_key()

    assert plain.startswith(f"acc_{key_id}_")
    assert credentials.key_id_of(plain) == key_id
    assert len(credentials.sha256(plain)) == 64
    assert credentials.new_key()[1] != plain


@pytest.mark.parametrize(
    "text", ["", "acc_", "acc_0123456789ab_short", "xyz_0123456789ab_" + "a" * 43, "acc_XYZ"]
)
def test_a_malformed_key_has_no_id(text):
    assert credentials.key_id_of(text) is None


def test_passwords_are_argon2id_hashes_that_verify_only_the_password():
    hashed = credentials.hash_password("correct horse battery")

    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert credentials.password_matches(hashed, "correct horse battery")
    assert not credentials.password_matches(hashed, "correct horse battery!")
    assert not credentials.password_matches(None, "correct horse battery")
    assert not credentials.password_matches("not a hash", "x")


@pytest.mark.parametrize(
    ("password", "problem"),
    [("a" * 11, "at least 12"), ("a" * 12, None), ("a" * 256, None), ("a" * 257, "at most 256")],
)
def test_password_length_rules(password, problem):
    found = credentials.password_problem(password)
    assert (found is None) if problem is None else problem in found
