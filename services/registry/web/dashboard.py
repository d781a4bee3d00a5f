"""The dashboard pages: charts of the incidents over time, drawn on the server.

- ``/dashboard``: a member's, over every incident they may read that matches ``q`` (the
  search language; empty for all), through the same store search and access rule as
  the API.
- ``/public/dashboard``: anyone's, over TLP:CLEAR incidents only, whoever asks (the
  public view's query, ``public.public_query``).

The figures are counted here from a scan of the result (stats.py): the store port has
no histograms, and a scan holds exactly what the viewer may read. Risk owners and
coordinators also see the register's risks by level (all of them: a risk stays in the
register, open, until it is changed).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import current_app, request
from marshmallow import ValidationError

from services.registry import risks
from services.registry.i18n import translator
from services.registry.merged import originals_only
from services.registry.public import public_query
from services.registry.query import parse
from services.registry.query.errors import QuerySyntaxError
from services.registry.risk_register import may_keep_register
from services.registry.schemas import DashboardArgsSchema
from services.registry.store.interfaces import scan
from services.registry.web import stats
from services.registry.web.charts import Series, stacked_bars
from services.registry.web.labels import labeller
from services.registry.web.pages import argument_problems, member, page_blueprint, render
from services.registry.web.risks import current, register
from shared.access import ANONYMOUS, Viewer
from shared.auth import current_viewer
from shared.i18n import Translator

bp = page_blueprint("dashboard_pages", __name__)

_ARGS = DashboardArgsSchema()
# Severity from dark (critical) to light; harm domains in the Okabe-Ito palette, which
# readers with a colour-vision deficiency can tell apart. Grey: not rated, no domain.
COLOURS = {
    "severity": {
        "critical": "#67000d", "high": "#cb181d", "medium": "#fb6a4a", "low": "#fcbba1",
        stats.NONE: "#969696",
    },
    "domain": {
        "1": "#E69F00", "2": "#56B4E9", "3": "#009E73", "4": "#F0E442", "5": "#0072B2",
        "6": "#D55E00", "7": "#CC79A7", stats.NONE: "#999999",
    },
}  # fmt: skip
DURATIONS_COLOUR = "#1a4fa0"


def _chart(chart_id: str, title: str, over_time: stats.OverTime, kind: str, t: Translator):
    """A chart and its figures (for the table beside it), for the template; ``kind`` is
    severity or domain."""
    label, colours = labeller(t), COLOURS[kind]
    series = [
        Series(t(f"{kind}.none") if key == stats.NONE else label(kind, key), colours[key], values)
        for key, values in over_time.counts.items()
        if any(values)
    ]
    period = t(f"chart.period.{over_time.granularity}")
    if over_time.periods:
        first, last = over_time.periods[0], over_time.periods[-1]
        description = t(
            "chart.describe", period=period, first=first, last=last, peak=over_time.peak
        )
    else:
        description = t("chart.empty")
    return {
        "id": chart_id,
        "title": title,
        "svg": stacked_bars(chart_id, title, description, over_time.periods, series),
        "period": period,
        "periods": over_time.periods,
        "series": series,
        "legend": series,
        "notes": [t("chart.by_domain.note")] if kind == "domain" else [],
    }


def _durations_chart(chart_id: str, title: str, durations: stats.Durations, t: Translator):
    """How long incidents took, one bar per bucket, and its median, for the template."""
    buckets = tuple(t(f"bucket.{bound}") for bound in stats.DURATION_BUCKETS)
    series = [Series(t("chart.durations.series"), DURATIONS_COLOUR, durations.counts)]
    description = t("chart.durations.describe", peak=max(durations.counts))
    notes = []
    if durations.median_days is not None:
        median = f"{durations.median_days:.1f}"
        notes.append(t("chart.durations.median", median=median, measured=durations.measured))
    if durations.pending:
        notes.append(t("chart.durations.pending", count=durations.pending))
    return {
        "id": chart_id,
        "title": title,
        "svg": stacked_bars(chart_id, title, description, buckets, series),
        "period": t("chart.durations.axis"),
        "periods": buckets if durations.measured else (),
        "series": series,
        "legend": [],  # one series, named by the table's column
        "notes": notes,
    }


def _risks_chart(viewer: Viewer, t: Translator) -> dict[str, Any] | None:
    """The register's risks by the level that stands now, for those who keep it."""
    if not may_keep_register(viewer):
        return None
    counts = Counter(current(risk)["level"] for risk in register().list(viewer))
    levels = risks.matrix()["levels"]
    names = tuple(t(f"level.{level['id']}") for level in levels)
    series = [
        Series(name, level["colour"], tuple(counts[level["id"]] if j == i else 0
                                            for j in range(len(levels))))
        for i, (name, level) in enumerate(zip(names, levels, strict=True))
    ]  # fmt: skip
    title = t("chart.risks")
    description = t("chart.risks.describe", peak=max(counts.values(), default=0))
    return {
        "id": "risks",
        "title": title,
        "svg": stacked_bars("risks", title, description, names, series),
        "period": t("chart.risks.axis"),
        "periods": names if counts else (),
        "series": [Series(t("chart.risks.series"), "", tuple(counts[lv["id"]] for lv in levels))],
        "legend": [],  # each bar is named under it, in its level's colour
        "notes": [],
    }


def _figures(viewer: Viewer, *, public: bool) -> tuple[dict[str, Any], int]:
    t = translator()
    form = {"q": request.args.get("q", "")}
    try:
        args = _ARGS.load({k: v for k, v in request.args.items() if k != "lang"})
        query = originals_only(parse(args["q"]))  # a merged duplicate counts once
    except ValidationError as exc:
        detail = argument_problems(exc.messages)
        return {"form": form, "error": t("search.error.arguments", detail=detail)}, 422
    except QuerySyntaxError as exc:
        error = t("search.error.syntax", position=exc.position, detail=exc.message)
        return {"form": form, "error": error, "query_error": True}, 400
    store = current_app.extensions["accord.store"]
    found = stats.figures(
        scan(store, public_query(query) if public else query, viewer=viewer, sort="received")
    )
    charts = [
        _chart("by-severity", t("chart.by_severity"), found.by_severity, "severity", t),
        _chart("by-domain", t("chart.by_domain"), found.by_domain, "domain", t),
        _durations_chart("to-triage", t("chart.to_triage"), found.to_triage, t),
        _durations_chart("to-resolve", t("chart.to_resolve"), found.to_resolve, t),
    ]
    risk_chart = None if public else _risks_chart(viewer, t)
    if risk_chart:
        charts.append(risk_chart)
    return {"form": form, "figures": found, "charts": charts}, 200


@bp.get("/dashboard")
def dashboard():
    context, status = _figures(member(), public=False)
    return render("pages/dashboard.html", public=False, **context), status


@bp.get("/public/dashboard")
def public_dashboard():
    current_viewer()  # a bad key is still a 401; whoever asks sees the public figures
    context, status = _figures(ANONYMOUS, public=True)
    return render("pages/dashboard.html", public=True, **context), status
