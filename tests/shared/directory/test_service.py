"""The directory's commands: what each refuses, with a message that says what to change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from identities import Identities

from shared.access import ADMIN, REPORTER
from shared.directory import service
from shared.directory.models import Channel, WorkingHours
from shared.directory.service import DirectoryError
from shared.envelope import utcnow


@pytest.fixture
def ids() -> Identities:
    return Identities(lambda events: None)


def person(ids: Identities, **changes):
    values = {
        "name": "Ada",
        "email": "ada@aisi.example",
        "organization_id": ids.organization("UK AISI"),
        "roles": [REPORTER],
        "timezone": "Europe/London",
        "working_hours": WorkingHours(),
        "channels": [Channel(kind="sms", target="+44 20 7946 0000")],
    }
    return service.add_person(ids.directory, **{**values, **changes})


def test_a_person_is_added_with_everything_the_directory_holds(ids):
    event = person(ids, working_hours=WorkingHours(start="08:30", end="16:00", days=(5, 1, 1)))

    assert event.type == "person.added"
    assert event.key == event.payload["person_id"]
    assert event.payload["working_hours"] == {"start": "08:30", "end": "16:00", "days": [1, 5]}
    assert event.payload["channels"] == [{"kind": "sms", "target": "+44 20 7946 0000"}]
    assert event.payload["timezone"] == "Europe/London"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"organization_id": "nope"}, "no organization with id 'nope'"),
        ({"timezone": "Mars/Olympus"}, "not an IANA time zone"),
        ({"roles": ["emperor"]}, "unknown role 'emperor'"),
        ({"working_hours": WorkingHours(start="18:00", end="09:00")}, "end after they start"),
        ({"working_hours": WorkingHours(start="25:00", end="26:00")}, "working_hours"),
        ({"email": "not an address"}, "email"),
        ({"channels": [Channel(kind="pigeon", target="x")]}, "channels"),
    ],
)
def test_a_bad_person_is_refused_with_the_reason(ids, changes, message):
    with pytest.raises(DirectoryError, match=message):
        person(ids, **changes)


def test_an_e_mail_belongs_to_one_person(ids):
    ids.directory.apply(person(ids))
    with pytest.raises(DirectoryError, match="belongs to someone already"):
        person(ids, email="ADA@aisi.example")


def test_organization_names_are_unique_and_found_by_name_or_id(ids):
    org_id = ids.organization("UK AISI")
    with pytest.raises(DirectoryError, match="exists already"):
        service.add_organization(ids.directory, name=" uk aisi ", member=True)
    assert service.organization(ids.directory, "UK AISI") == org_id
    assert service.organization(ids.directory, org_id) == org_id
    with pytest.raises(DirectoryError, match="no organization 'CAISI'"):
        service.organization(ids.directory, "CAISI")


def test_a_role_is_granted_once_and_revoked_once(ids):
    ada = ids.person("UK AISI", "ada@aisi.example", password=None)
    ids.grant(ada, ADMIN)
    with pytest.raises(DirectoryError, match="has role admin"):
        ids.grant(ada, ADMIN)
    ids.revoke_role(ada, ADMIN)
    with pytest.raises(DirectoryError, match="does not have role admin"):
        ids.revoke_role(ada, ADMIN)
    with pytest.raises(DirectoryError, match="no person or service account"):
        ids.grant("nobody", ADMIN)


def test_a_key_is_revoked_once_and_unknown_keys_are_named(ids):
    plain = ids.key("UK AISI")
    ids.revoke(plain)
    with pytest.raises(DirectoryError, match="was revoked at"):
        ids.revoke(plain)
    with pytest.raises(DirectoryError, match="no key with id 'ffffffffffff'"):
        service.revoke_key(ids.directory, key_id="ffffffffffff", now=utcnow())
    with pytest.raises(DirectoryError, match="no person or service account"):
        service.create_key(ids.directory, owner_id="nobody", label="", now=utcnow())


def test_a_principal_is_found_by_id_or_e_mail(ids):
    ada = ids.person("UK AISI", "ada@aisi.example", password=None)
    account = ids.account("UK AISI")
    assert service.principal(ids.directory, "Ada@AISI.example").id == ada
    assert service.principal(ids.directory, account).id == account
    with pytest.raises(DirectoryError, match="give an id or an e-mail"):
        service.principal(ids.directory, "bo@aisi.example")


def test_a_link_expires_and_a_short_password_is_refused(ids):
    ada = ids.person("UK AISI", "ada@aisi.example", password=None)
    token = ids.password_link(ada)
    now = utcnow()
    assert service.usable_link(ids.directory, token=token, now=now).id == ada
    with pytest.raises(DirectoryError, match="unknown, used or expired"):
        service.usable_link(ids.directory, token=token, now=now + timedelta(days=3, seconds=1))
    with pytest.raises(DirectoryError, match="unknown, used or expired"):
        service.usable_link(ids.directory, token="made-up", now=now)
    with pytest.raises(DirectoryError, match="at least 12 characters"):
        service.set_password(ids.directory.people[ada], token=token, password="short", producer="t")
