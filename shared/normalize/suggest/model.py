"""A trained harm-domain model as plain arrays (``.npz``, no pickles), scored with numpy.

TF-IDF (sublinear term frequency, L2-normalized) into one multinomial logistic regression
per level: ``domain`` (the 7 MIT domains) and ``subdomain``. ``train.export`` writes the
file from scikit-learn's fitted objects; scoring here gives the same probabilities as
scikit-learn's ``predict_proba`` (tests/shared/normalize/suggest/test_model.py).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from shared.normalize.suggest.features import analyze

LEVELS = ("domain", "subdomain")


@dataclass(frozen=True)
class Head:
    classes: tuple[str, ...]
    coef: np.ndarray  # terms x classes
    intercept: np.ndarray  # classes

    def probabilities(self, indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
        scores = weights @ self.coef[indices] + self.intercept
        exp = np.exp(scores - scores.max())
        return exp / exp.sum()


@dataclass(frozen=True)
class Model:
    name: str  # what a suggestion names as its source
    index: dict[str, int]  # term -> column
    idf: np.ndarray
    heads: dict[str, Head]

    @classmethod
    def load(cls, path: Path | IO[bytes]) -> Model:
        with np.load(path, allow_pickle=False) as arrays:
            terms = arrays["terms"].tolist()
            return cls(
                name=str(arrays["name"]),
                index={term: column for column, term in enumerate(terms)},
                idf=arrays["idf"],
                heads={
                    level: Head(
                        tuple(arrays[f"{level}_classes"].tolist()),
                        arrays[f"{level}_coef"],
                        arrays[f"{level}_intercept"],
                    )
                    for level in LEVELS
                },
            )

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray] | None:
        """The text's TF-IDF vector as (columns, weights); None when no word is known."""
        counts = Counter(self.index[term] for term in analyze(text) if term in self.index)
        if not counts:
            return None
        indices = np.fromiter(counts, dtype=np.intp, count=len(counts))
        weights = (1 + np.log(np.fromiter(counts.values(), dtype=float))) * self.idf[indices]
        return indices, weights / np.linalg.norm(weights)

    def rank(self, text: str) -> dict[str, list[tuple[str, float]]] | None:
        """For each level, every class with its probability, the most probable first; None
        when the model knows no word of the text."""
        vector = self.features(text)
        if vector is None:
            return None
        ranked = {}
        for level, head in self.heads.items():
            probabilities = head.probabilities(*vector)
            order = np.argsort(-probabilities, kind="stable")
            ranked[level] = [(head.classes[i], float(probabilities[i])) for i in order]
        return ranked
