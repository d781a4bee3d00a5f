"""The search language's syntax tree. Text leaves hold analyzed terms (analysis.py), so a
compiler only chooses the store's syntax, never how to read text."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class MatchAll:
    """The empty query: every incident the viewer may read."""


@dataclass(frozen=True)
class Text:
    """Terms in the title or the description: one term, or a phrase (in this order,
    adjacent); ``prefix`` (one term only) matches every term starting with it.
    ``redacted`` searches the texts as the public view shows them (redact.py), so a
    search there cannot find what the view removed."""

    terms: tuple[str, ...]
    prefix: bool = False
    redacted: bool = False


@dataclass(frozen=True)
class Term:
    """An indexed keyword field (document.KEYWORD_FIELDS) holds ``value``."""

    field: str
    value: str


@dataclass(frozen=True)
class Range:
    """An indexed date (milliseconds since the epoch, UTC) in ``[gte, lt)``; either end
    may be open."""

    field: str
    gte: int | None = None
    lt: int | None = None


@dataclass(frozen=True)
class And:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    child: Node


Node = MatchAll | Text | Term | Range | And | Or | Not


def redacted(node: Node) -> Node:
    """``node`` with every text leaf searching the redacted texts."""
    if isinstance(node, Text):
        return replace(node, redacted=True)
    if isinstance(node, And | Or):
        return type(node)(tuple(redacted(child) for child in node.children))
    if isinstance(node, Not):
        return Not(redacted(node.child))
    return node


def positive_text(node: Node) -> list[Text]:
    """The text leaves that count towards relevance (those not under a ``Not``)."""
    if isinstance(node, Text):
        return [node]
    if isinstance(node, And | Or):
        return [leaf for child in node.children for leaf in positive_text(child)]
    return []
