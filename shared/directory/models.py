"""What the directory holds. Everything refers to everything else by id, never by name."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, kw_only=True)
class Organization:
    id: str
    name: str
    member: bool  # a member lab of the collaboration; a regulator, say, is not


@dataclass(frozen=True, kw_only=True)
class WorkingHours:
    """When a person can be reached, in their own time zone: ``start``-``end`` (HH:MM) on
    ``days`` (ISO weekdays, 1 is Monday)."""

    start: str = "09:00"
    end: str = "17:00"
    days: tuple[int, ...] = (1, 2, 3, 4, 5)


@dataclass(frozen=True, kw_only=True)
class Channel:
    kind: str  # email, slack, webhook, pagerduty, sms
    target: str


@dataclass(frozen=True, kw_only=True)
class Person:
    id: str
    name: str
    email: str
    organization_id: str
    timezone: str
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    channels: tuple[Channel, ...] = ()
    roles: frozenset[str] = frozenset()
    password_hash: str | None = None
    # Changes with every new password, so sessions begun under an old one end.
    password_stamp: str | None = None


@dataclass(frozen=True, kw_only=True)
class ServiceAccount:
    id: str
    name: str
    organization_id: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True, kw_only=True)
class ApiKey:
    id: str
    sha256: str
    owner_id: str  # a person or a service account
    label: str
    created_at: str
    revoked_at: str | None = None


@dataclass(frozen=True, kw_only=True)
class PasswordLink:
    """A one-time link to set a password; only its token's hash is known."""

    sha256: str
    person_id: str
    expires_at: str
