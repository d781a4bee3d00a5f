"""The AST and the viewer's visibility compiled to SQLite: a WHERE clause over the
embedded store's tables, and an FTS5 expression that scores relevance.

Tables (store/embedded.py): ``incident_docs d`` (the document, its keyword fields as a
JSON object of lists, and date and rank columns) and the FTS5 table ``incident_text``
(analyzed title and description, same rowid). Values always travel as parameters; the
only text spliced into SQL is field names and FTS5 phrases of analyzed terms, which hold
letters and digits only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.registry.access.rules import RED, Visibility
from services.registry.query.ast import (
    And,
    MatchAll,
    Node,
    Not,
    Or,
    Range,
    Term,
    Text,
    positive_text,
)
from services.registry.query.document import DATE_FIELDS, KEYWORD_FIELDS


@dataclass
class Sql:
    """A WHERE condition and its parameters, in order."""

    where: str
    params: list[object] = field(default_factory=list)


def match_expression(leaf: Text) -> str:
    """The FTS5 query for one text leaf: a term, a phrase or a prefix, in the columns of
    the texts as written or as redacted."""
    columns = "{public_title public_description}" if leaf.redacted else "{title description}"
    phrase = '"' + " ".join(leaf.terms) + '"'
    return f"{columns} : {phrase}*" if leaf.prefix else f"{columns} : {phrase}"


def _has(field_name: str, placeholders: str) -> str:
    assert field_name in KEYWORD_FIELDS, field_name
    return (
        f"EXISTS (SELECT 1 FROM json_each(d.fields, '$.{field_name}')"
        f" WHERE value IN ({placeholders}))"
    )


def _node(node: Node, out: list[object]) -> str:
    if isinstance(node, MatchAll):
        return "1"
    if isinstance(node, Text):
        out.append(match_expression(node))
        return "d.rowid IN (SELECT rowid FROM incident_text WHERE incident_text MATCH ?)"
    if isinstance(node, Term):
        out.append(node.value)
        return _has(node.field, "?")
    if isinstance(node, Range):
        assert node.field in DATE_FIELDS, node.field
        column, parts = f"d.{node.field}", []
        if node.gte is not None:
            parts.append(f"{column} >= ?")
            out.append(node.gte)
        if node.lt is not None:
            parts.append(f"{column} < ?")
            out.append(node.lt)
        return "(" + " AND ".join(parts or [f"{column} IS NOT NULL"]) + ")"
    if isinstance(node, Not):
        return f"NOT ({_node(node.child, out)})"
    joiner = " AND " if isinstance(node, And) else " OR "
    assert isinstance(node, And | Or)
    return "(" + joiner.join(_node(child, out) for child in node.children) + ")"


def visibility_where(rights: Visibility) -> Sql:
    """The access rule (access/rules.py) as SQL over ``d``."""
    params: list[object] = sorted(rights.levels)
    parts = [_has("tlp", ", ".join("?" * len(rights.levels)))]
    if rights.organization_id is not None and rights.own_levels:
        parts.append(
            "(" + _has("organization", "?") + " AND "
            + _has("tlp", ", ".join("?" * len(rights.own_levels))) + ")"
        )  # fmt: skip
        params += [rights.organization_id, *sorted(rights.own_levels)]
    if rights.recipient is not None:
        parts.append("(" + _has("tlp", "?") + " AND " + _has("recipients", "?") + ")")
        params += [RED, rights.recipient]
    return Sql("(" + " OR ".join(parts) + ")", params)


def compile_where(node: Node, rights: Visibility) -> Sql:
    """The incidents matching ``node`` that the viewer may read."""
    access = visibility_where(rights)
    params: list[object] = []
    where = _node(node, params)
    return Sql(f"{access.where} AND {where}", access.params + params)


def rank_expression(node: Node) -> str | None:
    """An FTS5 query matching any positive text leaf, for bm25 scoring; None without one."""
    leaves = positive_text(node)
    return " OR ".join(match_expression(leaf) for leaf in leaves) if leaves else None
