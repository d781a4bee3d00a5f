"""``accord org|person|account|role|key``, run in-process on an embedded bus in the test's
own data folder, as an operator types them."""

from __future__ import annotations

import re

import pytest

from services import cli
from shared.bus.embedded import EmbeddedBus
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection
from shared.settings import Settings


@pytest.fixture
def accord(tmp_path, monkeypatch, capsys):
    """``accord(*args)``: the exit status, standard output and standard error."""
    monkeypatch.setenv("ACCORD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ACCORD_INTAKE_URL", "https://intake.example.org")

    def run(*args: str) -> tuple[int, str, str]:
        try:
            status = cli.main(list(args))
        except SystemExit as exc:  # argparse's refusals
            status = exc.code
        out, err = capsys.readouterr()
        return status, out.strip(), err.strip()

    return run


@pytest.fixture
def directory(tmp_path):
    """What a service starting now would know: the bus replayed into a projection."""

    def load() -> DirectoryProjection:
        bus = EmbeddedBus(tmp_path / "bus.sqlite3")
        try:
            projection = DirectoryProjection()
            projection.load(bus, Settings().topic_prefix)
        finally:
            bus.close()
        return projection

    return load


def test_an_admin_builds_a_collaboration_and_its_keys_work(accord, directory):
    status, org_id, _ = accord("org", "add", "UK AISI")
    assert status == 0
    assert accord("org", "add", "EU AI Office", "--not-member")[0] == 0
    status, person_id, _ = accord(
        "person", "add", "--name", "Ada Reyes", "--email", "ada@aisi.example",
        "--org", "UK AISI", "--role", "reporter", "--timezone", "Europe/London",
        "--hours", "08:30-16:30", "--days", "1-4", "--channel", "slack:#safety",
    )  # fmt: skip
    assert status == 0
    assert accord("role", "grant", "ada@aisi.example", "oncall")[1] == "granted oncall to Ada Reyes"
    status, plain, note = accord("key", "create", person_id, "--label", "laptop")
    assert status == 0 and plain.startswith("acc_")
    assert "store it now, it is not kept" in note

    projection = directory()
    viewer = DirectoryAuthenticator(projection).viewer_for_key(plain)
    assert (viewer.person_id, viewer.organization_id) == (person_id, org_id)
    assert viewer.roles == {"reporter", "oncall"}
    ada = projection.read(lambda d: d.people[person_id])
    assert (ada.working_hours.start, ada.working_hours.end, ada.working_hours.days) == (
        "08:30",
        "16:30",
        (1, 2, 3, 4),
    )
    assert [c.kind for c in ada.channels] == ["email", "slack"]

    orgs = accord("org", "list")[1].splitlines()
    assert [line.split("\t")[1:] for line in orgs] == [
        ["EU AI Office", "not a member"],
        ["UK AISI", "member"],
    ]
    people = accord("person", "list")[1]
    assert "ada@aisi.example\tAda Reyes\tUK AISI\toncall,reporter\tno password" in people


def test_a_key_is_listed_without_its_secret_and_revoked_by_id(accord, directory):
    accord("org", "add", "UK AISI")
    _, account, _ = accord(
        "account", "add", "--name", "CI", "--org", "UK AISI", "--role", "reporter"
    )
    plain = accord("key", "create", account)[1]
    key_id = plain.split("_")[1]

    listed = accord("key", "list")[1]
    assert listed.startswith(f"{key_id}\tCI\t")
    assert listed.endswith("active")
    assert plain.split("_", 2)[2] not in listed
    assert accord("key", "revoke", key_id) == (0, f"revoked {key_id}", "")
    assert "\trevoked " in accord("key", "list")[1]
    assert DirectoryAuthenticator(directory()).viewer_for_key(plain) is None
    assert accord("key", "revoke", key_id)[0] == 1


def test_a_password_link_is_printed_and_works_once(accord, directory):
    accord("org", "add", "UK AISI")
    accord("person", "add", "--name", "Ada", "--email", "ada@aisi.example", "--org", "UK AISI")

    status, link, note = accord("person", "password-link", "ada@aisi.example")

    assert status == 0
    match = re.fullmatch(r"https://intake\.example\.org/set-password/([A-Za-z0-9_-]{43})", link)
    assert match is not None
    assert "one-time link for ada@aisi.example, valid until" in note
    assert directory().read(lambda d: d.link(match.group(1))) is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("person", "add", "--name", "X", "--email", "x@y.example", "--org", "Nope"),
         "no organization 'Nope'"),
        (("person", "add", "--name", "X", "--email", "x@y.example", "--org", "UK AISI",
          "--timezone", "Mars/Base"), "not an IANA time zone"),
        (("role", "grant", "nobody@y.example", "admin"), "no person or service account"),
        (("key", "revoke", "0123456789ab"), "no key with id '0123456789ab'"),
        (("org", "add", "uk aisi"), "exists already"),
    ],
)  # fmt: skip
def test_a_refused_command_says_why_and_exits_1(accord, args, message):
    accord("org", "add", "UK AISI")
    status, out, err = accord(*args)
    assert (status, out) == (1, "")
    assert err.startswith("accord: ") and message in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("role", "grant", "x", "emperor"), "invalid choice: 'emperor'"),
        (("person", "add", "--name", "X", "--email", "x", "--org", "o", "--hours", "9"),
         "HH:MM-HH:MM"),
        (("person", "add", "--name", "X", "--email", "x", "--org", "o", "--channel", "fax:1"),
         "KIND:TARGET"),
    ],
)  # fmt: skip
def test_malformed_arguments_are_usage_errors(accord, args, message):
    status, _, err = accord(*args)
    assert status == 2
    assert message in err
