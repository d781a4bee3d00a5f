"""Directory entries for tests, made by the real commands (``shared.directory.service``).

``Identities`` hands each event to ``sink``: a projection (unit tests apply directly) or
a publisher (integration tests put it on a bus). It keeps its own ``Directory`` to check
the commands against, as the ``accord`` command does.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from shared.access import REPORTER
from shared.bus.interfaces import Producer
from shared.directory import credentials, service
from shared.directory.models import WorkingHours
from shared.directory.projection import Directory, publish
from shared.envelope import Envelope, utcnow

PASSWORD = "correct horse battery staple"
APPLIED_WITHIN = 5.0  # seconds: the issue's bound for a change to reach every service


def on_the_bus(producer: Producer, prefix: str, *projections) -> Callable[[list[Envelope]], None]:
    """A sink that publishes and returns once every projection (fed by its own follower)
    has applied the events."""

    def sink(events: list[Envelope]) -> None:
        publish(producer, prefix, events)
        for projection in projections:
            assert projection.wait_for([e.id for e in events], APPLIED_WITHIN)

    return sink


class Identities:
    def __init__(self, sink: Callable[[list[Envelope]], None]) -> None:
        self.directory = Directory()
        self._sink = sink

    def _emit(self, *events: Envelope) -> Envelope:
        for event in events:
            self.directory.apply(event)
        self._sink(list(events))
        return events[-1]

    def organization(self, name: str, *, member: bool = True) -> str:
        """The id of the organization named ``name``, added the first time."""
        found = self.directory.organization_named(name)
        if found:
            return found.id
        event = service.add_organization(self.directory, name=name, member=member)
        return self._emit(event).payload["organization_id"]

    def account(self, organization: str, *, roles=(REPORTER,)) -> str:
        event = service.add_service_account(
            self.directory,
            name=f"{organization} pipeline",
            organization_id=self.organization(organization),
            roles=roles,
        )
        return self._emit(event).payload["account_id"]

    def key(self, organization: str, *, roles=(REPORTER,)) -> str:
        """A new service account of ``organization`` with ``roles``, and a key for it."""
        return self.key_for(self.account(organization, roles=roles))

    def key_for(self, owner_id: str) -> str:
        event, plain = service.create_key(
            self.directory, owner_id=owner_id, label="test", now=utcnow()
        )
        self._emit(event)
        return plain

    def person(
        self, organization: str, email: str, *, roles=(REPORTER,), password: str | None = PASSWORD
    ) -> str:
        """A person of ``organization``; with a password set through a one-time link."""
        event = service.add_person(
            self.directory,
            name=email.split("@")[0].title(),
            email=email,
            organization_id=self.organization(organization),
            roles=roles,
            timezone="Europe/London",
            working_hours=WorkingHours(),
        )
        person_id = self._emit(event).payload["person_id"]
        if password is not None:
            self.set_password(person_id, password, self.password_link(person_id))
        return person_id

    def password_link(self, person_id: str) -> str:
        event, token = service.issue_password_link(
            self.directory, person_id=person_id, now=utcnow()
        )
        self._emit(event)
        return token

    def set_password(self, person_id: str, password: str, token: str) -> None:
        person = self.directory.people[person_id]
        self._emit(service.set_password(person, token=token, password=password, producer="test"))

    def grant(self, principal_id: str, role: str) -> Envelope:
        return self._emit(
            service.change_role(self.directory, principal_id=principal_id, role=role, grant=True)
        )

    def revoke_role(self, principal_id: str, role: str) -> Envelope:
        return self._emit(
            service.change_role(self.directory, principal_id=principal_id, role=role, grant=False)
        )

    def revoke(self, plain: str) -> Envelope:
        key_id = credentials.key_id_of(plain)
        return self._emit(service.revoke_key(self.directory, key_id=key_id, now=utcnow()))


def client_with_key(app: Flask, plain: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {plain}"
    return client


def client_for(app: Flask, identities: Identities, organization: str) -> FlaskClient:
    """A test client that sends a new API key of ``organization`` (a reporter service
    account) with every request."""
    return client_with_key(app, identities.key(organization))
