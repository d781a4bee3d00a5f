"""The registry store port: where incidents are kept and searched.

Two adapters implement it (``embedded`` on SQLite + FTS5, ``elasticsearch``) and one
contract suite (``tests/services/registry/store/test_contract.py``) runs against both.
An incident document is a JSON object whose ``id`` is the incident id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from shared.errors import Unavailable

Incident = dict[str, Any]


class StoreError(Unavailable):
    """The store could not do what was asked (unreachable, refused, timed out)."""


@dataclass(frozen=True)
class SearchResult:
    total: int
    hits: list[Incident]


class IncidentStore(Protocol):
    def ensure(self) -> None:
        """Create the tables or index (and alias) if they do not exist yet."""

    def upsert(self, incidents: Sequence[Incident]) -> None:
        """Write each incident under its id, replacing any earlier version, in one batch.

        Idempotent: writing the same documents again leaves the store as it was. Once this
        returns, the incidents are visible to ``get`` and ``search``.
        """

    def get(self, incident_id: str) -> Incident | None: ...

    def search(self, text: str = "", *, limit: int = 20, offset: int = 0) -> SearchResult:
        """Full-text search over title and description, best match first.

        An empty ``text`` lists everything, most recently received first.
        """

    def ping(self) -> None:
        """Raise ``StoreError`` unless the store answers."""

    def close(self) -> None: ...
