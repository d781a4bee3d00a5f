"""Sort orders and page cursors, shared by both stores.

A sort is a list of keys ending in the incident id, so every order is total and a page
can start strictly after the last incident of the previous one (keyset on SQLite,
search_after on Elasticsearch): no offsets, so no deep pages. The cursor is that last
incident's sort values, opaque to clients, tied to the sort it was made for.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from services.registry.query.ast import Node, positive_text
from shared.errors import Rejected

SORTS = ("relevance", "occurred", "received", "severity")
ORDERS = ("desc", "asc")
# Abstract keys each store maps to its own columns or fields.
_KEYS = {
    "relevance": ("score", "received"),
    "occurred": ("occurred_sort",),
    "received": ("received",),
    "severity": ("severity_rank", "received"),
}


class BadCursor(Rejected):
    """The cursor was not made by this registry for this sort."""


@dataclass(frozen=True)
class SortKey:
    name: str  # score, received, occurred_sort, severity_rank or id
    descending: bool


def sort_keys(sort: str, order: str, query: Node) -> list[SortKey]:
    """The keys of ``sort`` (relevance without words to score falls back to received)."""
    if sort == "relevance" and not positive_text(query):
        sort = "received"
    descending = order == "desc"
    return [SortKey(name, descending) for name in _KEYS[sort]] + [SortKey("id", False)]


def _label(keys: list[SortKey]) -> str:
    return ",".join(("-" if key.descending else "") + key.name for key in keys)


def encode_cursor(keys: list[SortKey], values: list[object]) -> str:
    raw = json.dumps({"sort": _label(keys), "after": values}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keys: list[SortKey]) -> list[object]:
    """The sort values after which the next page starts; raises ``BadCursor``."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        label, values = data["sort"], data["after"]
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise BadCursor("The cursor is not one this registry made.") from exc
    if label != _label(keys) or not isinstance(values, list) or len(values) != len(keys):
        raise BadCursor("The cursor was made for another sort; start again without it.")
    for key, value in zip(keys, values, strict=True):
        expected = str if key.name == "id" else (int, float) if key.name == "score" else int
        if not isinstance(value, expected) or isinstance(value, bool):
            raise BadCursor("The cursor is not one this registry made.")
    return values
