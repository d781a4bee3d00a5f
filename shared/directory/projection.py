"""The directory as one service sees it: the events applied, in order, in memory.

``Directory`` is the state and its pure ``apply``; ``DirectoryProjection`` shares one
between request threads and the consumer. The same ``apply`` runs at start-up (``load``
replays the topic before the service answers) and live (``follower``: a consumer runner
in a group of this process's own, so every process sees every event).

The directory topic has one partition, so every projection applies the same events in the
same order and ends in the same state. An event that does not fit the state (a role for a
person nobody added) changes nothing; the commands (``service``) refuse those before they
are written, so only a race between two admins can produce one.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from shared.bus.interfaces import Bus, Producer
from shared.bus.runner import ConsumerRunner
from shared.directory import credentials
from shared.directory import events as ev
from shared.directory.cache import DirectoryCache
from shared.directory.models import (
    ApiKey,
    Channel,
    Organization,
    PasswordLink,
    Person,
    ServiceAccount,
    WorkingHours,
)
from shared.envelope import Envelope, InvalidMessage, decode, encode
from shared.errors import Unavailable
from shared.topics import DEAD_LETTERS, DIRECTORY, all_topics, topic_name

log = logging.getLogger(__name__)

Principal = Person | ServiceAccount


class Directory:
    """The directory's state; ``apply`` is its only writer. Not thread-safe by itself."""

    def __init__(self) -> None:
        self.organizations: dict[str, Organization] = {}
        self.people: dict[str, Person] = {}
        self.accounts: dict[str, ServiceAccount] = {}
        self.keys: dict[str, ApiKey] = {}
        self.links: dict[str, PasswordLink] = {}
        self._key_ids_by_hash: dict[str, str] = {}
        self._people_by_email: dict[str, str] = {}

    # --- reading ---------------------------------------------------------------------

    def principal(self, principal_id: str) -> Principal | None:
        return self.people.get(principal_id) or self.accounts.get(principal_id)

    def person_by_email(self, email: str) -> Person | None:
        person_id = self._people_by_email.get(email.strip().casefold())
        return self.people[person_id] if person_id else None

    def organization_named(self, name: str) -> Organization | None:
        wanted = name.strip().casefold()
        return next((o for o in self.organizations.values() if o.name.casefold() == wanted), None)

    def live_key(self, plain: str) -> ApiKey | None:
        """The unrevoked key whose plain form is ``plain``, if its owner still exists."""
        key_id = self._key_ids_by_hash.get(credentials.sha256(plain))
        key = self.keys.get(key_id) if key_id else None
        if key is None or key.revoked_at is not None or self.principal(key.owner_id) is None:
            return None
        return key

    def link(self, token: str) -> PasswordLink | None:
        return self.links.get(credentials.sha256(token))

    # --- applying --------------------------------------------------------------------

    def apply(self, envelope: Envelope) -> None:
        handler = _APPLY.get(envelope.type)
        if handler is not None:
            handler(self, envelope.payload, envelope)

    def _organization_added(self, p: dict[str, Any], _: Envelope) -> None:
        if p["organization_id"] not in self.organizations:
            self.organizations[p["organization_id"]] = Organization(
                id=p["organization_id"], name=p["name"], member=p["member"]
            )

    def _person_added(self, p: dict[str, Any], _: Envelope) -> None:
        email = p["email"].casefold()
        if (
            self.principal(p["person_id"]) is not None
            or email in self._people_by_email
            or p["organization_id"] not in self.organizations
        ):
            log.warning(
                "directory: person %s not added: id, e-mail or organization", p["person_id"]
            )
            return
        hours = p["working_hours"]
        self.people[p["person_id"]] = Person(
            id=p["person_id"],
            name=p["name"],
            email=p["email"],
            organization_id=p["organization_id"],
            timezone=p["timezone"],
            working_hours=WorkingHours(
                start=hours["start"], end=hours["end"], days=tuple(hours["days"])
            ),
            channels=tuple(Channel(kind=c["kind"], target=c["target"]) for c in p["channels"]),
            roles=frozenset(p["roles"]),
        )
        self._people_by_email[email] = p["person_id"]

    def _account_added(self, p: dict[str, Any], _: Envelope) -> None:
        if self.principal(p["account_id"]) is None and p["organization_id"] in self.organizations:
            self.accounts[p["account_id"]] = ServiceAccount(
                id=p["account_id"],
                name=p["name"],
                organization_id=p["organization_id"],
                roles=frozenset(p["roles"]),
            )

    def _role_changed(self, p: dict[str, Any], envelope: Envelope) -> None:
        principal = self.principal(p["principal_id"])
        if principal is None:
            return
        roles = principal.roles | {p["role"]}
        if envelope.type == ev.ROLE_REVOKED:
            roles = principal.roles - {p["role"]}
        self._replace(replace(principal, roles=roles))

    def _key_created(self, p: dict[str, Any], _: Envelope) -> None:
        if p["key_id"] in self.keys or self.principal(p["owner_id"]) is None:
            return
        self.keys[p["key_id"]] = ApiKey(
            id=p["key_id"],
            sha256=p["sha256"],
            owner_id=p["owner_id"],
            label=p["label"],
            created_at=p["created_at"],
        )
        self._key_ids_by_hash[p["sha256"]] = p["key_id"]

    def _key_revoked(self, p: dict[str, Any], _: Envelope) -> None:
        key = self.keys.get(p["key_id"])
        if key is not None and key.revoked_at is None:
            self.keys[key.id] = replace(key, revoked_at=p["revoked_at"])

    def _link_issued(self, p: dict[str, Any], _: Envelope) -> None:
        if p["person_id"] in self.people:
            self.links[p["link_sha256"]] = PasswordLink(
                sha256=p["link_sha256"], person_id=p["person_id"], expires_at=p["expires_at"]
            )

    def _password_set(self, p: dict[str, Any], envelope: Envelope) -> None:
        person = self.people.get(p["person_id"])
        if person is None:
            return
        # One use per link: a second use of the same link (a race) changes nothing.
        link = self.links.pop(p["link_sha256"], None)
        if link is None or link.person_id != person.id:
            return
        self.people[person.id] = replace(
            person, password_hash=p["password_hash"], password_stamp=envelope.id
        )

    def _replace(self, principal: Principal) -> None:
        if isinstance(principal, Person):
            self.people[principal.id] = principal
        else:
            self.accounts[principal.id] = principal


_APPLY = {
    ev.ORGANIZATION_ADDED: Directory._organization_added,
    ev.PERSON_ADDED: Directory._person_added,
    ev.SERVICE_ACCOUNT_ADDED: Directory._account_added,
    ev.ROLE_GRANTED: Directory._role_changed,
    ev.ROLE_REVOKED: Directory._role_changed,
    ev.API_KEY_CREATED: Directory._key_created,
    ev.API_KEY_REVOKED: Directory._key_revoked,
    ev.PASSWORD_LINK_ISSUED: Directory._link_issued,
    ev.PASSWORD_SET: Directory._password_set,
}


class DirectoryProjection:
    """A ``Directory`` shared by the request threads and the consumer.

    Call it with a batch of envelopes (a consumer runner's handler); an event seen before
    is skipped, so the live consumer, which starts at the beginning of the topic, does not
    re-apply what ``load`` already did (re-applying a grant would undo a later revocation
    until the revocation came round again).
    """

    def __init__(self, cache: DirectoryCache | None = None) -> None:
        self._directory = Directory()
        self._seen: set[str] = set()
        self._changed = threading.Condition()
        self._cache = cache
        self._loaded = threading.Event()

    def __call__(self, envelopes: list[Envelope]) -> None:
        with self._changed:
            applied = []
            for envelope in envelopes:
                if envelope.id not in self._seen:
                    self._seen.add(envelope.id)
                    self._directory.apply(envelope)
                    applied.append(envelope)
            if self._cache is not None:
                self._cache.add(applied)
            self._changed.notify_all()

    def restore(self) -> int:
        """Apply what this process's cache kept (see ``DirectoryCache``); returns how many."""
        kept = self._cache.envelopes() if self._cache is not None else []
        self(kept)
        return len(kept)

    def read(self, question):
        """``question(directory)`` answered under the lock: a consistent view."""
        with self._changed:
            return question(self._directory)

    def wait_for(self, event_ids: Iterable[str], timeout: float) -> bool:
        """Wait until every event in ``event_ids`` is applied, at most ``timeout`` seconds."""
        wanted = set(event_ids)
        with self._changed:
            return self._changed.wait_for(lambda: wanted <= self._seen, timeout)

    def load(self, bus: Bus, prefix: str) -> int:
        """Apply every event on the topic now, before the service answers; returns how many.

        An event that does not decode is skipped here and dead-lettered by the live
        consumer, which meets it again."""
        envelopes = []
        for record in bus.replay(topic_name(prefix, DIRECTORY)):
            try:
                envelopes.append(decode(record.value))
            except InvalidMessage as exc:
                log.warning("directory: skipping offset %d at start-up: %s", record.offset, exc)
        self(envelopes)
        self._loaded.set()
        return len(envelopes)

    def ready(self) -> None:
        """Raise ``Unavailable`` until ``load`` has read the topic (the local cache alone
        may miss the latest keys and revocations)."""
        if not self._loaded.is_set():
            raise Unavailable("the directory has not been read from the bus yet")


def follower(
    bus: Bus, producer: Producer, projection: DirectoryProjection, *, prefix: str, service: str
) -> ConsumerRunner:
    """The live consumer of the directory for one process. Its group is the process's own
    (every process must see every event); at least once, idempotent by event id.

    Before its first poll it creates the topics and loads the whole directory in one
    replay (``load``), retried while the bus is away: the service serves meanwhile, and
    answers 401 to keys it cannot know yet."""
    group = f"{prefix}.directory.{service}.{uuid.uuid4().hex[:12]}"

    def prepare() -> None:
        bus.create_topics(all_topics(prefix))
        projection.load(bus, prefix)

    return ConsumerRunner(
        bus.consumer(group, [topic_name(prefix, DIRECTORY)]),
        projection,
        producer=producer,
        dead_letter_topic=topic_name(prefix, DEAD_LETTERS),
        name=f"directory-{service}",
        prepare=prepare,
    )


def publish(producer: Producer, prefix: str, envelopes: Iterable[Envelope]) -> None:
    """Write directory events and wait until the bus has them (raises ``BusError``)."""
    topic = topic_name(prefix, DIRECTORY)
    for envelope in envelopes:
        producer.send(topic, key=envelope.key, value=encode(envelope))
    producer.flush()
