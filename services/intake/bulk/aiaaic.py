"""The AIAAIC Repository sheet, exported as CSV (``incidents.csv``).

Three header rows: a title row, the column names, and the names of the sub-columns under
"External harms" (Individual, Societal, Environmental) and "Internal impacts" (Strategic/
reputational, Operational, Financial, Legal/regulatory). Multi-valued cells are
``;``-separated. Real exports are messy: blank rows, blank headlines and dates, a repeated
id; each becomes that row's problem, never the file's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import IO, Any

from services.intake.bulk.rows import (
    Row,
    UploadError,
    canonical,
    content_id,
    csv_records,
    drop_empty,
    is_blank,
    join_names,
    row_error,
    split_list,
)
from shared.normalize.countries import split as split_countries
from shared.normalize.source import SourceRecord

ORGANIZATION = "AIAAIC"
ID = "AIAAIC ID#"
HARMS = ("External harms: Individual", "External harms: Societal", "External harms: Environmental")
COLUMNS = (
    ID,
    "Headline",
    "Occurred",
    "Country(ies)",
    "Deployer(s)",
    "Developer(s)",
    "System name(s)",
    "Issue(s)",
    *HARMS,
    "Summary/links",
)
HEADER_ROWS = 3
PAGES = "https://www.aiaaic.org/"  # "Summary/links" names the incident's page there
# "2023-2024" (a span) and "2023-" (ongoing since): the incident began in the first year.
_YEAR_SPAN = re.compile(r"^(\d{4})\s*-\s*(\d{4})?$")


def _header(names: list[str], subnames: list[str]) -> list[str]:
    """Column names from the two header rows; a sub-column is "Group: Sub"."""
    header, group = [], ""
    for index, name in enumerate(names):
        group = name.strip() or group
        subname = subnames[index].strip() if index < len(subnames) else ""
        header.append(f"{group}: {subname}" if subname else name.strip())
    return header


def _countries(cell: str) -> list[str]:
    # Mostly ";"- and at times ","-separated: split by the normalizer's rules, which know
    # "Korea, Republic of". "UK - Scotland" names a part of a country: the country will do.
    return [country.split(" - ")[0].strip() for country in split_countries(cell)]


def _description(headline: str, issues: list[str], harms: list[str]) -> str:
    # AIAAIC has no description column (its summaries live on the linked page), so the
    # description is the headline followed by the issues and harms the sheet lists.
    listed = [
        f"{label}: {'; '.join(items)}."
        for label, items in (("Issues", issues), ("Harms", harms))
        if items
    ]
    return " ".join([headline.rstrip(".") + ".", *listed]) if listed else headline


def source_id(record: Mapping[str, str]) -> str | None:
    """``aiaaic:<AIAAIC ID#>``, or None for a record without one."""
    aiaaic_id = record.get(ID, "").strip()
    return f"aiaaic:{aiaaic_id}" if aiaaic_id else None


def aiaaic_source(record: Mapping[str, str]) -> SourceRecord:
    links = record.get("Summary/links", "").split()
    page = next((link for link in links if link.startswith(PAGES)), None)
    return SourceRecord("aiaaic", record.get(ID, "").strip() or None, page)


def aiaaic_report(record: Mapping[str, str]) -> tuple[str | None, dict[str, Any]]:
    """One record (column name → cell) as ``(source id, raw report)``. AIAAIC has no
    severity or contact: they stay absent."""

    def cell(column: str) -> str:
        return record.get(column, "").strip()

    headline = cell("Headline")
    issues = split_list(cell("Issue(s)"))
    harms = [harm for column in HARMS for harm in split_list(cell(column))]
    occurred = cell("Occurred")
    span = _YEAR_SPAN.match(occurred)
    raw = {
        "title": headline,
        "description": _description(headline, issues, harms) if headline else "",
        "language": "en",  # The repository is written in English.
        "event_type": "incident",
        "occurred_at": span.group(1) if span else occurred,
        "countries": _countries(cell("Country(ies)")),
        "reporting_organization": ORGANIZATION,
        "ai_system": drop_empty(
            {
                "name": join_names(split_list(cell("System name(s)"))),
                "deployer": join_names(split_list(cell("Deployer(s)"))),
                "developer": join_names(split_list(cell("Developer(s)"))),
            }
        ),
        # As AIAAIC gives them, for the normalizer's AIAAIC crosswalks: the issues (what is
        # of concern, e.g. "Privacy/surveillance") onto MIT subdomains, the external harms
        # (e.g. "Anxiety/distress") onto harm types. Internal impacts (reputational damage,
        # litigation) fall on the deployer, not on the people harmed, and are left out.
        "harm_subdomains": issues,
        "harm_types": list(dict.fromkeys(harms)),
        "references": cell("Summary/links").split(),
        "tlp": "CLEAR",  # The AIAAIC Repository is public.
    }
    return source_id(record), drop_empty(raw)


def read_aiaaic(file: IO[bytes]) -> Iterator[Row]:
    """The rows of the sheet, numbered as the sheet numbers them (the first incident: 4)."""
    records = csv_records(file, what="AIAAIC file")
    if len(records) < HEADER_ROWS or not records[1][1] or records[1][1][0].strip() != ID:
        raise UploadError(f'An AIAAIC export has three header rows, "{ID}" first in the second.')
    header = _header(records[1][1], records[2][1])
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        raise UploadError(f"The AIAAIC file has no column {', '.join(missing)}.")
    for number, cells in records[HEADER_ROWS:]:
        record = dict(zip(header, cells, strict=False))
        payload = canonical(record)
        if is_blank(cells):
            yield Row(number, error=row_error("", "The row is empty."), payload=payload)
            continue
        row_id, raw = aiaaic_report(record)
        yield Row(
            number,
            raw=raw,
            source_id=row_id or content_id("aiaaic", payload),
            payload=payload,
            source=aiaaic_source(record),
        )
