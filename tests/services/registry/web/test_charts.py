"""The SVG charts: axis steps, stacking, escaping, and nothing a strict policy refuses."""

import xml.etree.ElementTree as ET

import pytest

from services.registry.web.charts import Series, axis, stacked_bars

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.parametrize(
    ("peak", "top", "step"),
    [(0, 1, 1), (1, 1, 1), (4, 4, 1), (7, 8, 2), (11, 15, 5), (99, 100, 20), (3355, 4000, 1000)],
)
def test_the_axis_climbs_in_whole_round_steps(peak, top, step):
    assert axis(peak) == (top, step)


def test_bars_stack_their_series_and_say_each_count():
    svg = stacked_bars(
        "c", "Title <b>", "Described", ("2020", "2021"),
        [Series("High", "#cb181d", (1, 3)), Series("Low & co", "#fcbba1", (2, 0))],
    )  # fmt: skip
    root = ET.fromstring(str(svg))
    assert root.get("role") == "img" and root.get("aria-labelledby") == "c-title c-desc"
    assert root.find(f"{SVG}title").text == "Title <b>"
    rects = root.findall(f"{SVG}rect")
    tips = [rect.find(f"{SVG}title").text for rect in rects]
    assert tips == ["2020: High 1", "2020: Low & co 2", "2021: High 3"]  # no bar for a zero
    heights = [float(rect.get("height")) for rect in rects]
    # The axis tops at 3: a count of 3 is the whole plot's height, 1 a third of it.
    assert heights[2] == pytest.approx(3 * heights[0], abs=0.2)
    low = rects[1]
    assert float(low.get("y")) + float(low.get("height")) == pytest.approx(
        float(rects[0].get("y")), abs=0.2
    )
    assert "style" not in str(svg) and "<script" not in str(svg)


def test_many_periods_label_only_some():
    periods = tuple(str(year) for year in range(1950, 2026))
    svg = stacked_bars("c", "T", "D", periods, [Series("x", "#000", (1,) * len(periods))])
    labels = [t.text for t in ET.fromstring(str(svg)).findall(f"{SVG}text") if len(t.text) == 4]
    assert labels[0] == "1950" and len(labels) <= 24
