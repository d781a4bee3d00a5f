"""Who a key or a signed-in person is, answered from the directory projection.

``DirectoryAuthenticator`` is the ``shared.auth.Authenticator`` every service installs. A
revoked key, a revoked role or a removed organization takes effect as soon as the
projection applies the event: nothing is cached elsewhere.
"""

from __future__ import annotations

from shared.access import Viewer
from shared.directory.projection import Directory, DirectoryProjection, Principal


def viewer_of(directory: Directory, principal: Principal) -> Viewer | None:
    organization = directory.organizations.get(principal.organization_id)
    if organization is None:
        return None
    return Viewer(
        person_id=principal.id,
        organization_id=organization.id,
        member=organization.member,
        roles=principal.roles,
        name=principal.name,
    )


class DirectoryAuthenticator:
    def __init__(self, projection: DirectoryProjection) -> None:
        self.projection = projection

    def viewer_for_key(self, key: str) -> Viewer | None:
        def answer(directory: Directory) -> Viewer | None:
            found = directory.live_key(key)
            return viewer_of(directory, directory.principal(found.owner_id)) if found else None

        return self.projection.read(answer)

    def ready(self) -> None:
        self.projection.ready()

    def viewer_for_person(self, person_id: str, password_stamp: str | None) -> Viewer | None:
        """A signed-in person's viewer, while their password is the one they signed in
        with (a new password ends older sessions)."""

        def answer(directory: Directory) -> Viewer | None:
            person = directory.people.get(person_id)
            if person is None or person.password_stamp != password_stamp:
                return None
            return viewer_of(directory, person)

        return self.projection.read(answer)
