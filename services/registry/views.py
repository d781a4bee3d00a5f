"""The registry's HTTP API: search (with facets and cursor pages), export, read one, and
the public view. Members' routes need an API key; what each viewer reads is decided in
the store's query (access/), and a record the viewer may not see is a 404 like a missing
one."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context
from marshmallow import Schema, ValidationError

from services.registry import decisions, service_levels
from services.registry.access import shown_to
from services.registry.duplicates import service as duplicates
from services.registry.duplicates.scoring import Suggestion
from services.registry.etag import etag
from services.registry.merged import originals_only
from services.registry.public import public_query, summary
from services.registry.query import parse
from services.registry.schemas import (
    DuplicateArgsSchema,
    DuplicateQueueArgsSchema,
    ExportArgsSchema,
    SearchArgsSchema,
)
from services.registry.store.interfaces import IncidentStore, scan
from shared.access import ANONYMOUS, COORDINATOR, RISK_OWNER, Viewer
from shared.auth import current_viewer, unauthorized
from shared.http import problem, validation_problem

bp = Blueprint("incidents", __name__, template_folder="templates")

_SEARCH_ARGS = SearchArgsSchema()
_EXPORT_ARGS = ExportArgsSchema()
_DUPLICATE_ARGS = DuplicateArgsSchema()
_DUPLICATE_QUEUE_ARGS = DuplicateQueueArgsSchema()
CSV_COLUMNS = (
    "id", "title", "event_type", "severity", "status", "tlp", "occurred_at", "received_at",
    "countries", "harm_domains", "harm_subdomains", "reporting_organization",
    "source_format", "source_id", "source_url",
)  # fmt: skip


class _BadArguments(Exception):
    """Arguments that do not load: raised from the helpers, answered as the 422 it holds."""

    def __init__(self, response: Response) -> None:
        self.response = response


@bp.errorhandler(_BadArguments)
def _bad_arguments(exc: _BadArguments) -> Response:
    return exc.response


def _store() -> IncidentStore:
    return current_app.extensions["accord.store"]


def member() -> Viewer:
    """The viewer of a members' route: anonymous is a 401."""
    viewer = current_viewer()
    if viewer.anonymous:
        raise unauthorized(
            "This route is for members: send 'Authorization: Bearer <key>'. "
            "Anyone may read /v1/public/incidents."
        )
    return viewer


def _args(schema: Schema) -> dict[str, Any]:
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as exc:
        raise _BadArguments(validation_problem(exc.messages, "The query")) from exc


def _page(viewer: Viewer, args: dict[str, Any], *, public: bool, facets: bool):
    query = originals_only(parse(args["q"]))
    return _store().search(
        public_query(query) if public else query,
        viewer=viewer,
        sort=args["sort"],
        order=args["order"],
        limit=args["limit"],
        after=args["cursor"],
        facets=facets,
    )


@bp.get("/v1/incidents")
def search():
    viewer = member()
    args = _args(_SEARCH_ARGS)
    result = _page(viewer, args, public=False, facets=True)
    return {
        "total": result.total,
        "limit": args["limit"],
        "sort": args["sort"],
        "order": args["order"],
        "next_cursor": result.cursor,
        "items": [shown_to(viewer, incident) for incident in result.hits],
        "facets": result.facets,
    }


def _csv_row(incident: dict[str, Any]) -> list[str]:
    source = incident.get("source") or {}
    values = {
        **incident,
        "source_format": source.get("format"),
        "source_id": source.get("id"),
        "source_url": source.get("url"),
    }
    row = []
    for column in CSV_COLUMNS:
        value = values.get(column)
        text = ";".join(map(str, value)) if isinstance(value, list) else str(value or "")
        # A leading = + - @ would be a formula to a spreadsheet (CSV injection).
        row.append("'" + text if text[:1] in ("=", "+", "-", "@") else text)
    return row


def _csv(incidents: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    for incident in incidents:
        writer.writerow(_csv_row(incident))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def _json_array(incidents: Iterable[dict[str, Any]]) -> Iterator[str]:
    yield "["
    for n, incident in enumerate(incidents):
        yield ("," if n else "") + json.dumps(incident, ensure_ascii=False)
    yield "]\n"


@bp.get("/v1/incidents/export")
def export():
    """The whole result set, streamed page by page (cursors, never offsets)."""
    viewer = member()
    args = _args(_EXPORT_ARGS)
    rows = scan(
        _store(),
        originals_only(parse(args["q"])),
        viewer=viewer,
        sort=args["sort"],
        order=args["order"],
    )
    first = next(rows, None)  # a store that is away fails here, as a 503, not mid-stream

    def incidents() -> Iterator[dict[str, Any]]:
        if first is None:
            return
        yield shown_to(viewer, first)
        for incident in rows:
            yield shown_to(viewer, incident)

    if args["format"] == "csv":
        body, mimetype = _csv(incidents()), "text/csv"
    else:
        body, mimetype = _json_array(incidents()), "application/json"
    return Response(
        stream_with_context(body),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="incidents.{args["format"]}"'},
    )


def _not_found(incident_id: str) -> Response:
    """A missing incident's answer, also when the viewer may not read it."""
    return problem(404, "Not Found", f"No incident with id {incident_id}.")


@bp.get("/v1/incidents/<incident_id>")
def read(incident_id: str):
    viewer = member()
    incident = _store().get(incident_id, viewer=viewer)
    if incident is None:
        return _not_found(incident_id)
    shown = shown_to(viewer, incident)
    if incident.get("organization_id") and incident.get("received_at"):
        levels = current_app.extensions["accord.service_levels"]
        now = current_app.extensions["accord.registry"].clock.now()
        targets = levels.targets(incident["organization_id"])
        shown["service_level"] = service_levels.measure(incident, targets, now)
    return shown, {"ETag": etag(decisions.version(incident))}


def _suggestions(viewer: Viewer, found: list[Suggestion]) -> list[dict[str, Any]]:
    return [
        {"incident": shown_to(viewer, dict(s.candidate)), "score": s.score, "reasons": s.reasons}
        for s in found
    ]


@bp.get("/v1/incidents/<incident_id>/duplicates")
def incident_duplicates(incident_id: str):
    """The incidents this one may repeat or be repeated by, among those the viewer reads."""
    viewer = member()
    incident = _store().get(incident_id, viewer=viewer)
    if incident is None:
        return _not_found(incident_id)
    args = _args(_DUPLICATE_ARGS)
    found = duplicates.suggest(
        _store(), incident, viewer=viewer, threshold=args["min_score"], limit=args["limit"]
    )
    return {
        "incident_id": incident_id,
        "min_score": args["min_score"],
        "items": _suggestions(viewer, found),
    }


@bp.get("/v1/duplicates")
def duplicates_queue():
    """Recent incidents that may repeat earlier ones: risk owners' and coordinators' work."""
    viewer = member()
    if not viewer.has_role(RISK_OWNER, COORDINATOR):
        return problem(
            403, "Forbidden", "The duplicates queue is for risk owners and coordinators."
        )
    args = _args(_DUPLICATE_QUEUE_ARGS)
    found = duplicates.queue(
        _store(), viewer=viewer, recent=args["recent"], threshold=args["min_score"]
    )
    return {
        "recent": args["recent"],
        "min_score": args["min_score"],
        "items": [
            {"incident": shown_to(viewer, dict(incident)), "suggestions": _suggestions(viewer, s)}
            for incident, s in found
        ],
    }


def _public_page():
    args = _args(_SEARCH_ARGS)
    result = _page(ANONYMOUS, args, public=True, facets=False)
    return args, {
        "total": result.total,
        "limit": args["limit"],
        "next_cursor": result.cursor,
        "items": [summary(incident) for incident in result.hits],
    }


@bp.get("/v1/public/incidents")
def public_incidents():
    """TLP:CLEAR incidents as redacted summaries, for anyone."""
    return _public_page()[1]


@bp.get("/public")
def public_page():
    args, page = _public_page()
    return render_template("public.html", q=args["q"], page=page)
