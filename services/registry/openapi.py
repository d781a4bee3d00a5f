"""The registry's OpenAPI 3.1 document, generated from the schemas the views load with."""

from __future__ import annotations

from functools import cache
from typing import Any

from apispec import APISpec

from services.registry import schemas
from services.registry.web.incident import ACTIONS as DECISION_FORMS
from shared import metrics
from shared.directory import api as whoami
from shared.i18n import LANGUAGES
from shared.openapi import SECURED, health_paths, json_content, new_spec, path_param, query_args
from shared.openapi import problems as _all_problems

_REASONS = {
    400: "The query cannot be read (position and expected given), a bad cursor, or a body"
    " that is not JSON",
    401: "No API key on a members' route, or an unknown or revoked key",
    403: "Risk owners and coordinators only: the viewer may not decide this, keep the risk"
    " register or read the duplicates queue",
    404: "No such incident (or one this viewer may not read), or no such risk",
    409: "The decision is not allowed on the incident as it stands (e.g. the transition)",
    412: "If-Match names another version than the current one (given in ETag)",
    415: "The body is not application/json",
    422: "Invalid arguments, each named by a JSON pointer",
    428: "No If-Match: send the ETag of the version the decision was taken on",
    503: "The store or the bus is unavailable; see Retry-After",
}
_INCIDENT_ID = path_param("incident_id")
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": True,
    "schema": {"type": "string"},
    "description": 'The ETag of the version the decision was taken on, e.g. "3"',
}
_ETAG = {"ETag": {"description": "The incident's version", "schema": {"type": "string"}}}
# The decision routes: path suffix, body schema, summary.
DECISIONS = (
    ("transitions", "Transition", "Move the incident to another triage state, with a rationale"),
    ("assignment", "Assignment", "Give the incident an owner"),
    ("severity", "Rerate", "Re-rate the incident's severity, with a reason"),
    (
        "information-requests",
        "InformationRequest",
        "Ask the reporting lab a question; the incident waits in needs-information",
    ),
    ("links", "Link", "Link the incident to a related one"),
    ("merge", "Merge", "Merge the incident into its original: it becomes a duplicate"),
)


def _problems(*codes: int) -> dict[str, Any]:
    return _all_problems(_REASONS, *codes)


HTML = {"text/html": {"schema": {"type": "string"}}}
LANG = {
    "name": "lang",
    "in": "query",
    "schema": {"type": "string"},
    "description": f"The page's language, one of {', '.join(LANGUAGES)}; without it (or with "
    "another), the browser's Accept-Language",
}
_PAGE_REASONS = {
    303: "Not signed in: to the sign-in page, which comes back here (Location)",
    403: "For risk owners and coordinators only (the register, the queue, decisions)",
    409: "Someone decided first (a stale version), or the decision is not allowed from"
    " this state: the page, as the incident stands, says which; nothing was recorded",
    400: "The query cannot be read, or a bad page link: the page says where",
    404: "No such incident or risk, or not one this viewer may read",
    422: "Invalid arguments: the page names each",
    503: "The store is unavailable; see Retry-After",
}


def _page(summary: str, parameters: list[dict[str, Any]], *codes: int) -> dict[str, Any]:
    """A page of the registry (HTML), for a signed-in person or a key's holder."""
    responses: dict[str, Any] = {"200": {"description": "The page", "content": HTML}}
    for code in codes:
        reason = {"description": _PAGE_REASONS[code]}
        responses[str(code)] = reason if code == 303 else {**reason, "content": HTML}
    return {"get": {"summary": summary, "parameters": [*parameters, LANG], "responses": responses}}


@cache
def document(server_url: str) -> dict[str, Any]:
    spec = new_spec(
        title="Accord registry",
        description="Search the incident registry within your sharing level.",
        server_url=server_url,
        key_description="A member's API key",
    )
    bodies = [name for _, name, _ in DECISIONS]
    pages = ("Problem", "SearchPage", "PublicPage", "Duplicates", "DuplicateQueue", "Timeline")
    for name in (*pages, *bodies):
        spec.components.schema(name, schema=getattr(schemas, f"{name}Schema"))
    spec.components.schema("Incident", {"type": "object", "required": ["id"]})
    spec.components.schema("Risk", {"type": "object", "required": ["id", "version"]})
    spec.components.schema("RiskInput", schema=schemas.RiskInputSchema)
    spec.components.schema("RiskChange", schema=schemas.RiskInputSchema(partial=True))
    spec.components.schema("RiskList", schema=schemas.RiskListSchema)
    spec.components.schema("ServiceLevels", schema=schemas.ServiceLevelsSchema)
    secured = SECURED
    spec.path(
        path="/v1/incidents",
        operations={
            "get": {
                "summary": "Search, with facet counts and cursor pages",
                "security": secured,
                "parameters": query_args(schemas.SearchArgsSchema),
                "responses": {
                    "200": {"description": "One page", "content": json_content("SearchPage")},
                    **_problems(400, 401, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/incidents/export",
        operations={
            "get": {
                "summary": "The whole result set as a JSON array or CSV, streamed",
                "security": secured,
                "parameters": query_args(schemas.ExportArgsSchema),
                "responses": {
                    "200": {
                        "description": "Every matching incident the viewer may read",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"type": "object"}}
                            },
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    **_problems(400, 401, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/incidents/{incident_id}",
        operations={
            "get": {
                "summary": "One incident, as this viewer may see it",
                "security": secured,
                "parameters": [_INCIDENT_ID],
                "responses": {
                    "200": {
                        "description": "The incident",
                        "headers": _ETAG,
                        "content": json_content("Incident"),
                    },
                    **_problems(401, 404, 503),
                },
            }
        },
    )
    for suffix, body, summary in DECISIONS:
        spec.path(
            path=f"/v1/incidents/{{incident_id}}/{suffix}",
            operations={
                "post": {
                    "summary": summary,
                    "security": secured,
                    "parameters": [_INCIDENT_ID, _IF_MATCH],
                    "requestBody": {"required": True, "content": json_content(body)},
                    "responses": {
                        "200": {
                            "description": "The incident after the decision",
                            "headers": _ETAG,
                            "content": json_content("Incident"),
                        },
                        **_problems(400, 401, 403, 404, 409, 412, 415, 422, 428, 503),
                    },
                }
            },
        )
    risk_id = path_param("risk_id")
    one_risk = {"description": "The risk", "headers": _ETAG, "content": json_content("Risk")}
    spec.path(
        path="/v1/risks",
        operations={
            "get": {
                "summary": "The risk register, or the risks due for review by a date",
                "security": secured,
                "parameters": query_args(schemas.RiskListArgsSchema),
                "responses": {
                    "200": {
                        "description": "Risks and the matrix",
                        "content": json_content("RiskList"),
                    },
                    **_problems(401, 403, 422, 503),
                },
            },
            "post": {
                "summary": "Add a risk: scored on the matrix, linked to incidents",
                "security": secured,
                "requestBody": {"required": True, "content": json_content("RiskInput")},
                "responses": {
                    "201": {**one_risk, "description": "The new risk"},
                    **_problems(400, 401, 403, 415, 422, 503),
                },
            },
        },
    )
    spec.path(
        path="/v1/risks/{risk_id}",
        operations={
            "get": {
                "summary": "One risk",
                "security": secured,
                "parameters": [risk_id],
                "responses": {"200": one_risk, **_problems(401, 403, 404, 503)},
            },
            "patch": {
                "summary": "Change a risk's fields (any of those POST takes)",
                "security": secured,
                "parameters": [risk_id, _IF_MATCH],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/RiskChange"}}
                    },
                },
                "responses": {
                    "200": one_risk,
                    **_problems(400, 401, 403, 404, 412, 415, 422, 428, 503),
                },
            },
        },
    )
    spec.path(
        path="/v1/service-levels",
        operations={
            "get": {
                "summary": "Each lab's time to triage and to first answer against its targets,"
                " and the incidents overdue now (a lab: its own only)",
                "security": secured,
                "responses": {
                    "200": {"description": "Per lab", "content": json_content("ServiceLevels")},
                    **_problems(401, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/incidents/{incident_id}/timeline",
        operations={
            "get": {
                "summary": "Every decision on the incident, with who, when and why, as far"
                " as the viewer may read (confidential entries: risk owners and coordinators)",
                "security": secured,
                "parameters": [_INCIDENT_ID],
                "responses": {
                    "200": {
                        "description": "The timeline, oldest first",
                        "headers": _ETAG,
                        "content": json_content("Timeline"),
                    },
                    **_problems(401, 404, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/incidents/{incident_id}/duplicates",
        operations={
            "get": {
                "summary": "Incidents that may report the same event, best first, with reasons",
                "security": secured,
                "parameters": [
                    {
                        "name": "incident_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                    *query_args(schemas.DuplicateArgsSchema),
                ],
                "responses": {
                    "200": {
                        "description": "The suggestions",
                        "content": json_content("Duplicates"),
                    },
                    **_problems(401, 404, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/duplicates",
        operations={
            "get": {
                "summary": "Recent incidents that may repeat earlier ones (the duplicates queue)",
                "security": secured,
                "parameters": query_args(schemas.DuplicateQueueArgsSchema),
                "responses": {
                    "200": {
                        "description": "Each recent incident with suggestions, newest first",
                        "content": json_content("DuplicateQueue"),
                    },
                    **_problems(401, 403, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/v1/public/incidents",
        operations={
            "get": {
                "summary": "TLP:CLEAR incidents as redacted summaries, for anyone",
                "parameters": query_args(schemas.SearchArgsSchema),
                "responses": {
                    "200": {"description": "One page", "content": json_content("PublicPage")},
                    **_problems(400, 422, 503),
                },
            }
        },
    )
    spec.path(
        path="/public",
        operations={
            "get": {
                "summary": "The public view as a page",
                "parameters": query_args(schemas.SearchArgsSchema),
                "responses": {
                    "200": {
                        "description": "HTML",
                        "content": {"text/html": {"schema": {"type": "string"}}},
                    },
                    **_problems(400, 422, 503),
                },
            }
        },
    )
    _pages(spec)
    whoami.document(spec, security=secured, unauthorized=_problems(401)["401"])
    metrics.document(spec)
    health_paths(spec, ready="The bus, the store and the directory answer")
    return spec.to_dict()


def _pages(spec: APISpec) -> None:
    """The pages for risk owners (services/registry/web); the members' ones send a reader
    who has not signed in to do so. The sign-in pages are the directory's, shared by every
    service, and not part of this API."""
    incident_id = path_param("incident_id")
    search = query_args(schemas.SearchArgsSchema)
    charted = query_args(schemas.DashboardArgsSchema)
    queued = query_args(schemas.DuplicateQueueArgsSchema)
    risk_list = query_args(schemas.RiskListArgsSchema)
    risk_id = path_param("risk_id")
    risk_page = (303, 403, 404, 503)
    change = "Change the risk from the form of /risks/{risk_id}/edit"
    pages = {
        "/": _page("Home: sign in, or search", []),
        "/incidents": _page("Search, facet links, cursor pages", search, 303, 400, 422, 503),
        "/incidents/{incident_id}": _page("One incident", [incident_id], 303, 404, 503),
        "/dashboard": _page("Charts of what the viewer reads", charted, 303, 400, 422, 503),
        "/public/dashboard": _page("Charts of TLP:CLEAR incidents", charted, 400, 422, 503),
        "/duplicates": _page("Possible duplicates, for triage", queued, 303, 403, 422, 503),
        "/incidents/{incident_id}/{action}": _decision_form(incident_id),
        "/risks": {
            **_page("The risk register and its matrix", risk_list, 303, 403, 422, 503),
            **_risk_form("Add a risk from the form of /risks/new", [], 403, 422, 503),
        },
        "/risks/new": _page("The form that adds a risk", [], 303, 403, 503),
        "/risks/{risk_id}": {
            **_page("One risk", [risk_id], *risk_page),
            **_risk_form(change, [risk_id], 403, 404, 409, 422, 503),
        },
        "/risks/{risk_id}/edit": _page("The form that changes a risk", [risk_id], *risk_page),
    }
    for path, operations in pages.items():
        spec.path(path=path, operations=operations)


def _form_post(
    summary: str,
    parameters: list[dict[str, Any]],
    form: dict[str, Any],
    recorded: str,
    *codes: int,
) -> dict[str, Any]:
    """A page's form, posted; it answers 303 once recorded, else the form again."""
    responses: dict[str, Any] = {
        "303": {"description": recorded},
        "400": {"description": "No valid CSRF token, or no version", "content": HTML},
    }
    for code in codes:
        responses[str(code)] = {"description": _PAGE_REASONS[code], "content": HTML}
    return {
        "post": {
            "summary": summary,
            "parameters": [*parameters, LANG],
            "requestBody": {
                "required": True,
                "content": {"application/x-www-form-urlencoded": {"schema": form}},
            },
            "responses": responses,
        }
    }


def _decision_form(incident_id: dict[str, Any]) -> dict[str, Any]:
    """A triage form of the incident page."""
    action = {**path_param("action"), "schema": {"type": "string", "enum": list(DECISION_FORMS)}}
    names = ("csrf_token", "version", "to", "rationale", "visibility", "owner", "severity",
             "reason", "question", "original_id")  # fmt: skip
    form = {
        "type": "object",
        "required": ["csrf_token", "version"],
        "properties": {name: {"type": "string"} for name in names},
        "description": "version: the incident's version the page showed (its ETag); the"
        " other fields as in the API's decision of the same name",
    }
    return _form_post(
        "A triage decision from the incident page: change the status, set the owner,"
        " re-rate the severity, ask the reporting lab, or merge into an original",
        [incident_id, action],
        form,
        "Recorded: back to the incident page, which says so",
        403, 404, 409, 422, 503,
    )  # fmt: skip


def _risk_form(summary: str, parameters: list[dict[str, Any]], *codes: int) -> dict[str, Any]:
    """The risk register's form (web/risk_form.py): the fields of POST /v1/risks as text."""
    names = ("csrf_token", "version", *schemas.RiskInputSchema().fields)
    form = {
        "type": "object",
        "required": ["csrf_token"],
        "properties": {name: {"type": "string"} for name in names if name != "mitigations"},
        "additionalProperties": {"type": "string"},
        "description": "The fields of POST /v1/risks as text; version (a change only): the"
        " risk's version the form was filled on; mitigations as mitigations-<n>-description"
        " and mitigations-<n>-status from n = 0 (a row without a description is left out);"
        " incidents: ids separated by commas, spaces or new lines",
    }
    return _form_post(
        summary, parameters, form, "Recorded: to the risk's page, which says so", *codes
    )
