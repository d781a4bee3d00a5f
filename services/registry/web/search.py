"""The registry's home page, and search with facet links and cursor pages.

The search reads through the same store call as the API (``views``), with the viewer
(``pages.member``): the access rule is in the store's query, so results and facet counts
hold only what the viewer may read. An anonymous reader is sent to sign in and brought
back.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import ValidationError

from services.registry.access import shown_to
from services.registry.i18n import translator
from services.registry.merged import originals_only
from services.registry.query import parse
from services.registry.query.errors import QuerySyntaxError
from services.registry.query.facets import FACETS
from services.registry.query.sorting import ORDERS, SORTS, BadCursor
from services.registry.schemas import SearchArgsSchema
from services.registry.store.interfaces import IncidentStore
from services.registry.web import facets
from services.registry.web.pages import (
    argument_problems,
    member,
    organization_names,
    page_blueprint,
    render,
)
from shared.auth import current_viewer
from shared.i18n import Translator

bp = page_blueprint("search_pages", __name__)

_SEARCH_ARGS = SearchArgsSchema()
SNIPPET = 280  # characters of a description in a result


def _store() -> IncidentStore:
    return current_app.extensions["accord.store"]


def page_args() -> dict[str, str]:
    """The page's arguments without its language (the links carry that)."""
    return {k: v for k, v in request.args.items() if k != "lang"}


@bp.get("/")
def home():
    viewer = current_viewer()
    return render("pages/home.html", member=not viewer.anonymous)


def _facet_links(q: str, counts: dict[str, list[dict[str, Any]]], t: Translator):
    """Each facet's buckets as links that add its filter to ``q``."""
    names = organization_names() if counts.get("organization") else {}
    shown = []
    for facet in FACETS:
        buckets = []
        for bucket in counts.get(facet) or []:
            value = str(bucket["value"])
            term = facets.filter_term(facet, value)
            buckets.append(
                {
                    "value": value,
                    "name": names.get(value, value) if facet == "organization" else None,
                    "count": bucket["count"],
                    "term": term,
                    "applied": facets.applied(q, term),
                    "q": facets.narrowed(q, term),
                }
            )
        if buckets:
            shown.append({"facet": facet, "heading": t(f"facet.{facet}"), "buckets": buckets})
    return shown


@bp.get("/incidents")
def search():
    viewer = member()
    t = translator()
    q = request.args.get("q", "")
    form = {"q": q, "sort": request.args.get("sort", "relevance"),
            "order": request.args.get("order", "desc")}  # fmt: skip
    context: dict[str, Any] = {"form": form, "sorts": SORTS, "orders": ORDERS}
    try:
        args = _SEARCH_ARGS.load(page_args())
        result = _store().search(
            originals_only(parse(args["q"])),  # a merged duplicate shows as its original
            viewer=viewer,
            sort=args["sort"],
            order=args["order"],
            limit=args["limit"],
            after=args["cursor"],
            facets=True,
        )
    except ValidationError as exc:
        detail = argument_problems(exc.messages)
        error = t("search.error.arguments", detail=detail)
        return render("pages/search.html", error=error, **context), 422
    except QuerySyntaxError as exc:
        error = t("search.error.syntax", position=exc.position, detail=exc.message)
        return render("pages/search.html", error=error, query_error=True, **context), 400
    except BadCursor:
        return render("pages/search.html", error=t("search.error.cursor"), **context), 400
    following = None
    if result.cursor:
        following = {**page_args(), "cursor": result.cursor, "lang": t.lang}
    return render(
        "pages/search.html",
        result=result,
        hits=[shown_to(viewer, incident) for incident in result.hits],
        facets=_facet_links(args["q"], result.facets, t),
        first_page={k: v for k, v in page_args().items() if k != "cursor"} | {"lang": t.lang},
        next_page=following,
        paged=args["cursor"] is not None,
        snippet=SNIPPET,
        **context,
    )
