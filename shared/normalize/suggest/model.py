"""A trained harm-domain model as plain arrays, scored in pure Python.

TF-IDF (sublinear term frequency, L2-normalized) into one multinomial logistic regression
per level: ``domain`` (the 7 MIT domains) and ``subdomain``. ``train.write`` stores it from
scikit-learn's fitted objects as a zip archive: ``model.json`` (name, terms, classes,
intercepts) and each array of weights as little-endian float64 (``idf.f64``, and per level
``<level>_coef.f64``, one run of a weight per term for each class in turn). Scoring here
gives the same probabilities as scikit-learn's ``predict_proba``
(tests/shared/normalize/suggest/test_model.py).

No numpy: a report's few dozen known terms times 28 classes is a small sum, and numpy
was the largest import of every intake process (a fresh process importing intake: 56 MB
resident with it, 45 without, bench/memory.py).
"""

from __future__ import annotations

import json
import math
import sys
import zipfile
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter, mul
from pathlib import Path
from typing import IO

from shared.normalize.suggest.features import analyze

LEVELS = ("domain", "subdomain")
META = "model.json"

# One weight per known term of a text, taken out of a column of weights.
Pick = Callable[[Sequence[float]], Sequence[float]]


@dataclass(frozen=True)
class Head:
    classes: tuple[str, ...]
    coef: tuple[array, ...]  # per class, a weight per term
    intercept: tuple[float, ...]  # per class

    def probabilities(self, pick: Pick, weights: list[float]) -> list[float]:
        """Softmax of the classes' scores."""
        scores = [
            sum(map(mul, weights, pick(column))) + b
            for column, b in zip(self.coef, self.intercept, strict=True)
        ]
        top = max(scores)
        exp = [math.exp(score - top) for score in scores]
        total = sum(exp)
        return [e / total for e in exp]


def _floats(archive: zipfile.ZipFile, member: str) -> array:
    values = array("d", archive.read(member))
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _picker(columns: list[int]) -> Pick:
    if len(columns) > 1:
        return itemgetter(*columns)
    (only,) = columns  # itemgetter of one index gives the item, not a tuple

    def pick(weights: Sequence[float]) -> Sequence[float]:
        return (weights[only],)

    return pick


@dataclass(frozen=True)
class Model:
    name: str  # what a suggestion names as its source
    index: dict[str, int]  # term -> column
    idf: array
    heads: dict[str, Head]

    @classmethod
    def load(cls, path: Path | IO[bytes]) -> Model:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read(META))
            terms = len(meta["terms"])
            heads = {}
            for level in LEVELS:
                weights = _floats(archive, f"{level}_coef.f64")
                classes = tuple(meta[f"{level}_classes"])
                if len(weights) != terms * len(classes):
                    raise ValueError(f"{level}_coef.f64: not {terms} x {len(classes)} weights")
                heads[level] = Head(
                    classes,
                    tuple(weights[c * terms : (c + 1) * terms] for c in range(len(classes))),
                    tuple(meta[f"{level}_intercept"]),
                )
            idf = _floats(archive, "idf.f64")
            if len(idf) != terms:
                raise ValueError(f"idf.f64: not {terms} weights")
            return cls(
                name=meta["name"],
                index={term: column for column, term in enumerate(meta["terms"])},
                idf=idf,
                heads=heads,
            )

    def features(self, text: str) -> tuple[Pick, list[float]] | None:
        """The text's TF-IDF vector: what picks its terms out of a column of weights, and
        their weights; None when no word is known."""
        counts = Counter(self.index[term] for term in analyze(text) if term in self.index)
        if not counts:
            return None
        weights = [(1 + math.log(n)) * self.idf[column] for column, n in counts.items()]
        norm = math.sqrt(sum(w * w for w in weights))
        return _picker(list(counts)), [w / norm for w in weights]

    def rank(self, text: str) -> dict[str, list[tuple[str, float]]] | None:
        """For each level, every class with its probability, the most probable first; None
        when the model knows no word of the text."""
        vector = self.features(text)
        if vector is None:
            return None
        ranked = {}
        for level, head in self.heads.items():
            probabilities = head.probabilities(*vector)
            order = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])
            ranked[level] = [(head.classes[i], probabilities[i]) for i in order]
        return ranked
