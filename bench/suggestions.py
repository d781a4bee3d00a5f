"""The harm-domain model: how well it suggests (held-out evaluation beside a majority
baseline), what it costs per report, and the resident memory it adds to intake."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from shared.normalize import normalize, suggest
from shared.normalize.suggest.evaluate import evaluate, render
from shared.normalize.suggest.train import examples

AIID = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "aiid"
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example-report.json"
REPORTS = 1000
ROUNDS = 5  # alternating, the best of each: other processes share the cores

# Run in a fresh interpreter, so nothing this process loaded counts: the resident memory of
# intake's normalizer warmed up (language model and all), then with the model loaded.
_MEMORY = """
import resource, json
from shared.normalize import suggest, warm_up
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * resource.getpagesize()
model, suggest.MODEL_FILE = suggest.MODEL_FILE, suggest.MODEL_FILE.with_suffix(".none")
warm_up()
before = rss()
suggest.MODEL_FILE = model
assert suggest.available()
print(json.dumps({"before": before, "after": rss()}))
"""


def _memory() -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _MEMORY], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def _normalize_ms(*, with_model: bool) -> float:
    """normalize() of docs/example-report.json without its harm domains, in ms."""
    raw = json.loads(EXAMPLE.read_text())
    raw.pop("harm_domains", None)
    raw.pop("harm_subdomains", None)
    model = suggest.MODEL_FILE
    if not with_model:
        suggest.MODEL_FILE = model.with_suffix(".none")
    try:
        started = time.perf_counter()
        for _ in range(REPORTS):
            normalize(raw, channel="api", source_format="json", payload=b"")
        return (time.perf_counter() - started) / REPORTS * 1000
    finally:
        suggest.MODEL_FILE = model


def run() -> str:
    labelled = examples(AIID)
    evaluation = render(evaluate(labelled))
    if not suggest.available():
        return f"## Harm-domain suggestions\n\n{evaluation}\n\nNo model built: no cost measured.\n"
    texts = [e.text for e in labelled]
    rounds = [
        (_normalize_ms(with_model=False), _normalize_ms(with_model=True)) for _ in range(ROUNDS)
    ]
    without, with_model = (min(times) for times in zip(*rounds, strict=True))
    started = time.perf_counter()
    for text in texts:
        suggest.suggest(text, "en")
    alone = (time.perf_counter() - started) / len(texts) * 1000
    memory = _memory()
    added = (memory["after"] - memory["before"]) / 2**20
    return (
        "## Harm-domain suggestions\n\n"
        "`python -m shared.normalize.suggest.evaluate ../shared/datasets/aiid`:\n\n"
        f"{evaluation}\n\n"
        f"- cost: {alone:.2f} ms per report for the suggestion alone (the {len(texts):,} "
        f"labelled AIID texts); normalize() of docs/example-report.json without its domains "
        f"{without:.2f} ms without the model, {with_model:.2f} ms with it (best of "
        f"{ROUNDS} alternating rounds of {REPORTS:,})\n"
        f"- resident memory the loaded model adds to a warmed-up normalizer: {added:.1f} MiB "
        f"({memory['before'] / 2**20:.0f} MiB before, {memory['after'] / 2**20:.0f} MiB after)\n"
    )
