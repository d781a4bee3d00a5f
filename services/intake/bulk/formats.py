"""The upload formats bulk intake reads, by the name a client gives (``?format=aiid``)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import IO

from services.intake.bulk.aiaaic import read_aiaaic
from services.intake.bulk.aiid import read_aiid
from services.intake.bulk.avid import read_avid
from services.intake.bulk.generic import read_csv, read_jsonl
from services.intake.bulk.rows import Row, UploadError
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


# A multipart upload's parts, by format: the records first, then the files joined to them
# on the record id (optional). Only the AIID comes with such files.
PARTS: dict[str, tuple[str, ...]] = {
    "aiid": ("incidents", "classifications_MIT", "classifications_CSETv1"),
}


def read_parts(
    files: Mapping[str, IO[bytes]], fields: Collection[str], *, source_format: str
) -> Iterator[Row]:
    """The rows of a multipart upload: ``files`` by part name, ``fields`` the names of parts
    that came without a file name. Raises ``UploadError`` for parts that do not fit."""
    names = PARTS.get(source_format)
    if names is None:
        raise UploadError(
            f"Only {', '.join(PARTS)} uploads come in parts; send {source_format} as the body."
        )
    expected = (
        f"An {source_format} upload has the parts {', '.join(names)} (all but the first optional)."
    )
    if fields:  # a part's name may be anything, even missing: none is sorted or trusted
        raise UploadError(f"The part {next(iter(fields))!r} is not a file. {expected}")
    unknown = [name for name in files if name not in names]
    if unknown:
        raise UploadError(f"Unknown part {unknown[0]!r}. {expected}")
    if names[0] not in files:
        raise UploadError(f"The upload has no part {names[0]}. {expected}")
    joined = {name: files[name] for name in names[1:] if name in files}
    return read_aiid(files[names[0]], classifications=joined)


def read_rows(file: IO[bytes], *, source_format: str) -> Iterator[Row]:
    """The rows of an upload in one of ``FORMATS``. Raises ``UploadError`` when the upload
    as a whole cannot be read, before any row is produced, and ``KeyError`` for an unknown
    format (check it against ``FORMATS`` first)."""
    return READERS[source_format](file)
