"""Who is reading: the viewer every read path takes, and the collaboration's roles.

A ``Viewer`` is built by each service from the directory projection (an API key or a
signed-in session resolves to a person or a service account); the registry's store takes
one on every read and compiles the TLP rule into its query.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REPORTER = "reporter"
RISK_OWNER = "risk_owner"
COORDINATOR = "coordinator"
ONCALL = "oncall"
ADMIN = "admin"
ROLES = (REPORTER, RISK_OWNER, COORDINATOR, ONCALL, ADMIN)


@dataclass(frozen=True, kw_only=True)
class Viewer:
    """The identity behind one request, by id only (never by display name).

    ``person_id`` is a person or a service account; ``member`` says whether the
    organization belongs to the collaboration (a regulator may not).
    """

    person_id: str | None = None
    organization_id: str | None = None
    member: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)
    # A display name for decision logs (who decided); never used to decide access.
    name: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.person_id is None

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


ANONYMOUS = Viewer()
