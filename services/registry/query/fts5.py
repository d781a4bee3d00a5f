"""The AST and the viewer's visibility compiled to SQLite: a WHERE clause over the
embedded store's tables, and an FTS5 expression that scores relevance.

Tables (store/embedded.py): ``incident_fields d`` (one column per keyword field, its
values as ``keywords`` joins them, and the date and rank columns) and the FTS5 table
``incident_words`` (analyzed title and description, and the ``access`` tokens; same
rowid). Values always travel as parameters; the only text spliced into SQL is field names
and FTS5 phrases of analyzed terms or of hex, which hold letters and digits only.
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


# Between and around the values of a keyword column: a value is in the column when
# ``SEPARATOR value SEPARATOR`` is (a unit separator, which no keyword holds: ``keywords``
# drops it from a value, and a queried value is read the same way).
SEPARATOR = "\x1f"


def _value(value: str) -> str:
    return value.replace(SEPARATOR, "")


def keywords(values: list[str]) -> str:
    """A keyword field's values as its column holds them; empty when there are none."""
    return "".join(SEPARATOR + _value(v) for v in values) + SEPARATOR if values else ""


def _has(field_name: str, values: list[str], out: list[object]) -> str:
    """Any of ``values`` in the keyword column ``field_name``: a substring test per row,
    no JSON to parse."""
    assert field_name in KEYWORD_FIELDS, field_name
    out += [SEPARATOR + _value(v) + SEPARATOR for v in values]
    return "(" + " OR ".join([f'instr(d."{field_name}", ?)'] * len(values)) + ")"


def _node(node: Node, out: list[object]) -> str:
    if isinstance(node, MatchAll):
        return "1"
    if isinstance(node, Text):
        out.append(match_expression(node))
        return "d.rowid IN (SELECT rowid FROM incident_words WHERE incident_words MATCH ?)"
    if isinstance(node, Term):
        return _has(node.field, [node.value], out)
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
    params: list[object] = []
    parts = [_has("tlp", sorted(rights.levels), params)]
    if rights.organization_id is not None and rights.own_levels:
        own = _has("organization", [rights.organization_id], params)
        parts.append(f"({own} AND {_has('tlp', sorted(rights.own_levels), params)})")
    if rights.recipient is not None:
        red = _has("tlp", [RED], params)
        parts.append(f"({red} AND {_has('recipients', [rights.recipient], params)})")
    return Sql("(" + " OR ".join(parts) + ")", params)


def compile_where(node: Node, rights: Visibility) -> Sql:
    """The incidents matching ``node`` that the viewer may read."""
    access = visibility_where(rights)
    params: list[object] = []
    where = _node(node, params)
    return Sql(f"{access.where} AND {where}", access.params + params)


def _access_token(prefix: str, value: str) -> str:
    """One TLP level (``t``), organization (``o``) or recipient (``r``) as an FTS5 token:
    hex, so that no id is folded or split."""
    return prefix + value.encode().hex()


def access_tokens(fields: dict) -> str:
    """The ``access`` column of an incident's FTS5 row: its TLP levels, organization and
    recipients as tokens, for ``access_match``."""
    return " ".join(
        _access_token(prefix, value)
        for prefix, name in (("t", "tlp"), ("o", "organization"), ("r", "recipients"))
        for value in fields[name]
    )


def access_match(rights: Visibility) -> str:
    """The access rule as an FTS5 expression over the ``access`` column: what
    ``visibility_where`` says, for a count that FTS5 answers alone."""

    def any_of(prefix: str, values: list[str]) -> str:
        return "(" + " OR ".join(f'"{_access_token(prefix, v)}"' for v in values) + ")"

    parts = [any_of("t", sorted(rights.levels))]
    if rights.organization_id is not None and rights.own_levels:
        own = any_of("o", [rights.organization_id])
        parts.append(f"({own} AND {any_of('t', sorted(rights.own_levels))})")
    if rights.recipient is not None:
        parts.append(f"({any_of('t', [RED])} AND {any_of('r', [rights.recipient])})")
    return "access : (" + " OR ".join(parts) + ")"


def requires_text(node: Node) -> bool:
    """Whether every incident matching ``node`` matches one of its positive text leaves."""
    if isinstance(node, Text):
        return True
    if isinstance(node, And):
        return any(requires_text(child) for child in node.children)
    if isinstance(node, Or):
        return all(requires_text(child) for child in node.children)
    return False


@dataclass(frozen=True)
class Ranking:
    """How a query meets the FTS5 table: ``match`` scores the rows (bm25); when ``drives``,
    every incident matching the query matches it, so the query reads the rows of that
    match (not every incident) and tests ``rest`` on them."""

    match: str | None
    drives: bool
    rest: Node


def ranking(node: Node) -> Ranking:
    leaves = positive_text(node)
    if not leaves:
        return Ranking(None, False, node)
    if isinstance(node, Text):
        conjuncts, rest = [node], []
    elif isinstance(node, And):
        conjuncts = [c for c in node.children if isinstance(c, Text)]
        rest = [c for c in node.children if not isinstance(c, Text)]
    else:
        conjuncts, rest = [], [node]
    if len(conjuncts) == len(leaves):
        # Every positive leaf must match: their AND drives and scores (bm25 adds up each
        # phrase's weight alike under AND and OR), and nothing is left to test of them.
        match = " AND ".join(f"({match_expression(leaf)})" for leaf in leaves)
        return Ranking(match, True, And(tuple(rest)) if rest else MatchAll())
    return Ranking(rank_expression(node), requires_text(node), node)


def rank_expression(node: Node) -> str | None:
    """An FTS5 query matching any positive text leaf, for bm25 scoring; None without one."""
    leaves = positive_text(node)
    return " OR ".join(match_expression(leaf) for leaf in leaves) if leaves else None
