"""The directory's commands: each checks itself against the current state and returns the
event(s) to publish. Pure: no bus, no clock (``now`` is given); ``cli`` and the sign-in
views publish what they return.

Every refusal is a ``DirectoryError`` whose message says what to change.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from marshmallow import ValidationError

from shared.access import ROLES
from shared.directory import credentials
from shared.directory import events as ev
from shared.directory.models import Channel, Person, WorkingHours
from shared.directory.projection import Directory, Principal
from shared.envelope import Envelope, new_id
from shared.errors import Rejected

LINK_LIFETIME = timedelta(days=3)
CLI = "accord-cli"


class DirectoryError(Rejected):
    """A command the directory refuses; the message says why."""


def _event(type_: str, key: str, payload: dict[str, Any], producer: str) -> Envelope:
    envelope = Envelope(type=type_, key=key, producer=producer, payload=payload)
    try:
        ev.PAYLOAD_SCHEMAS[(type_, 1)].load(payload)
    except ValidationError as exc:
        fields = "; ".join(
            f"{name}: {' '.join(map(str, msgs))}" for name, msgs in exc.messages.items()
        )
        raise DirectoryError(fields) from None
    return envelope


def _roles(roles: Iterable[str]) -> list[str]:
    roles = sorted(set(roles))
    unknown = [role for role in roles if role not in ROLES]
    if unknown:
        raise DirectoryError(f"unknown role {unknown[0]!r}; roles are {', '.join(ROLES)}")
    return roles


def organization(directory: Directory, ref: str) -> str:
    """An organization's id from its id or its exact name."""
    found = directory.organizations.get(ref) or directory.organization_named(ref)
    if found is None:
        raise DirectoryError(f"no organization {ref!r}: give its id or name (accord org list)")
    return found.id


def principal(directory: Directory, ref: str) -> Principal:
    """A person or a service account from its id, or a person from their e-mail."""
    found = directory.principal(ref) or directory.person_by_email(ref)
    if found is None:
        raise DirectoryError(f"no person or service account {ref!r}: give an id or an e-mail")
    return found


def add_organization(
    directory: Directory, *, name: str, member: bool, producer: str = CLI
) -> Envelope:
    name = name.strip()
    if directory.organization_named(name) is not None:
        raise DirectoryError(f"an organization named {name!r} exists already")
    org_id = new_id()
    payload = {"organization_id": org_id, "name": name, "member": member}
    return _event(ev.ORGANIZATION_ADDED, org_id, payload, producer)


def add_person(
    directory: Directory,
    *,
    name: str,
    email: str,
    organization_id: str,
    roles: Iterable[str],
    timezone: str,
    working_hours: WorkingHours,
    channels: Iterable[Channel] = (),
    producer: str = CLI,
) -> Envelope:
    if organization_id not in directory.organizations:
        raise DirectoryError(f"no organization with id {organization_id!r}")
    if directory.person_by_email(email) is not None:
        raise DirectoryError(f"{email} belongs to someone already")
    if timezone not in zoneinfo.available_timezones():
        raise DirectoryError(f"{timezone!r} is not an IANA time zone (e.g. Europe/London)")
    if working_hours.start >= working_hours.end:
        raise DirectoryError("working hours must end after they start, within one day")
    person_id = new_id()
    payload = {
        "person_id": person_id,
        "organization_id": organization_id,
        "name": name.strip(),
        "email": email.strip(),
        "timezone": timezone,
        "working_hours": {
            "start": working_hours.start,
            "end": working_hours.end,
            "days": sorted(set(working_hours.days)),
        },
        "channels": [{"kind": c.kind, "target": c.target} for c in channels],
        "roles": _roles(roles),
    }
    return _event(ev.PERSON_ADDED, person_id, payload, producer)


def add_service_account(
    directory: Directory,
    *,
    name: str,
    organization_id: str,
    roles: Iterable[str],
    producer: str = CLI,
) -> Envelope:
    if organization_id not in directory.organizations:
        raise DirectoryError(f"no organization with id {organization_id!r}")
    account_id = new_id()
    payload = {
        "account_id": account_id,
        "organization_id": organization_id,
        "name": name.strip(),
        "roles": _roles(roles),
    }
    return _event(ev.SERVICE_ACCOUNT_ADDED, account_id, payload, producer)


def change_role(
    directory: Directory, *, principal_id: str, role: str, grant: bool, producer: str = CLI
) -> Envelope:
    holder = directory.principal(principal_id)
    if holder is None:
        raise DirectoryError(f"no person or service account with id {principal_id!r}")
    _roles([role])
    if grant == (role in holder.roles):
        raise DirectoryError(f"{holder.name} {'has' if grant else 'does not have'} role {role}")
    type_ = ev.ROLE_GRANTED if grant else ev.ROLE_REVOKED
    return _event(type_, principal_id, {"principal_id": principal_id, "role": role}, producer)


def create_key(
    directory: Directory, *, owner_id: str, label: str, now: datetime, producer: str = CLI
) -> tuple[Envelope, str]:
    """The event and the plain key, which is shown once and never stored."""
    if directory.principal(owner_id) is None:
        raise DirectoryError(f"no person or service account with id {owner_id!r}")
    key_id, plain = credentials.new_key()
    return register_key(
        directory,
        key_id=key_id,
        sha256=credentials.sha256(plain),
        owner_id=owner_id,
        label=label,
        created_at=now,
        producer=producer,
    ), plain


def register_key(
    directory: Directory,
    *,
    key_id: str,
    sha256: str,
    owner_id: str,
    label: str,
    created_at: datetime,
    producer: str = CLI,
) -> Envelope:
    """A key whose hash already exists (a migrated one): the plain key stays the same."""
    if key_id in directory.keys:
        raise DirectoryError(f"a key with id {key_id} exists already")
    payload = {
        "key_id": key_id,
        "sha256": sha256,
        "owner_id": owner_id,
        "label": label.strip(),
        "created_at": created_at.isoformat(),
    }
    return _event(ev.API_KEY_CREATED, key_id, payload, producer)


def revoke_key(
    directory: Directory, *, key_id: str, now: datetime, producer: str = CLI
) -> Envelope:
    key = directory.keys.get(key_id)
    if key is None:
        raise DirectoryError(f"no key with id {key_id!r} (accord key list)")
    if key.revoked_at is not None:
        raise DirectoryError(f"key {key_id} was revoked at {key.revoked_at}")
    payload = {"key_id": key_id, "revoked_at": now.isoformat()}
    return _event(ev.API_KEY_REVOKED, key_id, payload, producer)


def issue_password_link(
    directory: Directory, *, person_id: str, now: datetime, producer: str = CLI
) -> tuple[Envelope, str]:
    """The event and the link's token, which goes into the URL printed for the person."""
    if person_id not in directory.people:
        raise DirectoryError(f"no person with id {person_id!r}")
    token = credentials.new_link_token()
    payload = {
        "person_id": person_id,
        "link_sha256": credentials.sha256(token),
        "expires_at": (now + LINK_LIFETIME).isoformat(),
    }
    return _event(ev.PASSWORD_LINK_ISSUED, person_id, payload, producer), token


def usable_link(directory: Directory, *, token: str, now: datetime) -> Person:
    """The person a one-time link is for, if it is known, unused and not expired."""
    link = directory.link(token)
    if link is None or datetime.fromisoformat(link.expires_at) <= now:
        raise DirectoryError("This link is unknown, used or expired: ask an admin for a new one.")
    return directory.people[link.person_id]


def set_password(person: Person, *, token: str, password: str, producer: str) -> Envelope:
    """The new password of the person a ``usable_link`` led to (hashing takes a while, so
    it runs outside the projection's lock)."""
    problem = credentials.password_problem(password)
    if problem:
        raise DirectoryError(problem)
    payload = {
        "person_id": person.id,
        "password_hash": credentials.hash_password(password),
        "link_sha256": credentials.sha256(token),
    }
    return _event(ev.PASSWORD_SET, person.id, payload, producer)
