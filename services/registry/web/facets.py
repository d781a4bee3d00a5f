"""Facet links: each facet value as the search language's filter, added to the query.

The facet named in an answer (query/facets.py) maps to the field that filters on it; a
value the grammar would not read as one word is quoted. A query with ``OR`` at any level
is grouped first, so the filter narrows all of it, not only its last alternative.
"""

from __future__ import annotations

import re

FILTER_FIELDS = {
    "severity": "severity",
    "status": "status",
    "type": "type",
    "domain": "domain",
    "country": "country",
    "organization": "org",
    "tlp": "tlp",
    "source": "source",
}
_BARE = re.compile(r'^[^\s()"\-][^\s()"]*$')  # the grammar's WORD


def filter_term(facet: str, value: str) -> str:
    """``field:value`` for one facet bucket (quoted when it is not one word)."""
    shown = value if _BARE.match(value) else '"' + value.replace('"', "") + '"'
    return f"{FILTER_FIELDS[facet]}:{shown}"


def applied(query: str, term: str) -> bool:
    """Whether ``term`` already narrows ``query`` as one of its words side by side."""
    return "OR" not in query.split() and term in query.split()


def narrowed(query: str, term: str) -> str:
    """``query`` with ``term`` added, so both must match."""
    query = query.strip()
    if not query:
        return term
    if "OR" in query.split():
        query = f"({query})"
    return f"{query} {term}"
