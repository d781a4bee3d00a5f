"""The registry's search language: one parser to one AST, and one compiler per store.

``parse`` (parser.py) turns what a person typed into an AST (ast.py) whose text leaves are
already analyzed (analysis.py); ``fts5.compile_where`` and ``elasticsearch.compile_query``
turn that AST, with the viewer's ``Visibility``, into each store's query. ``document``
computes the fields both stores index, so the two compilers target the same values.
"""

from services.registry.query.ast import Node
from services.registry.query.errors import QuerySyntaxError
from services.registry.query.parser import parse

__all__ = ["Node", "QuerySyntaxError", "parse"]
