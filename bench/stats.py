"""Percentiles for benchmark reports."""

from __future__ import annotations

import statistics


def summary_ms(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return f"p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"
