"""Percentiles for benchmark reports."""

from __future__ import annotations

import statistics


def _percentiles_ms(seconds: list[float]) -> tuple[list[float], list[float]]:
    """``seconds`` in milliseconds, sorted, and their 1st to 99th percentiles."""
    ms = sorted(s * 1000 for s in seconds)
    return ms, statistics.quantiles(ms, n=100, method="inclusive")


def summary_ms(seconds: list[float]) -> str:
    ms, q = _percentiles_ms(seconds)
    return f"p50 {q[49]:.0f} ms, p95 {q[94]:.0f} ms, max {ms[-1]:.0f} ms (n={len(ms)})"


def p50_p95_ms(seconds: list[float]) -> tuple[float, float]:
    _, q = _percentiles_ms(seconds)
    return q[49], q[94]


def percentiles_ms(seconds: list[float]) -> dict[str, float]:
    """p50, p99 and max in milliseconds (zeros when there is nothing to measure)."""
    if len(seconds) < 2:
        return {"p50": 0.0, "p99": 0.0, "max": max(seconds, default=0.0) * 1000, "n": len(seconds)}
    ms, q = _percentiles_ms(seconds)
    return {"p50": q[49], "p99": q[98], "max": ms[-1], "n": len(ms)}
