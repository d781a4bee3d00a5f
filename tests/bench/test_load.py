"""Reading wrk's output: the figures the benchmark report gives."""

from __future__ import annotations

import pytest

from bench.load import parse

OUTPUT = """Running 10s test @ http://127.0.0.1:18111/v1/reports
  2 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.05ms   25.67ms 412.10ms   89.12%
    Req/Sec   130.21     30.10   210.00     70.00%
  Latency Distribution
     50%   26.90ms
     75%   35.01ms
     90%   52.33ms
     99%    1.57s
  2563 requests in 10.01s, 1.02MB read
  Socket errors: connect 0, read 1, write 0, timeout 3
  Non-2xx or 3xx responses: 5
Requests/sec:    256.05
Transfer/sec:    104.11KB
"""


def test_throughput_percentiles_and_errors_apart():
    assert parse(OUTPUT) == (256.05, 26.9, 1570.0, 5, 4)


def test_microseconds_and_a_clean_run():
    clean = OUTPUT.replace("26.90ms", "950.00us").replace(
        "  Socket errors: connect 0, read 1, write 0, timeout 3\n  Non-2xx or 3xx responses: 5\n",
        "",
    )
    assert parse(clean)[1] == pytest.approx(0.95)
    assert parse(clean)[3:] == (0, 0)
