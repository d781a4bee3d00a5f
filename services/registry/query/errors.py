"""The one error of the search language: where it went wrong and what was expected."""

from __future__ import annotations

from shared.errors import Rejected


class QuerySyntaxError(Rejected):
    """``position`` is the 1-based character of the query where reading stopped."""

    def __init__(self, message: str, *, position: int, expected: list[str]) -> None:
        super().__init__(message)
        self.message = message
        self.position = position
        self.expected = expected
