"""The registry store port: where incidents are kept and searched.

Two adapters implement it (``embedded`` on SQLite + FTS5, ``elasticsearch``) and one
contract suite (``tests/services/registry/store/test_contract.py``) runs against both.
An incident document is a JSON object whose ``id`` is the incident id; the key
``derived`` is the store's own (query/document.py) and is never returned.

Every read takes the viewer: the access rule is compiled into the store's query, so
totals, facet counts and pages hold only what the viewer may read.

Two kinds of failure, never mixed: ``StoreUnavailable`` (unreachable, timed out, closed,
not set up: retry later) and ``StoreRejected`` (this document or query can never succeed).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from services.registry.query.ast import MatchAll, Node
from services.registry.query.facets import Facets
from shared.access import Viewer
from shared.errors import Rejected, Unavailable

Incident = dict[str, Any]


class StoreUnavailable(Unavailable):
    """The store is away (unreachable, timed out, closed, not set up); a retry may work."""


class StoreRejected(Rejected):
    """The store refuses this document or query; the same call will never succeed."""


class Conflict(Exception):
    """The document changed since it was read: read it again and decide again."""


@dataclass(frozen=True)
class Stored:
    """A document as the store holds it, with the store's token for compare-and-set."""

    doc: dict[str, Any]
    revision: Any


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Incident]
    cursor: str | None = None  # the next page's, or None on the last page
    facets: Facets = field(default_factory=dict)


class IncidentStore(Protocol):
    def ensure(self) -> None:
        """Create the tables or index (and alias) if they do not exist yet."""

    def upsert(self, incidents: Sequence[Incident]) -> None:
        """Write each incident under its id, replacing any earlier version, in one batch.

        Idempotent: writing the same documents again leaves the store as it was. Once this
        returns, the incidents are visible to ``get`` and ``search``. Raises
        ``StoreRejected`` naming each incident the store refused.
        """

    def create(self, incidents: Sequence[Incident]) -> list[str]:
        """Write each incident whose id the store does not hold yet, in one batch; leave
        the others as they are (a replayed report never undoes a decision). Returns the
        ids written. Raises ``StoreRejected`` like ``upsert``."""

    def fetch(self, incident_id: str) -> Stored | None:
        """The incident whoever asks, with its revision: for the write path and the
        projections only, never for a reader (they go through ``get``)."""

    def replace(self, incident: Incident, *, revision: Any) -> None:
        """Write ``incident`` over the stored one if that is still at ``revision`` (from
        ``fetch``); raise ``Conflict`` if it changed since. Visible to reads on return."""

    def get(self, incident_id: str, *, viewer: Viewer) -> Incident | None:
        """The incident, or None when it is missing or the viewer may not read it."""

    # The risk register (risks.py): documents by id, read whole; access is the caller's.

    def create_risk(self, risk: dict[str, Any]) -> None:
        """Write a new risk; ``Conflict`` if its id is taken."""

    def fetch_risk(self, risk_id: str) -> Stored | None:
        """The risk with its revision, or None."""

    def replace_risk(self, risk: dict[str, Any], *, revision: Any) -> None:
        """Compare-and-set, as ``replace``."""

    def delete_risk(self, risk_id: str) -> None:
        """Remove a risk (a creation whose event could not be published); no-op if gone."""

    def risks(self, *, due: str | None = None) -> list[dict[str, Any]]:
        """Every risk, or those whose ``next_review`` (YYYY-MM-DD) is on or before ``due``,
        by next review then id."""

    def search(
        self,
        query: Node = MatchAll(),  # noqa: B008 (immutable)
        *,
        viewer: Viewer,
        sort: str = "relevance",
        order: str = "desc",
        limit: int = 20,
        after: str | None = None,
        facets: bool = False,
    ) -> SearchResult:
        """One page of the incidents matching ``query`` that ``viewer`` may read.

        ``sort`` is one of query.sorting.SORTS (relevance: a title match above a
        description match); ``after`` is the previous page's ``cursor``; ``facets`` adds
        counts over the whole result (query.facets.FACETS).
        """

    def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the store answers."""

    def close(self) -> None:
        """Release connections; every later call raises ``StoreUnavailable``."""


def scan(
    store: IncidentStore,
    query: Node,
    *,
    viewer: Viewer,
    sort: str = "received",
    order: str = "desc",
    page_size: int = 500,
) -> Iterator[Incident]:
    """Every incident of the result, page by page through cursors (for exports)."""
    after = None
    while True:
        page = store.search(
            query, viewer=viewer, sort=sort, order=order, limit=page_size, after=after
        )
        yield from page.hits
        if page.cursor is None:
            return
        after = page.cursor
