"""The AI Incident Database's classification files, joined to its incidents on the incident
id: ``classifications_MIT.csv`` (MIT AI Risk Repository domain, subdomain, and causal
entity, intent and timing) and ``classifications_CSETv1.csv`` (lives lost, injuries, the AI
harm level, impact on critical services). Only published classifications are read.

Each file gives, by incident id, raw report fields and where each came from (file, row,
namespace, column), which the normalizer records as decisions of basis "source".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any

from services.intake.bulk.rows import csv_dicts

MIT_FILE = "classifications_MIT.csv"
CSET_FILE = "classifications_CSETv1.csv"
KEYS = ("Namespace", "Incident ID", "Published")


@dataclass(frozen=True)
class Classification:
    """What classification rows give an incident: raw report fields, for each report field
    (``quantities/lives_lost``) where it came from, and the rows as read (file → cells)."""

    raw: dict[str, Any]
    origins: dict[str, str]
    rows: dict[str, Mapping[str, str]]


def _origin(file: str, number: int, record: Mapping[str, str], column: str) -> str:
    return f"{file} row {number} (namespace {record['Namespace'].strip()}, column {column})"


def _cited(
    file: str, number: int, record: Mapping[str, str], given: Iterable[tuple[str, str, Any]]
) -> Classification:
    """``given``: (report field path, source column, value) for each value the row gives."""
    raw: dict[str, Any] = {}
    origins = {}
    for path, column, value in given:
        *parents, name = path.split("/")
        tree = raw
        for parent in parents:
            tree = tree.setdefault(parent, {})
        tree[name] = value
        origins[path] = _origin(file, number, record, column)
    return Classification(raw, origins, {file: record})


def mit_row(number: int, record: Mapping[str, str]) -> Classification:
    """A ``classifications_MIT.csv`` row: the domain and subdomain as labels ("7.3. Lack of
    capability or robustness"), the causes as words ("AI", "Post-deployment")."""
    columns = (
        ("harm_domains", "Risk Domain", True),
        ("harm_subdomains", "Risk Subdomain", True),
        ("causes/entity", "Entity", False),
        ("causes/intent", "Intent", False),
        ("causes/timing", "Timing", False),
    )
    given = [
        (path, column, [cell] if listed else cell)
        for path, column, listed in columns
        if (cell := record.get(column, "").strip())
    ]
    return _cited(MIT_FILE, number, record, given)


def _count(cell: str) -> int | None:
    return int(cell) if cell.strip().isdigit() else None


# CSETv1's "AI Harm Level" values that say what kind of event it was (the event_types
# vocabulary's csetv1 crosswalk maps them); "none" and "unclear" do not.
HARM_LEVELS = ("AI tangible harm event", "AI tangible harm near-miss", "AI tangible harm issue")
YES_NO = {"yes": True, "no": False}  # "maybe" and blank give nothing


def cset_row(number: int, record: Mapping[str, str]) -> Classification:
    """A ``classifications_CSETv1.csv`` row: counts of lives lost and injuries, the AI harm
    level as the event type, whether critical services were impacted."""
    given: list[tuple[str, str, Any]] = []
    for path, column in (
        ("quantities/lives_lost", "Lives Lost"),
        ("quantities/injuries", "Injuries"),
    ):
        count = _count(record.get(column, ""))
        if count is not None:
            given.append((path, column, count))
    level = record.get("AI Harm Level", "").strip()
    if level in HARM_LEVELS:
        given.append(("event_type", "AI Harm Level", level))
    critical = YES_NO.get(record.get("Impact on Critical Services", "").strip().lower())
    if critical is not None:
        given.append(("critical_infrastructure", "Impact on Critical Services", critical))
    return _cited(CSET_FILE, number, record, given)


READERS: dict[str, tuple[str, Callable[[int, Mapping[str, str]], Classification]]] = {
    # The upload part (and the file's stem) → what the file is, and how to read a row.
    "classifications_MIT": (MIT_FILE, mit_row),
    "classifications_CSETv1": (CSET_FILE, cset_row),
}


def read_classifications(part: str, file: IO[bytes]) -> dict[str, Classification]:
    """One classification file as incident id → what it gives (unpublished rows left out)."""
    name, row = READERS[part]
    return {
        record["Incident ID"].strip(): row(number, record)
        for number, record in csv_dicts(file, what=name, required=KEYS)
        if record["Published"].strip() != "False"
    }


def joined(classifications: Iterable[Classification]) -> Classification:
    """Several files' classifications of one incident as one (MIT and CSETv1 give
    different fields; a nested field such as ``quantities`` is merged)."""
    raw: dict[str, Any] = {}
    origins: dict[str, str] = {}
    rows: dict[str, Mapping[str, str]] = {}
    for classification in classifications:
        for name, value in classification.raw.items():
            if isinstance(value, dict):
                raw[name] = {**raw.get(name, {}), **value}
            else:
                raw[name] = value
        origins.update(classification.origins)
        rows.update(classification.rows)
    return Classification(raw, origins, rows)
