"""Search shows a merged event once: an incident merged into its original (``duplicate_of``)
is left out of result lists unless the query asks for duplicates by name. It is still
read by id, and both reports keep their provenance."""

from __future__ import annotations

from services.registry.query.ast import And, Node, Not, Or, Term

MERGED = Term("has", "duplicate_of")
# Queries that name these ask for duplicates: they get them.
_ASKING = (MERGED, Term("status", "duplicate"))


def _names_duplicates(node: Node) -> bool:
    if isinstance(node, Term):
        return node in _ASKING
    if isinstance(node, And | Or):
        return any(_names_duplicates(child) for child in node.children)
    if isinstance(node, Not):
        return _names_duplicates(node.child)
    return False


def originals_only(query: Node) -> Node:
    return query if _names_duplicates(query) else And((query, Not(MERGED)))
