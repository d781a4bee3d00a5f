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
_PHRASE = re.compile(r'"[^"]*"')
_GROUP = re.compile(r"\([^()]*\)")  # an innermost group


def filter_term(facet: str, value: str) -> str:
    """``field:value`` for one facet bucket (quoted when it is not one word)."""
    shown = value if _BARE.match(value) else '"' + value.replace('"', "") + '"'
    return f"{FILTER_FIELDS[facet]}:{shown}"


def _top_level(query: str) -> list[str]:
    """The words of ``query`` outside its groups and phrases."""
    query = _PHRASE.sub(" ", query)
    while True:
        ungrouped = _GROUP.sub(" ", query)
        if ungrouped == query:
            return query.split()
        query = ungrouped


def applied(query: str, term: str) -> bool:
    """Whether ``term`` already narrows all of ``query``: one of its top-level words, with
    no ``OR`` beside it."""
    words = _top_level(query)
    return "OR" not in words and term in words


def narrowed(query: str, term: str) -> str:
    """``query`` with ``term`` added, so both must match."""
    query = query.strip()
    if not query:
        return term
    if "OR" in query.split():
        query = f"({query})"
    return f"{query} {term}"
