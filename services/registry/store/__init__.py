"""The registry store port and its adapters; ``connect`` picks the one the settings name."""

from __future__ import annotations

from services.registry.store.interfaces import IncidentStore
from shared.settings import Settings


def connect(settings: Settings) -> IncidentStore:
    if settings.store == "elasticsearch":
        from services.registry.store.elasticsearch import ElasticsearchStore, client_options

        return ElasticsearchStore.from_url(
            settings.elasticsearch_url, prefix=settings.index_prefix, **client_options(settings)
        )
    from services.registry.store.embedded import EmbeddedStore

    # The pointer names the version a rebuild promoted; without one, registry.sqlite3.
    return EmbeddedStore(
        settings.data_dir / "registry.sqlite3", pointer=settings.data_dir / "registry.current"
    )
