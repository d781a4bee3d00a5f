"""Where a benchmark's time goes: named functions' cumulative time in a cProfile."""

from __future__ import annotations

import cProfile
import pstats


def table(
    profile: cProfile.Profile, parts: dict[str, tuple[str, str]], *, n: int, total: float, unit: str
) -> str:
    """A Markdown table: each part (file suffix, function name) per ``unit`` over ``n``
    and as a share of ``total`` seconds."""
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    lines = [f"| part | per {unit} | share |", "|---|---|---|"]
    for name, (suffix, function) in parts.items():
        seconds = sum(
            row[3]  # cumulative time
            for (path, _line, func), row in stats.items()
            if path.endswith(suffix) and func == function
        )
        lines.append(f"| {name} | {seconds / n * 1000:.2f} ms | {seconds / total:.0%} |")
    return "\n".join(lines) + "\n"
