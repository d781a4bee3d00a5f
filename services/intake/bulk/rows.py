"""What every bulk reader yields: one ``Row`` per record of the upload, read or not."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from marshmallow import ValidationError

from shared.normalize.source import SourceRecord
from shared.report import NAME_MAX


class UploadError(ValueError):
    """The upload as a whole cannot be read (not UTF-8, no header, not the announced
    format); no row has been looked at. A problem in one row is that row's ``Row.error``."""


@dataclass(frozen=True)
class Row:
    """One record of an upload: either a lenient raw report or the reason it could not be read.

    ``number`` is the 1-based line of a JSON Lines file, or the record of a CSV file counting
    its header rows (as a spreadsheet numbers them). ``source_id`` is the record's stable id
    in its source (``aiid:1``), used as the idempotency key; generic uploads have none.
    ``payload`` is the record as received, hashed into the report's provenance.
    ``source`` is the record of a public dataset (its id, page, and where values joined
    from its classification files came from); generic uploads have none.
    """

    number: int
    raw: dict[str, Any] | None = None
    error: ValidationError | None = None
    source_id: str | None = None
    payload: bytes = b""
    source: SourceRecord | None = None

    def __post_init__(self) -> None:
        if (self.raw is None) == (self.error is None):
            raise ValueError("A row has either a raw report or an error.")


def row_error(field: str, message: str) -> ValidationError:
    """A parse error about one field of a row (``""``: the row as a whole)."""
    return ValidationError({field or "_schema": [message]})


def decode(data: bytes, *, what: str) -> str:
    """The upload as text: UTF-8, with or without a byte-order mark."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UploadError(f"The {what} is not UTF-8 (byte {exc.start} is not valid).") from exc


def csv_records(file: IO[bytes], *, what: str) -> list[tuple[int, list[str]]]:
    """The records of a CSV file with their 1-based numbers (a record may span lines).

    The whole file is read before any row is used, so a file the csv module gives up on
    (a field past its size limit) fails as a whole and not halfway through an import."""
    reader = csv.reader(io.StringIO(decode(file.read(), what=what), newline=""))
    try:
        return list(enumerate(reader, start=1))
    except csv.Error as exc:
        raise UploadError(
            f"The {what} is not valid CSV near line {reader.line_num}: {exc}."
        ) from exc


def canonical(record: Any) -> bytes:
    """A record as stable bytes, for the provenance hash and idempotent re-imports."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def content_id(prefix: str, payload: bytes) -> str:
    """A stable id for a record whose source gives none: a digest of its content."""
    return f"{prefix}:sha256-{hashlib.sha256(payload).hexdigest()[:16]}"


def is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


def split_list(value: str) -> list[str]:
    """``"a; b;; c"`` → ``["a", "b", "c"]``."""
    return [item.strip() for item in value.split(";") if item.strip()]


def csv_dicts(
    file: IO[bytes], *, what: str, required: tuple[str, ...]
) -> Iterator[tuple[int, dict[str, str]]]:
    """The records of a CSV file with one header row, as ``(number, {column: cell})``."""
    records = csv_records(file, what=what)
    if not records:
        raise UploadError(f"The {what} is empty.")
    header = [cell.strip() for cell in records[0][1]]
    missing = [column for column in required if column not in header]
    if missing:
        raise UploadError(f"The {what} has no column {', '.join(missing)}.")
    for number, cells in records[1:]:
        if cells:
            yield number, dict(zip(header, cells, strict=False))


def drop_empty(raw: dict[str, Any]) -> dict[str, Any]:
    """Leave out what the source left blank, so the normalizer sees it as absent."""
    return {name: value for name, value in raw.items() if value not in ("", [], {}, None)}


def json_lines(file: IO[bytes]) -> Iterator[tuple[int, bytes, dict[str, Any] | ValidationError]]:
    """The objects of a JSON Lines file as ``(line number, line, object or error)``; blank
    lines are skipped."""
    for number, line in enumerate(file.read().removeprefix(b"\xef\xbb\xbf").split(b"\n"), 1):
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            yield number, line, row_error("", f"The line is not UTF-8 (byte {exc.start}).")
        except json.JSONDecodeError as exc:
            message = f"The line is not valid JSON: {exc.msg} at column {exc.colno}."
            yield number, line, row_error("", message)
        except RecursionError:
            yield number, line, row_error("", "The line nests too deeply.")
        except ValueError as exc:  # e.g. an integer past Python's 4,300-digit limit
            yield number, line, row_error("", f"The line cannot be read: {exc}.")
        else:
            if isinstance(value, dict):
                yield number, line, value
            else:
                yield number, line, row_error("", "A line holds one JSON object.")


def join_names(names: list[str], limit: int = NAME_MAX) -> str:
    """Names for one text field of the report (``ai_system.developer``), each once, within
    the field's length limit: a long list ends with "and 9 more" rather than failing the
    report. ``"; "`` separates them, as in the raw shape's lists; names hold commas."""
    names = list(dict.fromkeys(names))
    if not names:
        return ""
    for shown in range(len(names), 0, -1):
        more = f" and {len(names) - shown} more" if shown < len(names) else ""
        text = "; ".join(names[:shown]) + more
        if len(text) <= limit:
            return text
    more = f" and {len(names) - 1} more" if len(names) > 1 else ""
    return names[0][: limit - len(more) - 1] + "…" + more
