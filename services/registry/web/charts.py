"""Charts as SVG, written on the server: no JavaScript, nothing to download.

Hand-written rather than pygal's: the pages' Content-Security-Policy (``style-src 'self'``)
refuses the ``<style>`` element pygal puts in every chart, and its tooltips are a script.
These use presentation attributes only, so an inline chart passes the policy; each bar
segment carries a ``<title>`` (a tooltip without script), and the page gives the same
figures as a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 12, 100  # room under the axis for slanted labels
TICKS = 5  # gridlines above zero, at most
MAX_BAR = 56.0  # a lone bar stays a bar, not a wall
MAX_LABELS = 24  # period labels under the axis; more would overlap, so some are skipped
AXIS = "#1b1b1b"
GRID = "#b1b4b6"


@dataclass(frozen=True)
class Series:
    label: str
    colour: str
    values: tuple[int, ...]


def axis(peak: int) -> tuple[int, int]:
    """The axis' top and its step between gridlines: a whole step of 1, 2 or 5 times a
    power of ten, at most ``TICKS`` steps up to at least ``peak``."""
    wanted = max(peak, 1) / TICKS
    power = 10 ** math.floor(math.log10(wanted))
    step = max(1, next(m * power for m in (1, 2, 5, 10) if m * power >= wanted))
    return max(step, math.ceil(peak / step) * step), int(step)


def _attributes(**attrs: object) -> str:
    """``font_size=12`` as ``font-size="12"``; a float to one decimal."""
    return " ".join(
        f'{name.replace("_", "-")}="{escape(_number(value))}"' for name, value in attrs.items()
    )


def _element(tag: str, text: str | None = None, **attrs: object) -> str:
    """``<tag a="v">text</tag>``, or ``<tag a="v"/>`` without text."""
    written = _attributes(**attrs)
    if text is None:
        return f"<{tag} {written}/>"
    return f"<{tag} {written}>{escape(text)}</{tag}>"


def _number(value: object) -> object:
    return f"{value:.1f}" if isinstance(value, float) else value


def stacked_bars(
    chart_id: str, title: str, description: str, periods: tuple[str, ...], series: list[Series]
) -> Markup:
    """One bar per period, its series stacked bottom up in the order given."""
    columns = zip(*(s.values for s in series), strict=True)
    top, step = axis(max((sum(column) for column in columns), default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    bottom = TOP + plot_h
    slot = plot_w / max(len(periods), 1)
    bar = min(max(slot * 0.8, 1.0), MAX_BAR)

    def y_of(n: float) -> float:
        return bottom - plot_h * n / top

    labelled = f"{chart_id}-title {chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="{escape(chart_id)}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{escape(labelled)}">',
        _element("title", title, id=f"{chart_id}-title"),
        _element("desc", description, id=f"{chart_id}-desc"),
    ]
    for n in range(0, top + 1, step):
        y = y_of(n)
        parts.append(_element("line", x1=LEFT, x2=WIDTH - RIGHT, y1=y, y2=y, stroke=GRID))
        parts.append(
            _element(
                "text", str(n), x=LEFT - 6, y=y + 4, text_anchor="end", font_size=12, fill=AXIS
            )
        )
    every = math.ceil(len(periods) / MAX_LABELS) or 1
    for i, period in enumerate(periods):
        x = LEFT + slot * i + (slot - bar) / 2
        base = 0
        for s in series:
            n = s.values[i]
            if not n:
                continue
            y = y_of(base + n)
            tip = _element("title", f"{period}: {s.label} {n}")
            parts.append(
                f"<rect {_attributes(x=x, y=y, width=bar, height=y_of(base) - y, fill=s.colour)}"
                f' stroke="#ffffff" stroke-width="0.5">{tip}</rect>'
            )
            base += n
        if i % every == 0:
            cx, cy = LEFT + slot * i + slot / 2, bottom + 10
            turn = f"rotate(-45 {cx:.1f} {cy:.1f})"
            parts.append(
                _element(
                    "text",
                    period,
                    x=cx,
                    y=cy,
                    text_anchor="end",
                    font_size=11,
                    fill=AXIS,
                    transform=turn,
                )
            )
    parts.append(_element("line", x1=LEFT, x2=WIDTH - RIGHT, y1=bottom, y2=bottom, stroke=AXIS))
    parts.append("</svg>")
    return Markup("".join(parts))
