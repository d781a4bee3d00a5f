"""Duplicate suggestions for one incident, and the queue of recent incidents that have
some: retrieval (the store) then scoring (pure), always within the viewer's access."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.registry.duplicates.retrieval import candidates
from services.registry.duplicates.scoring import THRESHOLD, Suggestion, rank
from services.registry.query.ast import MatchAll
from services.registry.store.interfaces import IncidentStore
from shared.access import Viewer


def suggest(
    store: IncidentStore,
    incident: Mapping[str, Any],
    *,
    viewer: Viewer,
    threshold: float = THRESHOLD,
    limit: int = 10,
) -> list[Suggestion]:
    """The incidents ``viewer`` may read that may be duplicates of ``incident``, best first."""
    found = candidates(store, incident, viewer=viewer)
    return rank(incident, found, threshold=threshold, limit=limit)


def _earlier(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """``a`` reached the registry before ``b`` (ties by id), so ``a`` is the original."""
    return (_received(a), a["id"]) < (_received(b), b["id"])


def _received(incident: Mapping[str, Any]) -> datetime:
    # Every stored incident has one (the store refuses it otherwise), in any UTC offset.
    return datetime.fromisoformat(incident["received_at"])


def queue(
    store: IncidentStore,
    *,
    viewer: Viewer,
    recent: int,
    threshold: float = THRESHOLD,
) -> list[tuple[Mapping[str, Any], list[Suggestion]]]:
    """Of the ``recent`` incidents received last, those with suggestions at ``threshold`` or
    above, newest first. Each pair is listed once, under the later incident: its
    suggestions are the earlier incidents it may repeat."""
    latest = store.search(MatchAll(), viewer=viewer, sort="received", limit=recent).hits
    items = []
    for incident in latest:
        found = [
            s
            for s in suggest(store, incident, viewer=viewer, threshold=threshold)
            if _earlier(s.candidate, incident)
        ]
        if found:
            items.append((incident, found))
    return items
