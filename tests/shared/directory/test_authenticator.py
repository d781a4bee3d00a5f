"""Who a key or a signed-in person is, from the projection, as each change lands."""

from __future__ import annotations

import pytest
from identities import Identities

from shared.access import Viewer
from shared.directory.authenticator import DirectoryAuthenticator
from shared.directory.projection import DirectoryProjection


@pytest.fixture
def projection() -> DirectoryProjection:
    return DirectoryProjection()


@pytest.fixture
def ids(projection) -> Identities:
    return Identities(projection)


@pytest.fixture
def authenticator(projection) -> DirectoryAuthenticator:
    return DirectoryAuthenticator(projection)


def test_a_persons_key_is_that_person_in_their_organization(ids, authenticator):
    ada = ids.person("UK AISI", "ada@aisi.example", roles=["reporter", "oncall"], password=None)
    plain = ids.key_for(ada)

    assert authenticator.viewer_for_key(plain) == Viewer(
        person_id=ada,
        organization_id=ids.organization("UK AISI"),
        member=True,
        roles=frozenset({"reporter", "oncall"}),
        name="Ada",
    )


def test_a_service_accounts_key_in_an_organization_outside_the_collaboration(ids, authenticator):
    regulator = ids.organization("Regulator", member=False)
    account = ids.account("Regulator", roles=["coordinator"])

    viewer = authenticator.viewer_for_key(ids.key_for(account))

    assert viewer == Viewer(
        person_id=account,
        organization_id=regulator,
        member=False,
        roles=frozenset({"coordinator"}),
        name="Regulator pipeline",
    )


def test_revoking_takes_effect_on_the_next_request(ids, authenticator):
    ada = ids.person("UK AISI", "ada@aisi.example", roles=["reporter", "oncall"], password=None)
    plain = ids.key_for(ada)

    ids.revoke_role(ada, "oncall")
    assert authenticator.viewer_for_key(plain).roles == {"reporter"}
    ids.revoke(plain)
    assert authenticator.viewer_for_key(plain) is None
    assert authenticator.viewer_for_key("acc_not_a_key") is None


def test_a_session_lasts_while_the_password_it_began_with(ids, authenticator):
    ada = ids.person("UK AISI", "ada@aisi.example")
    stamp = ids.directory.people[ada].password_stamp

    assert authenticator.viewer_for_person(ada, stamp).person_id == ada
    ids.set_password(ada, "a brand new password", ids.password_link(ada))
    assert authenticator.viewer_for_person(ada, stamp) is None
    assert authenticator.viewer_for_person("nobody", None) is None
