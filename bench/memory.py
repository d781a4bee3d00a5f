"""What language detection costs intake in resident memory and time: a fresh process
imports intake, loads fastText's lid.176.ftz (shared/normalize/language.py) and detects the
language of real reports.

Run alone: ``.venv/bin/python -m bench.memory``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from bench.system import load_average

DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"
SAMPLES = (10, 3000)  # a few reports, then both datasets' whole text (the worst case here)

# Run in a child: imports intake, loads the model, detects; prints RSS figures.
_CHILD = """
import csv, itertools, json, re, sys, time
from pathlib import Path

def status():
    text = Path("/proc/self/status").read_text()
    return {k: int(re.search(rf"^{k}:\\s+(\\d+) kB", text, re.M).group(1)) / 1024
            for k in ("VmRSS", "RssAnon", "RssFile")}

import services.intake.__main__  # everything intake imports
from shared.normalize import language
imported = status()
count, datasets = int(sys.argv[1]), Path(sys.argv[2])
language.detect("")
loaded = status()
csv.field_size_limit(1 << 24)
texts = []
for name in ("aiid", "aiaaic"):
    with (datasets / name / "incidents.csv").open(newline="") as rows:
        texts += [" ".join(v for v in r.values() if v) for r in csv.DictReader(rows)]
texts = list(itertools.islice(itertools.cycle(texts), count))
started = time.process_time()
for text in texts:
    language.detect(text)
seconds = time.process_time() - started
print(json.dumps({"imported": imported, "loaded": loaded, "detected": status(),
                  "texts": len(texts), "us_per_text": seconds / len(texts) * 1e6}))
"""


def measure(count: int) -> dict:
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(count), str(DATASETS)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin"},
    )
    return json.loads(child.stdout)


def run() -> tuple[str, dict]:
    average = load_average()
    rows = {count: measure(count) for count in SAMPLES}
    base = rows[SAMPLES[0]]["imported"]["VmRSS"]
    lines = "".join(
        f"| {count} | {r['loaded']['VmRSS'] - r['imported']['VmRSS']:.1f} MB "
        f"| {r['detected']['VmRSS']:.0f} MB | {r['detected']['VmRSS'] - base:.1f} MB "
        f"| {r['us_per_text']:.0f} us |\n"
        for count, r in rows.items()
    )
    text = (
        "## Memory: the language model in intake\n\n"
        f"A fresh process imports intake ({base:.0f} MB resident), loads fastText's "
        "lid.176.ftz (shared/normalize/language.py) and detects the language of real reports "
        "(AIID and AIAAIC rows, whole; CPU time per text). py3langid, the detector before it, "
        "held 68 MB of tables (76 MB decompressed into each process, or memory-mapped and "
        f"shared since). Measured with {average}.\n\n"
        "| reports detected | loading the model | resident (RSS) after | above the import "
        "| per text |\n|---|---|---|---|---|\n"
        f"{lines}"
    )
    return text, {f"{count} reports": r for count, r in rows.items()}


if __name__ == "__main__":
    print(run()[0])
