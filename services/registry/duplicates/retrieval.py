"""Candidate duplicates from the store, through the store port (so both stores answer the
same): incidents whose title or description holds one of the incident's salient title
terms (or a word of its AI system's name), that occurred within a window of it, best text
matches first, and that the viewer may read."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from services.registry.duplicates.scoring import occurred_at, salient_terms
from services.registry.query.ast import And, Node, Not, Or, Range, Term, Text
from services.registry.store.interfaces import Incident, IncidentStore
from shared.access import Viewer

# How far apart two reports of one event may date (a source may give only the year).
WINDOW = timedelta(days=730)
# Terms searched at most: the title's first salient ones carry its subject.
MAX_TERMS = 10
# Candidates scored at most per incident (the store's best text matches).
CANDIDATES = 25


def candidate_query(incident: Mapping[str, Any], *, window: timedelta = WINDOW) -> Node | None:
    """The store query for ``incident``'s candidates, or None when its title says nothing
    to search by."""
    name = (incident.get("ai_system") or {}).get("name")
    terms = list(dict.fromkeys(salient_terms(incident.get("title")) + salient_terms(name)))
    if not terms:
        return None
    text: Node = Or(tuple(Text((term,)) for term in terms[:MAX_TERMS]))
    when = occurred_at(incident)
    if when is None:
        return text
    millis = int(when.timestamp() * 1000)
    span = int(window.total_seconds() * 1000)
    within = Range("occurred", gte=millis - span, lt=millis + span + 1)
    # An incident without a date cannot be ruled out by date.
    return And((text, Or((within, Not(Term("has", "occurred"))))))


def candidates(
    store: IncidentStore,
    incident: Mapping[str, Any],
    *,
    viewer: Viewer,
    limit: int = CANDIDATES,
) -> list[Incident]:
    """Up to ``limit`` incidents ``viewer`` may read that may be duplicates of ``incident``
    (never ``incident`` itself)."""
    query = candidate_query(incident)
    if query is None:
        return []
    page = store.search(query, viewer=viewer, sort="relevance", limit=limit + 1)
    return [hit for hit in page.hits if hit["id"] != incident.get("id")][:limit]
