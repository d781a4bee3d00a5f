"""Generic uploads in the raw report shape itself: CSV and JSON Lines.

CSV: the header row names fields of the raw shape (``shared.report.ReportInputSchema``);
nested fields take dotted names (``ai_system.name``, ``quantities.financial_cost.amount``).
A cell holds text: a list field takes ``;``-separated items (the normalizer splits those it
reads as terms, such as countries, by its own rules), ``evidence`` takes ``;``-separated
SHA-256 digests, and a number field takes a number. A blank cell is an absent field, as a
missing key is in JSON.

JSON Lines: one raw report object a line; blank lines are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from marshmallow import Schema, ValidationError, fields

from services.intake.bulk.rows import (
    Row,
    UploadError,
    canonical,
    csv_records,
    json_lines,
    row_error,
    split_list,
)
from shared.report import ReportInputSchema

_INPUT = ReportInputSchema()


def _field(column: str) -> fields.Field | str:
    """The input schema's field a dotted column names, or why there is none."""
    schema: Schema = _INPUT
    names = column.split(".")
    for depth, name in enumerate(names):
        field = schema.fields.get(name)
        path = ".".join(names[: depth + 1])
        if field is None:
            return f"Unknown column: {path} is not a field of the report."
        last = depth == len(names) - 1
        if isinstance(field, fields.Nested):
            if last:
                member = next(iter(field.schema.fields))
                return f"{path} is an object: give its members, e.g. {path}.{member}."
            schema = field.schema
        elif not last:
            return f"Unknown column: {path} has no members."
    return field


def _number(text: str, kind: type[int] | type[float]) -> int | float | str:
    try:
        return kind(text)
    except ValueError:
        return text  # for the normalizer to refuse, with its own message


def _cell(field: fields.Field, text: str) -> Any:
    """A cell's text as the field takes it."""
    if isinstance(field, fields.List):
        items = split_list(text)
        if isinstance(field.inner, fields.Nested):  # evidence: one digest an item
            return [{"sha256": item} for item in items]
        return items
    if isinstance(field, fields.Integer):
        return _number(text, int)
    if isinstance(field, fields.Float):
        return _number(text, float)
    return text


def _put(tree: dict[str, Any], column: str, value: Any) -> None:
    *parents, name = column.split(".")
    for parent in parents:
        tree = tree.setdefault(parent, {})
    tree[name] = value


def _csv_row(number: int, header: list[str], cells: list[str]) -> Row:
    record = dict(zip(header, cells, strict=False))
    payload = canonical(record)
    if len(cells) > len(header):
        message = f"The row has {len(cells)} cells but the header names {len(header)} columns."
        return Row(number, error=row_error("", message), payload=payload)
    raw: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for column, cell in record.items():
        text = cell.strip()
        if not text:
            continue
        field = _field(column)
        if isinstance(field, str):
            # {"ai_system": {"nme": {"_schema": [...]}}} points at /ai_system/nme.
            _put(errors, column, {"_schema": [field]})
        else:
            _put(raw, column, _cell(field, text))
    if errors:
        return Row(number, error=ValidationError(errors), payload=payload)
    return Row(number, raw=raw, payload=payload)


def read_csv(file: IO[bytes]) -> Iterator[Row]:
    records = csv_records(file, what="CSV file")
    if not records or not any(cell.strip() for cell in records[0][1]):
        raise UploadError("The CSV file has no header row naming the fields.")
    header = [cell.strip() for cell in records[0][1]]
    repeated = sorted({name for name in header if name and header.count(name) > 1})
    if repeated:
        raise UploadError(f"The CSV header names a column twice: {', '.join(repeated)}.")
    for number, cells in records[1:]:
        if cells:  # the csv module gives an empty line as []
            yield _csv_row(number, header, cells)


def read_jsonl(file: IO[bytes]) -> Iterator[Row]:
    for number, line, value in json_lines(file):
        if isinstance(value, ValidationError):
            yield Row(number, error=value, payload=line)
        else:
            yield Row(number, raw=value, payload=line)
