"""How well the harm-domain model suggests, on incidents it was not trained on, beside a
baseline that always answers the most common labels.

    python -m shared.normalize.suggest.evaluate ../shared/datasets/aiid

A stratified held-out split of the labelled AIID incidents (by domain, fixed seed); the
model is trained on the rest and scored as intake scores it (exported, then read back).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from shared.normalize.suggest import SHOWN
from shared.normalize.suggest.model import Model
from shared.normalize.suggest.train import Example, examples, fit, write

SEED = 8
HELD_OUT = 0.2


@dataclass(frozen=True)
class Scores:
    domain_accuracy: float
    domain_macro_f1: float
    subdomain_accuracy: float
    subdomain_top3: float


@dataclass(frozen=True)
class Evaluation:
    trained: int
    held_out: int
    model: Scores
    baseline: Scores


def split(labelled: Sequence[Example]) -> tuple[list[Example], list[Example]]:
    training, held_out = train_test_split(
        list(labelled),
        test_size=HELD_OUT,
        random_state=SEED,
        stratify=[e.domain for e in labelled],
    )
    return training, held_out


def scores(held_out: Sequence[Example], domains: list[str], subdomains: list[list[str]]) -> Scores:
    """``domains``: the first answer for each example; ``subdomains``: ranked answers."""
    truth = [e.domain for e in held_out]
    labels = sorted(set(truth))
    return Scores(
        domain_accuracy=accuracy_score(truth, domains),
        domain_macro_f1=f1_score(truth, domains, labels=labels, average="macro", zero_division=0),
        subdomain_accuracy=sum(
            e.subdomain == s[0] for e, s in zip(held_out, subdomains, strict=True)
        )
        / len(held_out),
        subdomain_top3=sum(
            e.subdomain in s[:SHOWN] for e, s in zip(held_out, subdomains, strict=True)
        )
        / len(held_out),
    )


def evaluate(labelled: Sequence[Example]) -> Evaluation:
    training, held_out = split(labelled)
    file = io.BytesIO()
    write(fit(training), file)
    file.seek(0)
    model = Model.load(file)
    ranked = [model.rank(e.text) for e in held_out]
    # A text with no known word gets the baseline's answer, so every example is scored.
    domain_counts = Counter(e.domain for e in training)
    common_subdomains = [s for s, _ in Counter(e.subdomain for e in training).most_common()]
    majority = domain_counts.most_common(1)[0][0]
    model_domains = [r["domain"][0][0] if r else majority for r in ranked]
    model_subdomains = [[s for s, _ in r["subdomain"]] if r else common_subdomains for r in ranked]
    return Evaluation(
        trained=len(training),
        held_out=len(held_out),
        model=scores(held_out, model_domains, model_subdomains),
        baseline=scores(held_out, [majority] * len(held_out), [common_subdomains] * len(held_out)),
    )


def render(evaluation: Evaluation) -> str:
    rows = [
        ("domain accuracy", "domain_accuracy"),
        ("domain macro-F1", "domain_macro_f1"),
        ("subdomain accuracy (top 1)", "subdomain_accuracy"),
        (f"subdomain top-{SHOWN} accuracy", "subdomain_top3"),
    ]
    lines = [
        f"Trained on {evaluation.trained:,} labelled AIID incidents, scored on "
        f"{evaluation.held_out:,} held out (stratified by domain, seed {SEED}).",
        "",
        "| measure | model | majority baseline |",
        "|---|---|---|",
    ]
    for label, name in rows:
        model, baseline = getattr(evaluation.model, name), getattr(evaluation.baseline, name)
        lines.append(f"| {label} | {model:.3f} | {baseline:.3f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.normalize.suggest.evaluate")
    parser.add_argument("aiid", type=Path, help="an AIID dump folder (incidents.csv, MIT labels)")
    args = parser.parse_args(argv)
    print(render(evaluate(examples(args.aiid))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
