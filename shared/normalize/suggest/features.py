"""The words a harm-domain model reads in a report: the same function when it is trained
(as scikit-learn's analyzer) and when it scores, so the two cannot drift apart."""

from __future__ import annotations

import re
from itertools import pairwise

# scikit-learn's default token: two or more word characters.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def analyze(text: str) -> list[str]:
    """Lower-cased words and the pairs of adjacent words ("facial recognition")."""
    words = _TOKEN.findall(text.lower())
    return words + [f"{first} {second}" for first, second in pairwise(words)]
