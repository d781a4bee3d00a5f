"""The search language's grammar (lark, LALR) and its reading into the AST.

    free words    "exact phrase"    -excluded    a OR b    prefix*    ( ... )
    field:value   field:"quoted value"           (fields.FIELDS)

Words side by side must all match. A word or phrase with nothing searchable in it (``!!``)
is ignored. Any error is a ``QuerySyntaxError`` with the 1-based position and what was
expected there.
"""

from __future__ import annotations

from functools import cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)

from services.registry.query.analysis import analyze, prefix_term
from services.registry.query.ast import And, MatchAll, Node, Not, Or, Text
from services.registry.query.errors import QuerySyntaxError
from services.registry.query.fields import FIELDS, BadValue, field_node

_GRAMMAR = r"""
start: expr?
?expr: and_expr (_OR and_expr)*       -> any_of
?and_expr: unary+                     -> all_of
?unary: MINUS atom                    -> negate
      | atom
?atom: "(" expr ")"
     | FIELD (PHRASE | WORD)          -> field
     | PHRASE                         -> phrase
     | WORD                           -> word
_OR: "OR"
MINUS: "-"
FIELD.2: /[A-Za-z_]+:/
PHRASE: /"[^"]*"/
WORD: /[^\s()"\-][^\s()"]*/
%ignore /\s+/
"""
# How each terminal is named to a person who typed the query.
_NAMES = {
    "WORD": "a word",
    "PHRASE": 'a "quoted phrase"',
    "FIELD": "a field (e.g. severity:)",
    "LPAR": "(",
    "RPAR": ")",
    "_OR": "OR",
    "MINUS": "-",
    "$END": "the end of the query",
}
MAX_DEPTH = 12  # nested groups; the stores bound their query depth too


def _simplify(kind: type[And] | type[Or], children: list[Node | None]) -> Node | None:
    """Drop ignored children, flatten ``a (b c)`` into one group, unwrap a single child."""
    flat: list[Node] = []
    for child in children:
        if child is None:
            continue
        flat += child.children if isinstance(child, kind) else [child]
    if not flat:
        return None
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


@v_args(inline=True)
class _ToAst(Transformer):
    def start(self, expr: Node | None = None) -> Node:
        return MatchAll() if expr is None else expr

    def any_of(self, *children: Node | None) -> Node | None:
        return _simplify(Or, list(children))

    def all_of(self, *children: Node | None) -> Node | None:
        return _simplify(And, list(children))

    def negate(self, _minus: Token, child: Node | None) -> Node | None:
        return None if child is None else Not(child)

    def phrase(self, token: Token) -> Node | None:
        terms = analyze(token[1:-1])
        return Text(tuple(terms)) if terms else None

    def word(self, token: Token) -> Node | None:
        if token.endswith("*"):
            stem = token.rstrip("*")
            if not analyze(stem):
                return None
            term = prefix_term(stem)
            if term is None:
                raise QuerySyntaxError(
                    f"A prefix search takes one word, not {stem!r}.",
                    position=token.column,
                    expected=["one word before *"],
                )
            return Text((term,), prefix=True)
        terms = analyze(token)
        return Text(tuple(terms)) if terms else None

    def field(self, name: Token, value: Token) -> Node:
        field = name[:-1]
        text = value[1:-1] if value.type == "PHRASE" else str(value)
        try:
            return field_node(field, text)
        except KeyError:
            raise QuerySyntaxError(
                f"Unknown field {field!r}.",
                position=name.column,
                expected=[f"{known}:" for known in FIELDS],
            ) from None
        except BadValue as exc:
            raise QuerySyntaxError(
                f"{field}: does not take {text!r}.", position=value.column, expected=[exc.expected]
            ) from None


@cache
def _parser() -> Lark:
    return Lark(_GRAMMAR, parser="lalr", propagate_positions=False, maybe_placeholders=False)


def _depth(node: Node) -> int:
    if isinstance(node, And | Or):
        return 1 + max(_depth(child) for child in node.children)
    if isinstance(node, Not):
        return 1 + _depth(node.child)
    return 0


def _syntax_error(text: str, exc: UnexpectedInput) -> QuerySyntaxError:
    if isinstance(exc, UnexpectedEOF):
        position, expected, found = len(text) + 1, exc.expected, "the end of the query"
    elif isinstance(exc, UnexpectedToken):
        position, expected = exc.token.column, exc.accepts or exc.expected
        found = "the end of the query" if exc.token.type == "$END" else repr(str(exc.token))
        if exc.token.type == "$END":
            position = len(text) + 1
    else:
        assert isinstance(exc, UnexpectedCharacters)
        position, expected, found = exc.column, exc.allowed, repr(text[exc.pos_in_stream])
    names = sorted({_NAMES.get(name, name) for name in expected})
    return QuerySyntaxError(
        f"Unexpected {found} at position {position}; expected {' or '.join(names)}.",
        position=position,
        expected=names,
    )


def parse(text: str) -> Node:
    """The AST of ``text``; raises ``QuerySyntaxError``."""
    try:
        tree = _parser().parse(text)
    except UnexpectedInput as exc:
        raise _syntax_error(text, exc) from None
    try:
        node = _ToAst().transform(tree)
    except VisitError as exc:  # lark wraps what the transformer raises
        if isinstance(exc.orig_exc, QuerySyntaxError):
            raise exc.orig_exc from None
        raise
    if _depth(node) > MAX_DEPTH:
        raise QuerySyntaxError(
            f"The query nests groups more than {MAX_DEPTH} deep.",
            position=1,
            expected=[f"at most {MAX_DEPTH} nested groups"],
        )
    return node
