"""What py3langid's model costs intake in resident memory, loaded whole (py3langid's own
loader) and memory-mapped (shared/normalize/language_model.py), each in a fresh process
that imports intake and then detects the language of real reports.

Run alone: ``.venv/bin/python -m bench.memory``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.system import load_average, resident

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SAMPLES = (10, 3000)  # a few reports, then both datasets' whole text (the worst case here)

# Run in a child: imports intake, loads the model one way, detects; prints RSS figures.
_CHILD = """
import csv, itertools, json, re, sys
from pathlib import Path

def status():
    text = Path("/proc/self/status").read_text()
    return {k: int(re.search(rf"^{k}:\\s+(\\d+) kB", text, re.M).group(1)) / 1024
            for k in ("VmRSS", "RssAnon", "RssFile")}

import services.intake.__main__  # everything intake imports
from py3langid.langid import MODEL_FILE, LanguageIdentifier
from shared.normalize import language_model
imported = status()
how, count, datasets = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
if how == "whole":
    model = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
else:
    model = language_model.identifier(norm_probs=True)
loaded = status()
csv.field_size_limit(1 << 24)
texts = []
for name in ("aiid", "aiaaic"):
    with (datasets / name / "incidents.csv").open(newline="") as rows:
        texts += [" ".join(v for v in r.values() if v) for r in csv.DictReader(rows)]
for text in itertools.islice(itertools.cycle(texts), count):
    model.classify(text)
print(json.dumps({"imported": imported, "loaded": loaded, "detected": status(),
                  "texts": min(count, len(texts))}), flush=True)
sys.stdin.read()  # held until the parent has read this process's memory
"""


def measure(how: str, count: int, cache: str, processes: int = 1) -> dict:
    """The first child's figures, and the PSS of each while ``processes`` children run
    side by side (PSS divides each shared page among the processes mapping it)."""
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _CHILD, how, str(count), str(DATASETS)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={"ACCORD_MODEL_CACHE": cache, "PATH": "/usr/bin:/bin"},
        )
        for _ in range(processes)
    ]
    try:
        figures = [json.loads(child.stdout.readline()) for child in children]
        figures[0]["pss"] = [resident(child.pid)[1] for child in children]
    finally:
        for child in children:
            child.communicate("")
    return figures[0]


def run() -> tuple[str, dict]:
    average = load_average()
    with tempfile.TemporaryDirectory() as cache:
        measure("mapped", 1, cache)  # unpack once, outside the measurement
        rows = {
            (how, count): measure(how, count, cache)
            for how in ("whole", "mapped")
            for count in SAMPLES
        }
        pairs = {how: measure(how, SAMPLES[-1], cache, processes=2) for how in ("whole", "mapped")}
    base = rows[("whole", SAMPLES[0])]["imported"]["VmRSS"]
    lines = "".join(
        f"| {how} | {r['texts']} | {r['detected']['VmRSS']:.0f} MB "
        f"| {r['detected']['VmRSS'] - base:.0f} MB | {r['detected']['RssAnon']:.0f} MB "
        f"| {r['detected']['RssFile']:.0f} MB |\n"
        for (how, _), r in rows.items()
    )
    text = (
        "## Memory: py3langid's model in intake\n\n"
        f"A fresh process imports intake ({base:.0f} MB resident), loads the model, and "
        "detects the language of real reports (AIID and AIAAIC rows, whole). `whole`: "
        "py3langid's own loader, every table decompressed into the process; `mapped`: "
        "the same tables memory-mapped from an unpacked copy, so only the pages detections "
        "read (with this kernel, the whole page-cache folios around them) are resident, as "
        "clean file pages that every process mapping them shares and the kernel may drop. "
        "Detections are identical "
        f"(tests/shared/normalize/test_language_model.py). Measured with {average}.\n\n"
        "| model | reports detected | resident (RSS) | of which the model | anonymous "
        "| file-backed |\n|---|---|---|---|---|---|\n"
        f"{lines}\n"
        "Two such processes side by side (intake served by two workers, say), each after "
        f"{SAMPLES[-1]} reports, PSS each (shared pages divided between them): "
        + "; ".join(
            f"{how} {' and '.join(f'{p:.0f} MB' for p in r['pss'])}" for how, r in pairs.items()
        )
        + ".\n"
    )
    figures = {f"{how}, {count} reports": r for (how, count), r in rows.items()}
    return text, {
        "one_process": figures,
        "two_processes_pss_mb": {h: r["pss"] for h, r in pairs.items()},
    }


if __name__ == "__main__":
    print(run()[0])
