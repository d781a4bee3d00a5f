"""End to end: from intake's 202 to searchable in the registry, at a steady 100 reports/s
for 60 s (open loop), on the embedded profile; the services' resident memory meanwhile.
Then the same for 30 s with the bus on Kafka (the Tansu broker the tests use), the store
embedded: Elasticsearch's test server (noida-db) scans every document per search, so
"searchable" there would measure the scan.

Run alone: ``.venv/bin/python -m bench.end_to_end``."""

from __future__ import annotations

import os
from collections import Counter

from bench import system
from bench.stats import percentiles_ms

RATE = 100.0
SECONDS = float(os.environ.get("BENCH_E2E_SECONDS", "60"))
KAFKA_SECONDS = float(os.environ.get("BENCH_E2E_KAFKA_SECONDS", "30"))
GOAL_P99_S = 1.5
MEMORY_GOAL_MB = 100
DRAIN_TIMEOUT_S = 60.0


def measure(seconds: float, env: dict[str, str] | None = None) -> dict:
    with system.started(env) as accord:
        lab, owner = accord.session("LAB_A"), accord.session("RISK_OWNER")
        post_url = f"{accord.urls['intake']}/v1/reports"
        load_average = system.load_average()
        with (
            system.MemorySampler(accord.running) as memory,
            system.Watcher(accord.urls["registry"], owner) as watcher,
        ):
            sent = system.open_loop(
                RATE, seconds, lambda n: lab.post(post_url, json=system.report(n), timeout=10)
            )
            accepted = {s.body["id"]: s.answered for s in sent if s.status == 202}
            missing = watcher.wait_for(set(accepted), DRAIN_TIMEOUT_S)
    delays = [watcher.seen[i] - t for i, t in accepted.items() if i in watcher.seen]
    return {
        "rate": RATE,
        "seconds": seconds,
        "sent": len(sent),
        "accepted": len(accepted),
        "other_answers": dict(
            Counter("no answer in 10 s" if s.status == 0 else s.status for s in sent)
            - Counter({202: len(accepted)})
        ),
        "never_searchable": len(missing),
        "accept_ms": percentiles_ms([s.latency for s in sent if s.status == 202]),
        "late_sends_ms": percentiles_ms([s.late for s in sent]),
        "to_searchable_ms": percentiles_ms(delays),
        "memory_mb": memory.peak,
        "load_average": load_average,
    }


def memory_lines(peak: dict[str, tuple[float, float]]) -> str:
    return "".join(
        f"| {name} | {rss:.0f} MB | {pss:.0f} MB | < {MEMORY_GOAL_MB} MB "
        f"| {pss / MEMORY_GOAL_MB:.2f} |\n"
        for name, (rss, pss) in peak.items()
    )


def _figures(r: dict) -> str:
    searchable, accept = r["to_searchable_ms"], r["accept_ms"]
    others = ", ".join(f"{answer}: {count}" for answer, count in r["other_answers"].items())
    return (
        f"| 202 to searchable, p99 | < {GOAL_P99_S * 1000:.0f} ms | {searchable['p99']:.0f} ms "
        f"| {searchable['p99'] / (GOAL_P99_S * 1000):.2f} |\n"
        f"| 202 to searchable, p50 | | {searchable['p50']:.0f} ms | |\n\n"
        f"- sent {r['sent']} in {r['seconds']:.0f} s, accepted (202) {r['accepted']}, other "
        f"answers {others or 'none'}, accepted but never searchable within "
        f"{DRAIN_TIMEOUT_S:.0f} s: {r['never_searchable']}; {r['load_average']} when it began\n"
        f"- intake's answer: p50 {accept['p50']:.0f} ms, p99 {accept['p99']:.0f} ms; "
        f"sends behind schedule: p99 {r['late_sends_ms']['p99']:.0f} ms\n"
    )


def run() -> tuple[str, dict]:
    embedded = measure(SECONDS)
    with system.kafka_broker() as env:
        kafka = measure(KAFKA_SECONDS, env)
    table = "| measure | goal | figure | ratio to goal |\n|---|---|---|---|\n"
    text = (
        "## End to end: 202 to searchable\n\n"
        f"Open loop: {RATE:.0f} reports/s (AIID titles and descriptions) on a fixed "
        "schedule, each on its own thread, whatever the answers before it. A watcher lists "
        f"the registry's newest incidents every {system.WATCH_EVERY_S * 1000:.0f} ms; an "
        "incident is searchable when the first answer naming it arrives (an upper bound, by "
        "up to one poll). The machine is shared: the figures are noisy.\n\n"
        f"Embedded profile (the default):\n\n{table}{_figures(embedded)}\n"
        "Resident memory of each service during this load (peak of 1 s samples, all of a "
        "service's processes; RSS counts the pages intake's processes share, what the parent "
        "loaded before forking them, once in each, PSS divides them among the sharers, so"
        " the goal is read on PSS: the memory the service takes from the machine):\n\n"
        "| service | RSS | PSS | goal | ratio to goal (PSS) |\n|---|---|---|---|---|\n"
        f"{memory_lines(embedded['memory_mb'])}\n"
        "The bus on Kafka (the Tansu broker from the tests, in memory), the store embedded "
        "(noida-db's Elasticsearch scans every document per search, so its search latency "
        f"means nothing):\n\n{table}{_figures(kafka)}"
    )
    return text, {"embedded": embedded, "kafka": kafka}


if __name__ == "__main__":
    print(run()[0])
