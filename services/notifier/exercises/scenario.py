"""An exercise's scenario, pure, drawn from its incidents: a summary of each, the
decisions of their timelines turned into injects (in order, as hours from the first),
and discussion questions for their harm domains (policy data).

Only what every participant may read goes in: a timeline's public entries, and no title
or description of a TLP:RED or AMBER+STRICT incident.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

WITHHELD_TLP = frozenset({"RED", "AMBER+STRICT"})
SUMMARY_CHARS = 600


def scenario(incidents: Sequence[Mapping[str, Any]], policy: Mapping[str, Any]) -> dict[str, Any]:
    """``incidents`` as the registry shows them (id, title, description, tlp,
    harm_domains, timeline)."""
    summaries, entries = [], []
    for incident in incidents:
        withheld = incident.get("tlp") in WITHHELD_TLP
        summaries.append(
            {
                "incident_id": incident["id"],
                "title": f"TLP:{incident['tlp']} incident (withheld)"
                if withheld
                else incident["title"],
                "summary": "" if withheld else _short(incident.get("description") or ""),
            }
        )
        for entry in incident.get("timeline") or ():
            if entry.get("visibility") == "public" and entry.get("type", "").startswith(
                "incident."
            ):
                entries.append((datetime.fromisoformat(entry["at"]), incident["id"], entry))
    entries.sort(key=lambda e: (e[0], e[1]))
    first = entries[0][0] if entries else None
    injects = [
        {
            "at_hours": round((at - first).total_seconds() / 3600, 1),
            "incident_id": incident_id,
            "inject": _inject(entry),
        }
        for at, incident_id, entry in entries
    ]
    domains = sorted({d.split(".")[0] for i in incidents for d in i.get("harm_domains") or ()})
    questions = [q for d in domains for q in policy["questions"].get(d, ())]
    return {
        "incidents": summaries,
        "injects": injects,
        "questions": questions + list(policy.get("general_questions", ())),
        "harm_domains": domains,
    }


def _inject(entry: Mapping[str, Any]) -> str:
    kind = entry["type"].removeprefix("incident.").replace("_", " ")
    if entry["type"] == "incident.transitioned":
        kind = f"moved from {entry.get('from')} to {entry.get('to')}"
    rationale = entry.get("rationale")
    return f"The incident is {kind}" + (f": {rationale}" if rationale else "") + ". What now?"


def _short(text: str) -> str:
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"
