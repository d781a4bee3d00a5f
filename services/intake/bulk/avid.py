"""AI Vulnerability Database reports, one JSON report a line (``reports.jsonl``).

AVID records vulnerabilities and evaluation findings: a weakness found in a model or
system (a CVE in an ML library, a bias measured by a benchmark), not an event in which
harm occurred or nearly occurred. Its reports therefore come in as event type "issue".
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from marshmallow import ValidationError

from services.intake.bulk.rows import Row, content_id, drop_empty, join_names, json_lines
from shared.normalize.source import SourceRecord

ORGANIZATION = "AI Vulnerability Database"
PAGE_URL = "https://avidml.org/database/{}/"  # by the report id, lower-cased


def _object(value: Any) -> Mapping[str, Any]:
    """AVID writes ``null`` where a part is missing; read it as empty."""
    return value if isinstance(value, Mapping) else {}


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else []
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def _text(value: Any, key: str = "value") -> str:
    """The text of a ``{"lang": ..., "value": ...}`` object."""
    text = _object(value).get(key)
    return text.strip() if isinstance(text, str) else ""


def source_id(report: Mapping[str, Any]) -> str | None:
    """``avid:<report_id>``, or None for a report without one."""
    report_id = _object(report.get("metadata")).get("report_id")
    return f"avid:{report_id.strip()}" if isinstance(report_id, str) and report_id.strip() else None


def avid_source(report: Mapping[str, Any]) -> SourceRecord:
    row_id = source_id(report)
    report_id = row_id.removeprefix("avid:") if row_id else None
    return SourceRecord(
        "avid", report_id, PAGE_URL.format(report_id.lower()) if report_id else None
    )


def avid_report(report: Mapping[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """One AVID report as ``(source id, raw report)``; the source id is None when the report
    has no id. AVID has no severity (CVSS scores rate a vulnerability, not an incident's
    harm), no country and no contact: they stay absent."""
    affects = _object(report.get("affects"))
    artifacts = affects.get("artifacts") if isinstance(affects.get("artifacts"), list) else []
    names = _strings([_object(artifact).get("name") for artifact in artifacts])
    references = report.get("references") if isinstance(report.get("references"), list) else []
    urls = _strings([_object(reference).get("url") for reference in references])
    reported = report.get("reported_date")
    avid_impact = _object(_object(report.get("impact")).get("avid"))
    raw = {
        # Some titles are indented over several lines: one line, single spaces.
        "title": " ".join(_text(_object(report.get("problemtype")).get("description")).split()),
        "description": _text(report.get("description")),
        "language": _text(report.get("description"), "lang"),
        "event_type": "issue",
        # AVID gives no date of occurrence; the date of the report is the best it has.
        "occurred_at": reported.strip() if isinstance(reported, str) else "",
        "reporting_organization": ORGANIZATION,
        "ai_system": drop_empty(
            {
                "name": join_names(names),
                "developer": join_names(_strings(affects.get("developer"))),
                "deployer": join_names(_strings(affects.get("deployer"))),
            }
        ),
        # AVID's taxonomy as given, for the normalizer's AVID crosswalks: the risk domains
        # (Security, Ethics, Performance) onto MIT domains, the finer codes of the effect
        # view ("E0101: Group fairness") onto MIT subdomains.
        "harm_domains": _strings(avid_impact.get("risk_domain")),
        "harm_subdomains": _strings(avid_impact.get("sep_view")),
        # Only links a reader can follow: AVID's "url" is at times a relative path on its
        # site, a Hugging Face dataset id or a file on its author's machine.
        "references": [url for url in urls if url.startswith(("https://", "http://"))],
        "tlp": "CLEAR",  # AVID is public.
    }
    return source_id(report), drop_empty(raw)


def read_avid(file: IO[bytes]) -> Iterator[Row]:
    """The reports of a JSON Lines file, numbered by line; blank lines are skipped."""
    for number, line, report in json_lines(file):
        if isinstance(report, ValidationError):
            yield Row(number, error=report, payload=line)
        else:
            row_id, raw = avid_report(report)
            row_id = row_id or content_id("avid", line)
            yield Row(number, raw=raw, source_id=row_id, payload=line, source=avid_source(report))
