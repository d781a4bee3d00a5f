"""The registry store on Elasticsearch (8.x and 9.x servers, through the 8.x client).

Incidents live in a versioned index behind an alias, and every read and write goes through
the alias: a later mapping change can build ``-v2``, copy the documents and move the alias.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError, TransportError

from services.registry.store.interfaces import Incident, SearchResult, StoreError

REQUEST_TIMEOUT_S = 10.0

# dynamic: false keeps fields this mapping does not name in _source without indexing them,
# so a new report field can neither change the mapping nor make writes fail.
MAPPINGS: dict[str, Any] = {
    "dynamic": False,
    "properties": {
        "id": {"type": "keyword"},
        "title": {"type": "text"},
        "description": {"type": "text"},
        "event_type": {"type": "keyword"},
        "severity": {"type": "keyword"},
        "tlp": {"type": "keyword"},
        "countries": {"type": "keyword"},
        "channel": {"type": "keyword"},
        "status": {"type": "keyword"},
        "reporting_organization": {"type": "keyword"},
        "occurred_at": {"type": "date"},
        "received_at": {"type": "date"},
    },
}

NEWEST_FIRST = [{"received_at": {"order": "desc"}}, {"id": {"order": "asc"}}]


@contextmanager
def _errors(action: str) -> Iterator[None]:
    """Turn the client's exceptions into ``StoreError`` saying what we were doing."""
    try:
        yield
    except ApiError as exc:
        raise StoreError(f"Elasticsearch refused to {action}: {exc}") from exc
    except TransportError as exc:
        raise StoreError(f"Elasticsearch failed to {action}: {exc}") from exc


class ElasticsearchStore:
    def __init__(self, client: Elasticsearch, *, prefix: str) -> None:
        self._client = client
        self.alias = f"{prefix}-incidents"
        self.index = f"{self.alias}-v1"

    @classmethod
    def from_url(
        cls, url: str, *, prefix: str, request_timeout: float = REQUEST_TIMEOUT_S
    ) -> ElasticsearchStore:
        return cls(Elasticsearch(url, request_timeout=request_timeout), prefix=prefix)

    def ensure(self) -> None:
        with _errors(f"create index {self.index} behind alias {self.alias}"):
            if self._client.indices.exists_alias(name=self.alias):
                return  # it may point at a newer version than ours: leave it alone
            try:
                self._client.indices.create(
                    index=self.index, mappings=MAPPINGS, aliases={self.alias: {}}
                )
            except BadRequestError as exc:
                # Another process created it (with the alias, in the same request) first.
                if exc.error != "resource_already_exists_exception":
                    raise

    def upsert(self, incidents: Sequence[Incident]) -> None:
        """Index all incidents in one bulk request; an item that fails does not stop the rest."""
        if not incidents:
            return
        operations: list[dict[str, Any]] = []
        for incident in incidents:
            operations += [{"index": {"_id": incident["id"]}}, incident]
        with _errors(f"write {len(incidents)} incidents"):
            response = self._client.bulk(
                index=self.alias, operations=operations, refresh="wait_for"
            )
        if response["errors"]:
            failed = [
                f"{result['_id']} ({result['error']['type']}: {result['error']['reason']})"
                for result in (item["index"] for item in response["items"])
                if "error" in result
            ]
            raise StoreError(
                f"Elasticsearch refused {len(failed)} of {len(incidents)} incidents: "
                + "; ".join(failed)
            )

    def get(self, incident_id: str) -> Incident | None:
        with _errors(f"read incident {incident_id}"):
            try:
                response = self._client.get(index=self.alias, id=incident_id)
            except NotFoundError as exc:
                if exc.body.get("found") is False:  # the document is missing, not the index
                    return None
                raise
        return response["_source"]

    def search(self, text: str = "", *, limit: int = 20, offset: int = 0) -> SearchResult:
        if text.strip():
            # simple_query_string matches each word in either field (multi_match's
            # cross_fields should too, but noida-db treats it as best_fields), and never
            # fails on stray syntax in what a person typed.
            query: dict[str, Any] = {
                "simple_query_string": {
                    "query": text,
                    "fields": ["title^2", "description"],
                    "default_operator": "and",
                }
            }
            sort: list[Any] = ["_score", *NEWEST_FIRST]
        else:
            query, sort = {"match_all": {}}, NEWEST_FIRST
        with _errors(f"search incidents for {text!r}"):
            response = self._client.search(
                index=self.alias,
                query=query,
                sort=sort,
                size=limit,
                from_=offset,
                track_total_hits=True,
            )
        hits = response["hits"]
        return SearchResult(
            total=hits["total"]["value"], hits=[hit["_source"] for hit in hits["hits"]]
        )

    def ping(self) -> None:
        with _errors("answer a ping"):
            self._client.info()

    def close(self) -> None:
        self._client.close()
