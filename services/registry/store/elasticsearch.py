"""The registry store on Elasticsearch (8.x and 9.x servers, through the 8.x client).

Incidents live in a versioned index behind an alias, and every read and write goes through
the alias: a later mapping change can build ``-v3``, copy the documents and move the alias.
``accord registry rebuild`` does the same with a new index of this version
(``<alias>-v2-<time>``, from ``new_version``), then ``promote`` moves the alias onto it in
one request and deletes the indices it left.
Each document is the incident plus ``derived`` (query/document.py), the fields the
compiled queries use; ``derived`` is dropped from what reads return.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from elasticsearch import ApiError, BadRequestError, ConflictError, Elasticsearch, TransportError

from services.registry.access.rules import visibility
from services.registry.query import elasticsearch as dsl
from services.registry.query.ast import MatchAll, Node
from services.registry.query.document import KEYWORD_FIELDS, DocumentRejected, derived
from services.registry.query.facets import FACET_SIZE, FACETS, Facets, bucket
from services.registry.query.sorting import SortKey, decode_cursor, encode_cursor, sort_keys
from services.registry.store.interfaces import (
    Conflict,
    Incident,
    SearchResult,
    Stored,
    StoreRejected,
    StoreUnavailable,
)
from shared.access import Viewer
from shared.settings import Settings

REQUEST_TIMEOUT_S = 10.0
DERIVED = "derived"
# The analysis is done in Python (query/analysis.py); the index splits on spaces only.
_TEXT = {"type": "text", "analyzer": "whitespace"}
# dynamic: false keeps fields this mapping does not name in _source without indexing them,
# so a new report field can neither change the mapping nor make writes fail.
MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        DERIVED: {
            "properties": {
                "title": _TEXT,
                "description": _TEXT,
                "public_title": _TEXT,
                "public_description": _TEXT,
                **{name: {"type": "keyword"} for name in KEYWORD_FIELDS},
                "occurred": {"type": "long"},
                "received": {"type": "long"},
                "occurred_sort": {"type": "long"},
                "severity_rank": {"type": "integer"},
            }
        },
    },
}
RISK_MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        "next_review": {"type": "date", "format": "strict_date"},
    },
}
RISKS_MAX = 10_000  # a register, not a search index: read whole
_FIELDS = {
    "score": "_score",
    "received": f"{DERIVED}.received",
    "occurred_sort": f"{DERIVED}.occurred_sort",
    "severity_rank": f"{DERIVED}.severity_rank",
    "id": "id",
}
# Statuses that say this request can never succeed; any other error may pass.
_REJECTING = {400, 409, 413, 422}
# Refusals whose status says "never" but which pass: a closed index (400 since
# Elasticsearch 6) is opened again, so what it refused is retried, not dead-lettered.
_PASSING = {"index_closed_exception"}


def _refusal(status: int, error_type: object) -> type[StoreRejected | StoreUnavailable]:
    """Whether Elasticsearch's refusal is for good (``StoreRejected``) or for now."""
    passing = status not in _REJECTING or error_type in _PASSING
    return StoreUnavailable if passing else StoreRejected


@contextmanager
def _errors(action: str) -> Iterator[None]:
    """The client's exceptions as the port's, saying what we were doing."""
    try:
        yield
    except ApiError as exc:
        kind = _refusal(exc.meta.status, exc.error)
        raise kind(f"Elasticsearch refused to {action}: {exc}") from exc
    except TransportError as exc:
        raise StoreUnavailable(f"Elasticsearch failed to {action}: {exc}") from exc


def client_options(settings: Settings) -> dict[str, Any]:
    """The Elasticsearch client's credentials and CA bundle, when the settings give them
    (validated there: user and password come together, the CA file exists)."""
    options: dict[str, Any] = {}
    if settings.elasticsearch_username:
        options["basic_auth"] = (settings.elasticsearch_username, settings.elasticsearch_password)
    if settings.elasticsearch_ca_certs:
        options["ca_certs"] = settings.elasticsearch_ca_certs
    return options


def _incident(source: dict[str, Any]) -> Incident:
    source.pop(DERIVED, None)
    return source


def _sort(keys: list[SortKey]) -> list[dict[str, Any]]:
    return [{_FIELDS[k.name]: {"order": "desc" if k.descending else "asc"}} for k in keys]


class ElasticsearchStore:
    def __init__(self, client: Elasticsearch, *, prefix: str, stamp: str | None = None) -> None:
        """``stamp``: read and write the indices of that version (one being built, not yet
        served) instead of the aliases."""
        self._client = client
        self._closed = False
        self._prefix = prefix
        self.alias = f"{prefix}-incidents"
        self.index = f"{self.alias}-v2"
        self.risks_alias = f"{prefix}-risks"
        self.risks_index = f"{self.risks_alias}-v1"
        self.target = f"{self.index}-{stamp}" if stamp else self.alias
        self.risks_target = f"{self.risks_index}-{stamp}" if stamp else self.risks_alias

    @property
    def name(self) -> str:
        return self.target

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str, request_timeout: float = REQUEST_TIMEOUT_S, **options: Any
    ) -> ElasticsearchStore:
        """``options``: more for the client, such as ``client_options``'s."""
        return cls(Elasticsearch(url, request_timeout=request_timeout, **options), prefix=prefix)

    @property
    def client(self) -> Elasticsearch:
        if self._closed:
            raise StoreUnavailable(f"the Elasticsearch store {self.alias} is closed")
        return self._client

    def ensure(self) -> None:
        if self.target != self.alias:
            return  # a version is created by new_version, alias-less until promoted
        for index, alias, mappings in (
            (self.index, self.alias, MAPPINGS),
            (self.risks_index, self.risks_alias, RISK_MAPPINGS),
        ):
            with _errors(f"create index {index} behind alias {alias}"):
                if self.client.indices.exists_alias(name=alias):
                    continue  # it may point at a newer version than ours: leave it alone
                try:
                    self.client.indices.create(index=index, mappings=mappings, aliases={alias: {}})
                except BadRequestError as exc:
                    # Another process created it (with the alias, in the same request) first.
                    if exc.error != "resource_already_exists_exception":
                        raise

    @staticmethod
    def _document(incident: Incident) -> dict[str, Any]:
        try:
            return {**incident, DERIVED: derived(incident)}
        except DocumentRejected as exc:
            raise StoreRejected(str(exc)) from exc

    def upsert(self, incidents: Sequence[Incident]) -> None:
        """Index all incidents in one bulk request; an item that fails does not stop the rest."""
        self._bulk("index", incidents)

    def create(self, incidents: Sequence[Incident]) -> list[str]:
        """Create-only writes: an id the index holds already answers 409, and is left be."""
        results = self._bulk("create", incidents, existing_ok=True)
        return [r["_id"] for r in results if r.get("status") == 201]

    def _bulk(
        self, action: str, incidents: Sequence[Incident], *, existing_ok: bool = False
    ) -> list[dict[str, Any]]:
        if not incidents:
            return []
        operations: list[dict[str, Any]] = []
        for incident in incidents:
            document = self._document(incident)  # rejects a document without an id first
            operations += [{action: {"_id": incident["id"]}}, document]
        with _errors(f"write {len(incidents)} incidents"):
            response = self.client.bulk(
                index=self.target, operations=operations, refresh="wait_for"
            )
        results = [item[action] for item in response["items"]]
        if response["errors"]:
            failed = [
                (_refusal(result["status"], result["error"]["type"]),
                 f"{result['_id']} ({result['error']['type']}: {result['error']['reason']})")
                for result in results
                if "error" in result and not (existing_ok and result["status"] == 409)
            ]  # fmt: skip
            if not failed:
                return results
            kind = (
                StoreRejected
                if all(kind is StoreRejected for kind, _ in failed)
                else StoreUnavailable
            )
            raise kind(
                f"Elasticsearch refused {len(failed)} of {len(incidents)} incidents: "
                + "; ".join(reason for _, reason in failed)
            )
        return results

    def fetch(self, incident_id: str) -> Stored | None:
        return self._fetch(self.target, incident_id)

    def _fetch(self, alias: str, doc_id: str) -> Stored | None:
        query = {"ids": {"values": [doc_id]}}
        with _errors(f"read {doc_id} from {alias}"):
            response = self.client.search(
                index=alias, query=query, size=1, seq_no_primary_term=True
            )
        hits = response["hits"]["hits"]
        if not hits:
            return None
        hit = hits[0]
        revision = (hit["_index"], hit["_seq_no"], hit["_primary_term"])
        return Stored(_incident(hit["_source"]), revision)

    def replace(self, incident: Incident, *, revision: tuple[str, int, int]) -> None:
        self._write(self._document(incident), revision)

    def _write(self, document: dict[str, Any], revision: tuple[str, int, int]) -> None:
        """Index ``document`` if the stored one is at ``revision`` (index, seq_no, term)."""
        index, seq_no, primary_term = revision
        try:
            with _errors(f"replace {document['id']} in {index}"):
                self.client.index(
                    index=index,
                    id=document["id"],
                    document=document,
                    if_seq_no=seq_no,
                    if_primary_term=primary_term,
                    refresh="wait_for",
                )
        except StoreRejected as exc:
            if isinstance(exc.__cause__, ConflictError):
                raise Conflict(f"{document['id']} changed since it was read") from exc
            raise

    def create_risk(self, risk: dict[str, Any]) -> None:
        try:
            with _errors(f"create risk {risk['id']}"):
                self.client.index(
                    index=self.risks_target,
                    id=risk["id"],
                    document=risk,
                    op_type="create",
                    refresh="wait_for",
                )
        except StoreRejected as exc:
            if isinstance(exc.__cause__, ConflictError):
                raise Conflict(f"risk {risk['id']} exists") from exc
            raise

    def fetch_risk(self, risk_id: str) -> Stored | None:
        return self._fetch(self.risks_target, risk_id)

    def replace_risk(self, risk: dict[str, Any], *, revision: tuple[str, int, int]) -> None:
        self._write(risk, revision)

    def delete_risk(self, risk_id: str) -> None:
        with _errors(f"remove risk {risk_id}"):
            self.client.delete_by_query(
                index=self.risks_target, query={"ids": {"values": [risk_id]}}, refresh=True
            )

    def risks(self, *, due: str | None = None) -> list[dict[str, Any]]:
        query = {"range": {"next_review": {"lte": due}}} if due else {"match_all": {}}
        with _errors("list risks"):
            response = self.client.search(
                index=self.risks_target,
                query=query,
                sort=[{"next_review": "asc"}, {"id": "asc"}],
                size=RISKS_MAX,
            )
        return [hit["_source"] for hit in response["hits"]["hits"]]

    def get(self, incident_id: str, *, viewer: Viewer) -> Incident | None:
        query = {
            "bool": {
                "filter": [
                    {"ids": {"values": [incident_id]}},
                    dsl.visibility_filter(visibility(viewer)),
                ]
            }
        }
        with _errors(f"read incident {incident_id}"):
            response = self.client.search(index=self.target, query=query, size=1)
        hits = response["hits"]["hits"]
        return _incident(hits[0]["_source"]) if hits else None

    def search(
        self,
        query: Node = MatchAll(),  # noqa: B008 (immutable)
        *,
        viewer: Viewer,
        sort: str = "relevance",
        order: str = "desc",
        limit: int = 20,
        after: str | None = None,
        facets: bool = False,
    ) -> SearchResult:
        keys = sort_keys(sort, order, query)
        request: dict[str, Any] = {
            "query": dsl.compile_query(query, visibility(viewer)),
            "sort": _sort(keys),
            "size": limit + 1,
            "track_total_hits": True,
        }
        if after is not None:
            request["search_after"] = decode_cursor(after, keys)
        if facets:
            request["aggs"] = {
                name: {
                    "terms": {
                        "field": f"{DERIVED}.{field}",
                        "size": FACET_SIZE,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
                for name, field in FACETS.items()
            }
        with _errors("search incidents"):
            response = self.client.search(index=self.target, **request)
        hits = response["hits"]["hits"]
        cursor = None
        if len(hits) > limit:
            hits = hits[:limit]
            cursor = encode_cursor(keys, list(hits[-1]["sort"]))
        return SearchResult(
            total=response["hits"]["total"]["value"],
            hits=[_incident(hit["_source"]) for hit in hits],
            cursor=cursor,
            facets=self._facets(response) if facets else {},
        )

    @staticmethod
    def _facets(response: dict[str, Any]) -> Facets:
        return {
            name: [
                bucket(b["key"], b["doc_count"]) for b in response["aggregations"][name]["buckets"]
            ]
            for name in FACETS
        }

    def documents(self, page_size: int = 500) -> Iterator[Incident]:
        """Every incident, unfiltered, in id order: for operators (``accord export``), never
        behind an HTTP route."""
        after: list[Any] | None = None
        while True:
            request: dict[str, Any] = {"sort": [{"id": "asc"}], "size": page_size}
            if after is not None:
                request["search_after"] = after
            with _errors("read every incident"):
                hits = self.client.search(index=self.target, **request)["hits"]["hits"]
            yield from (_incident(hit["_source"]) for hit in hits)
            if len(hits) < page_size:
                return
            after = hits[-1]["sort"]

    def new_version(self, stamp: str) -> ElasticsearchStore:
        """New, empty indices (incidents and risks) of this version, not behind the
        aliases: ``stamp`` (lower case, e.g. the time) names them."""
        version = ElasticsearchStore(self._client, prefix=self._prefix, stamp=stamp)
        for name, mappings in ((version.target, MAPPINGS), (version.risks_target, RISK_MAPPINGS)):
            with _errors(f"create index {name}"):
                self.client.indices.create(index=name, mappings=mappings)
        return version

    def promote(self, version: ElasticsearchStore) -> list[str]:
        """Move both aliases onto ``version`` in one request, so every reader sees the old
        indices or the new ones, never neither nor a mix; delete the indices they left, and
        name them."""
        moves = ((self.alias, version.target), (self.risks_alias, version.risks_target))
        with _errors(f"move aliases {self.alias}, {self.risks_alias} to {version.target}"):
            actions, old = [], []
            for alias, index in moves:
                left = (
                    list(self.client.indices.get_alias(name=alias))
                    if self.client.indices.exists_alias(name=alias)
                    else []
                )
                actions += [{"remove": {"index": i, "alias": alias}} for i in left]
                actions.append({"add": {"index": index, "alias": alias}})
                old += left
            self.client.indices.update_aliases(actions=actions)
            for index in old:
                self.client.indices.delete(index=index)
        return old

    def ping(self) -> None:
        with _errors("answer a ping"):
            self.client.info()

    def close(self) -> None:
        self._closed = True
        self._client.close()
