"""Likelihood and impact: the two 1-5 axes of the risk matrix, from numbers or words."""

from __future__ import annotations

from shared.normalize import terms
from shared.normalize.result import Mapped

SCALE = range(1, 6)


def rating(name: str, value: str | int) -> Mapped:
    """``value`` on the scale of vocabulary ``name`` (likelihood or impact), as 1 to 5."""
    if isinstance(value, int):
        if value in SCALE:
            return Mapped(value, f"{name}: number")
        raise terms.unknown(name, value)
    mapped = terms.lookup(name, value)
    return Mapped(int(mapped.value), mapped.rule)
