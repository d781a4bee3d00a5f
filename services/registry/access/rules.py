"""The TLP 2.0 rules of the collaboration, by ids only (never by a display name).

- CLEAR: everyone, anonymous included;
- GREEN: every member organization;
- AMBER: the reporting organization, plus risk owners and coordinators;
- AMBER+STRICT: the reporting organization only;
- RED: only the people named in the incident's ``recipients``.

``visibility`` states a viewer's rights as data (which levels it sees outright, which only
for its own organization's incidents, and as which recipient), so that ``may_read`` here
and the compiled store queries (``query.fts5``, ``query.elasticsearch``) apply one rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shared.access import COORDINATOR, RISK_OWNER, Viewer

CLEAR, GREEN, AMBER, AMBER_STRICT, RED = "CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED"
LEVELS = (CLEAR, GREEN, AMBER, AMBER_STRICT, RED)
# The levels a reporting organization always reads on its own incidents (not RED: only
# the named recipients read a RED incident).
OWN_ORGANIZATION_LEVELS = frozenset({CLEAR, GREEN, AMBER, AMBER_STRICT})
# Roles that read AMBER across organizations and see contact details and provenance.
TRIAGE_ROLES = (RISK_OWNER, COORDINATOR)


@dataclass(frozen=True)
class Visibility:
    """What one viewer may read, as the stores' filters need it.

    An incident is readable when its level is in ``levels``; or its ``organization_id``
    is ``organization_id`` and its level is in ``own_levels``; or it is RED and
    ``recipient`` is among its ``recipients``.
    """

    levels: frozenset[str]
    organization_id: str | None
    own_levels: frozenset[str]
    recipient: str | None


def visibility(viewer: Viewer) -> Visibility:
    levels = {CLEAR}
    if viewer.member:
        levels.add(GREEN)
    if viewer.has_role(*TRIAGE_ROLES):
        levels.add(AMBER)
    organization = viewer.organization_id
    return Visibility(
        levels=frozenset(levels),
        organization_id=organization,
        own_levels=(OWN_ORGANIZATION_LEVELS - levels) if organization else frozenset(),
        recipient=viewer.person_id,
    )


def may_read(viewer: Viewer, incident: Mapping[str, Any]) -> bool:
    rights = visibility(viewer)
    tlp = incident.get("tlp")
    if tlp in rights.levels:
        return True
    if (
        rights.organization_id is not None
        and incident.get("organization_id") == rights.organization_id
        and tlp in rights.own_levels
    ):
        return True
    return (
        tlp == RED
        and rights.recipient is not None
        and rights.recipient in (incident.get("recipients") or ())
    )


def sees_private_fields(viewer: Viewer, incident: Mapping[str, Any]) -> bool:
    """Contact details, recipients and full provenance: the reporting organization, risk
    owners and coordinators only."""
    if viewer.has_role(*TRIAGE_ROLES):
        return True
    return viewer.organization_id is not None and (
        incident.get("organization_id") == viewer.organization_id
    )


PRIVATE_FIELDS = ("contact", "recipients")


def reduced_provenance(incident: Mapping[str, Any]) -> dict[str, Any]:
    """Provenance without its payload hash, decisions and flags: the channel and source."""
    provenance = incident.get("provenance") or {}
    return {k: provenance[k] for k in ("channel", "source_format") if k in provenance}


def visible_timeline(viewer: Viewer, incident: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The timeline entries ``viewer`` may read: confidential ones (and anything not
    marked public) go to risk owners and coordinators only, never to a lab."""
    entries = incident.get("timeline") or []
    if viewer.has_role(*TRIAGE_ROLES):
        return list(entries)
    return [entry for entry in entries if entry.get("visibility") == "public"]


def shown_to(viewer: Viewer, incident: Mapping[str, Any]) -> dict[str, Any]:
    """The incident as ``viewer`` may see it (it must be readable to them already)."""
    incident = {**incident}
    if "timeline" in incident:
        incident["timeline"] = visible_timeline(viewer, incident)
    if sees_private_fields(viewer, incident):
        return incident
    shown = {k: v for k, v in incident.items() if k not in PRIVATE_FIELDS}
    if "provenance" in incident:
        shown["provenance"] = reduced_provenance(incident)
    return shown
