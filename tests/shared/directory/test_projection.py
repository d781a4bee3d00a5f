"""The directory's state from its events: pure ``apply``, and the shared projection."""

from __future__ import annotations

import threading

import pytest
from identities import Identities

from shared.access import ONCALL, REPORTER, RISK_OWNER
from shared.directory import credentials, service
from shared.directory.projection import Directory, DirectoryProjection
from shared.envelope import Envelope


@pytest.fixture
def made() -> list[Envelope]:
    return []


@pytest.fixture
def ids(made) -> Identities:
    """Commands whose events are collected in ``made``, to apply as a test likes."""
    return Identities(made.extend)


def replayed(events: list[Envelope]) -> Directory:
    directory = Directory()
    for event in events:
        directory.apply(event)
    return directory


def test_replaying_the_events_rebuilds_the_same_directory(ids, made):
    person = ids.person("UK AISI", "ada@aisi.example", roles=[REPORTER])
    plain = ids.key("UK AISI")
    ids.grant(person, ONCALL)

    directory = replayed(made)

    assert directory.people[person].roles == {REPORTER, ONCALL}
    assert directory.people[person].password_hash == ids.directory.people[person].password_hash
    assert directory.live_key(plain) is not None
    assert directory.organization_named("uk aisi").id == ids.organization("UK AISI")
    assert directory.person_by_email("ADA@aisi.example").id == person


def test_a_revoked_key_and_a_revoked_role_are_gone(ids, made):
    person = ids.person("UK AISI", "ada@aisi.example", roles=[REPORTER, RISK_OWNER])
    plain = ids.key("UK AISI")
    ids.revoke(plain)
    ids.revoke_role(person, RISK_OWNER)

    directory = replayed(made)

    assert directory.live_key(plain) is None
    assert directory.people[person].roles == {REPORTER}
    assert directory.live_key("acc_000000000000_" + "x" * 43) is None


def test_an_event_seen_before_is_not_applied_again(ids, made):
    """The live consumer starts at the topic's beginning after ``load``: re-applying the
    grant would undo the revocation that followed it."""
    person = ids.person("UK AISI", "ada@aisi.example", password=None)
    ids.grant(person, ONCALL)
    ids.revoke_role(person, ONCALL)
    projection = DirectoryProjection()
    projection(made)

    projection(made[:2])  # the grant again, as a restarted consumer reads it

    assert projection.read(lambda d: d.people[person].roles) == {REPORTER}


def test_events_that_do_not_fit_change_nothing(ids, made):
    person = ids.person("UK AISI", "ada@aisi.example", password=None)
    other = Identities(made.extend)  # a second admin, who has not seen the first's events
    other.person("UK AISI", "ada@aisi.example", password=None)  # same e-mail, a race

    directory = replayed(made)

    assert list(directory.people) == [person]  # the first one wins, everywhere


def test_a_password_link_works_once(ids, made):
    person = ids.person("UK AISI", "ada@aisi.example", password=None)
    token = ids.password_link(person)
    before = ids.directory.people[person]
    # Two uses of one link, both made before either was applied (a race).
    first = service.set_password(before, token=token, password="first password", producer="t")
    second = service.set_password(before, token=token, password="second password", producer="t")

    directory = replayed([*made, first, second])

    assert directory.people[person].password_stamp == first.id
    assert credentials.password_matches(directory.people[person].password_hash, "first password")
    assert directory.link(token) is None


def test_wait_for_returns_when_another_thread_applies_the_event(ids, made):
    ids.organization("UK AISI")
    projection = DirectoryProjection()
    applier = threading.Thread(target=projection, args=(made,))

    applier.start()
    assert projection.wait_for([made[0].id], timeout=5.0)
    applier.join()
    assert projection.wait_for([made[0].id], timeout=0)
    assert not projection.wait_for(["01JD0000000000000000000000"], timeout=0)


def test_unknown_event_types_are_ignored(ids, made):
    directory = Directory()
    directory.apply(Envelope(type="something.else", key="k", producer="x", payload={}))
    assert directory.organizations == {}
