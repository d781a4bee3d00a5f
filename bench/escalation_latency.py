"""Escalation: from the 202 of a critical report to the notifier's first page on its
webhook (a receiver in this process), over a series of critical reports sent on a fixed
schedule, with the default policy paging the demo on-call person at once.

Run alone: ``.venv/bin/python -m bench.escalation_latency``."""

from __future__ import annotations

from bench import system
from bench.stats import percentiles_ms

CRITICAL = 60
RATE = 4.0  # critical reports per second: a bad day, not a flood
GOAL_P99_S = 2.0
WAIT_S = 60.0


def measure() -> dict:
    with system.started() as accord:
        lab = accord.session("LAB_A")
        post_url = f"{accord.urls['intake']}/v1/reports"
        load_average = system.load_average()
        sent = system.open_loop(
            RATE,
            CRITICAL / RATE,
            lambda n: lab.post(post_url, json=system.report(n, "critical"), timeout=10),
        )
        accepted = {s.body["id"]: s.answered for s in sent if s.status == 202}
        accord.pages.wait_for(accepted, WAIT_S)
        paged = {i: accord.pages.first_page(i) for i in accepted}
    delays = [paged[i] - t for i, t in accepted.items() if paged[i] is not None]
    return {
        "sent": len(sent),
        "accepted": len(accepted),
        "never_paged": sum(1 for t in paged.values() if t is None),
        "to_first_page_ms": percentiles_ms(delays),
        "load_average": load_average,
    }


def run() -> tuple[str, dict]:
    r = measure()
    page = r["to_first_page_ms"]
    text = (
        "## Escalation: 202 to the first page (embedded profile)\n\n"
        f"{r['sent']} critical reports at {RATE:.0f} a second (open loop); the default "
        "policy pages the demo on-call person at once; the notifier's signed webhook "
        "posts to a receiver in the benchmark, which notes when each incident's first "
        f"`trigger` arrives. Measured with {r['load_average']} when it began.\n\n"
        "| measure | goal | figure | ratio to goal |\n|---|---|---|---|\n"
        f"| 202 to first page, p99 | < {GOAL_P99_S * 1000:.0f} ms | {page['p99']:.0f} ms "
        f"| {page['p99'] / (GOAL_P99_S * 1000):.2f} |\n"
        f"| 202 to first page, p50 | | {page['p50']:.0f} ms | |\n\n"
        f"- accepted {r['accepted']} of {r['sent']}; accepted but never paged within "
        f"{WAIT_S:.0f} s: {r['never_paged']}\n"
    )
    return text, r


if __name__ == "__main__":
    print(run()[0])
