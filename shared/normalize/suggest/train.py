"""Training the harm-domain model on the AI Incident Database's MIT labels (scikit-learn),
and writing it as the arrays ``model.Model`` scores with (its docstring gives the format).

    python -m shared.normalize.suggest.train ../shared/datasets/aiid --out FILE   # make model

Each labelled incident is one example: its title and description, its MIT domain and
subdomain (``classifications_MIT.csv``, published labels only).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from shared.normalize import domains
from shared.normalize.suggest import MODEL_FILE
from shared.normalize.suggest.features import analyze
from shared.normalize.suggest.model import LEVELS, META

# Chosen by 5-fold cross-validation within evaluate.py's training part (never on its
# held-out part): balanced class weights lift macro-F1 from about 0.49 to 0.63 (the rare
# domains 5 and 6 get found), and terms seen once only add noise and size.
VECTORIZER = {"analyzer": analyze, "sublinear_tf": True, "min_df": 2}
CLASSIFIER = {"C": 3.0, "class_weight": "balanced", "max_iter": 5000}


@dataclass(frozen=True)
class Example:
    text: str  # title, a newline, description: as intake scores a report
    domain: str  # "7"
    subdomain: str  # "7.3"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file))


def examples(aiid: Path) -> list[Example]:
    """The labelled incidents of an AIID dump folder, in incident order."""
    labels = {
        row["Incident ID"].strip(): (
            domains.domain(row["Risk Domain"]).value,
            domains.subdomain(row["Risk Subdomain"]).value,
        )
        for row in _rows(aiid / "classifications_MIT.csv")
        if row.get("Published", "").strip() != "False" and row["Risk Subdomain"].strip()
    }
    found = []
    for row in _rows(aiid / "incidents.csv"):
        label = labels.get(row["incident_id"].strip())
        if label is not None:
            text = f"{row['title'].strip()}\n{row['description'].strip()}"
            found.append(Example(text, *label))
    return found


def name(training: Sequence[Example]) -> str:
    """Names the model by what it learned from: the same data gives the same name."""
    data = json.dumps([[e.text, e.domain, e.subdomain] for e in training]).encode()
    digest = hashlib.sha256(data + repr(CLASSIFIER).encode()).hexdigest()[:10]
    return f"aiid-mit-tfidf-logreg-{digest}"


def fit(training: Sequence[Example]) -> dict[str, Any]:
    """The model's arrays, as ``write`` stores them: per level, a row of weights per class."""
    vectorizer = TfidfVectorizer(**VECTORIZER)
    features = vectorizer.fit_transform([e.text for e in training])
    arrays: dict[str, Any] = {
        "name": name(training),
        "terms": vectorizer.get_feature_names_out().astype(str),
        "idf": vectorizer.idf_,
    }
    for level in LEVELS:
        classifier = LogisticRegression(**CLASSIFIER)
        classifier.fit(features, [getattr(e, level) for e in training])
        arrays[f"{level}_classes"] = classifier.classes_.astype(str)
        arrays[f"{level}_coef"] = classifier.coef_
        arrays[f"{level}_intercept"] = classifier.intercept_
    return arrays


def _float64(values: np.ndarray) -> bytes:
    return np.ascontiguousarray(values, dtype="<f8").tobytes()


def write(arrays: dict[str, Any], file: Path | IO[bytes]) -> None:
    meta = {"name": arrays["name"], "terms": arrays["terms"].tolist()}
    with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("idf.f64", _float64(arrays["idf"]))
        for level in LEVELS:
            meta[f"{level}_classes"] = arrays[f"{level}_classes"].tolist()
            meta[f"{level}_intercept"] = arrays[f"{level}_intercept"].tolist()
            archive.writestr(f"{level}_coef.f64", _float64(arrays[f"{level}_coef"]))
        archive.writestr(META, json.dumps(meta))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.normalize.suggest.train")
    parser.add_argument("aiid", type=Path, help="an AIID dump folder (incidents.csv, MIT labels)")
    parser.add_argument("--out", type=Path, default=MODEL_FILE, help=f"default {MODEL_FILE}")
    args = parser.parse_args(argv)
    training = examples(args.aiid)
    arrays = fit(training)
    write(arrays, args.out)
    print(
        f"{args.out}: {arrays['name']} from {len(training):,} labelled AIID incidents, "
        f"{len(arrays['terms']):,} terms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
