"""The AST and the viewer's visibility compiled to the Elasticsearch query DSL.

Indexed fields live under ``derived`` (query/document.py): ``derived.title`` and
``derived.description`` hold analyzed terms behind the ``whitespace`` analyzer, so the
terms here are the index's terms. Filters score nothing (a ``bool`` with only
``filter``), so relevance comes from text alone, with a title match weighing
``TITLE_BOOST`` times a description match, as in the embedded store.
"""

from __future__ import annotations

from typing import Any

from services.registry.access.rules import RED, Visibility
from services.registry.query.ast import And, MatchAll, Node, Not, Or, Range, Term, Text
from services.registry.query.document import DATE_FIELDS, KEYWORD_FIELDS

TITLE_BOOST = 10.0
TEXT_FIELDS = {"derived.title": TITLE_BOOST, "derived.description": 1.0}
REDACTED_FIELDS = {"derived.public_title": TITLE_BOOST, "derived.public_description": 1.0}

Query = dict[str, Any]


def _text(field: str, leaf: Text, boost: float) -> Query:
    if leaf.prefix:
        return {"prefix": {field: {"value": leaf.terms[0], "boost": boost}}}
    if len(leaf.terms) == 1:
        return {"term": {field: {"value": leaf.terms[0], "boost": boost}}}
    return {"match_phrase": {field: {"query": " ".join(leaf.terms), "boost": boost}}}


def _filter(query: Query) -> Query:
    return {"bool": {"filter": [query]}}


def _keyword(field: str) -> str:
    assert field in KEYWORD_FIELDS, field
    return f"derived.{field}"


def _node(node: Node) -> Query:
    if isinstance(node, MatchAll):
        return {"match_all": {}}
    if isinstance(node, Text):
        fields = REDACTED_FIELDS if node.redacted else TEXT_FIELDS
        should = [_text(field, node, boost) for field, boost in fields.items()]
        return {"bool": {"should": should, "minimum_should_match": 1}}
    if isinstance(node, Term):
        return _filter({"term": {_keyword(node.field): node.value}})
    if isinstance(node, Range):
        assert node.field in DATE_FIELDS, node.field
        bounds = {"gte": node.gte, "lt": node.lt}
        bounds = {k: v for k, v in bounds.items() if v is not None}
        field = f"derived.{node.field}"
        return _filter({"range": {field: bounds}} if bounds else {"exists": {"field": field}})
    if isinstance(node, Not):
        return {"bool": {"must_not": [_node(node.child)]}}
    if isinstance(node, And):
        return {"bool": {"must": [_node(child) for child in node.children]}}
    assert isinstance(node, Or)
    return {"bool": {"should": [_node(c) for c in node.children], "minimum_should_match": 1}}


def visibility_filter(rights: Visibility) -> Query:
    """The access rule (access/rules.py) as a filter."""
    should: list[Query] = [{"terms": {"derived.tlp": sorted(rights.levels)}}]
    if rights.organization_id is not None and rights.own_levels:
        should.append(
            {
                "bool": {
                    "filter": [
                        {"term": {"derived.organization": rights.organization_id}},
                        {"terms": {"derived.tlp": sorted(rights.own_levels)}},
                    ]
                }
            }
        )
    if rights.recipient is not None:
        should.append(
            {
                "bool": {
                    "filter": [
                        {"term": {"derived.tlp": RED}},
                        {"term": {"derived.recipients": rights.recipient}},
                    ]
                }
            }
        )
    return {"bool": {"should": should, "minimum_should_match": 1}}


def compile_query(node: Node, rights: Visibility) -> Query:
    """The incidents matching ``node`` that the viewer may read."""
    return {"bool": {"must": [_node(node)], "filter": [visibility_filter(rights)]}}
