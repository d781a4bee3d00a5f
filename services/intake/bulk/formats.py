"""The upload formats bulk intake reads, by the name a client gives (``?format=aiid``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO

from services.intake.bulk.aiaaic import read_aiaaic
from services.intake.bulk.aiid import read_aiid
from services.intake.bulk.avid import read_avid
from services.intake.bulk.generic import read_csv, read_jsonl
from services.intake.bulk.rows import Row
from shared.normalize import ALWAYS_REQUIRED, REQUIRED_FOR_REPORTERS

READERS: dict[str, Callable[[IO[bytes]], Iterator[Row]]] = {
    "csv": read_csv,  # the raw report shape, one report a row
    "jsonl": read_jsonl,  # the raw report shape, one JSON object a line
    "aiid": read_aiid,  # AI Incident Database incidents.csv
    "aiaaic": read_aiaaic,  # AIAAIC Repository sheet
    "avid": read_avid,  # AI Vulnerability Database reports, JSON Lines
}
FORMATS = tuple(READERS)

# What ``normalize`` must find in a row (its ``require``). A lab's own upload owes as much
# as a report filed through the API. A public dataset owes what the raw shape marks
# required (title, description, event type, occurrence, reporting organization, TLP): none
# of them rates severity, AIID and AVID name no country, so a missing severity or country
# is flagged "Not given by the source" instead of rejecting the row.
SOURCE_REQUIRED = ALWAYS_REQUIRED | {"occurred_at"}
REQUIRED: dict[str, frozenset[str]] = {
    "csv": REQUIRED_FOR_REPORTERS,
    "jsonl": REQUIRED_FOR_REPORTERS,
    "aiid": SOURCE_REQUIRED,
    "aiaaic": SOURCE_REQUIRED,
    "avid": SOURCE_REQUIRED,
}


def read_rows(file: IO[bytes], *, source_format: str) -> Iterator[Row]:
    """The rows of an upload in one of ``FORMATS``. Raises ``UploadError`` when the upload
    as a whole cannot be read, before any row is produced, and ``KeyError`` for an unknown
    format (check it against ``FORMATS`` first)."""
    return READERS[source_format](file)
