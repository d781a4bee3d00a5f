"""What a public dataset says about one of its records beyond the record's own fields: its
id and page, and where each value joined from its classification files came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any


@dataclass(frozen=True)
class SourceRecord:
    format: str  # "aiid", "aiaaic", "avid"
    id: str | None = None  # the source's own id ("4", "AIAAIC2152"); None if it gives none
    url: str | None = None  # the source's page for the record
    # Report field ("harm_subdomains", "quantities/lives_lost") → where its value came from:
    # "classifications_MIT.csv row 5 (namespace MIT, column Risk Subdomain)".
    origins: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def record(self) -> dict[str, Any]:
        """The report's ``source`` field."""
        fields = {"format": self.format, "id": self.id, "url": self.url}
        return {name: value for name, value in fields.items() if value is not None}
