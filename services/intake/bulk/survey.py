"""What the normalizer makes of the public datasets: every row of AIID, AIAAIC and AVID
read, adapted and normalized as bulk intake would, without a server or an outbox.

    python -m services.intake.bulk.survey ../shared/datasets [--top 5]

Prints, for each dataset, how many rows were accepted (and of those, flagged) and
rejected, with the most common reasons; and how many accepted records carry each
vocabulary field, and of those how many got it from the source, derived it by a rule or
were suggested it by the harm-domain model. Exits 1 when the normalizer raised anything but
``Rejected`` on some row (each such row is listed), else 0.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from services.intake.bulk.aiid import read_aiid
from services.intake.bulk.formats import REQUIRED, read_rows
from services.intake.bulk.importer import Accepted, AcceptFn, RowResult, import_rows
from services.intake.bulk.rows import Row
from shared.normalize import NORMALIZER_VERSION, normalize
from shared.normalize.provenance import at
from shared.normalize.source import SourceRecord


@dataclass(frozen=True)
class Dataset:
    name: str
    source_format: str
    path: str  # inside the datasets folder
    # Files joined on the record id, by upload part name (AIID's classifications).
    classifications: tuple[tuple[str, str], ...] = ()


DATASETS = (
    Dataset(
        "AIID",
        "aiid",
        "aiid/incidents.csv",
        (
            ("classifications_MIT", "aiid/classifications_MIT.csv"),
            ("classifications_CSETv1", "aiid/classifications_CSETv1.csv"),
        ),
    ),
    Dataset("AIAAIC", "aiaaic", "aiaaic/incidents.csv"),
    Dataset("AVID", "avid", "avid/reports.jsonl"),
)
# The fields of the shared vocabulary the survey counts, as paths into the report.
VOCABULARY_FIELDS = (
    "event_type",
    "severity",
    "harm_domains",
    "harm_subdomains",
    "harm_types",
    "affected_parties",
    "countries",
    "causes",
    "quantities/lives_lost",
    "quantities/injuries",
    "critical_infrastructure",
    "jurisdictions",
)
ORIGINS = ("source", "derived", "suggested")


def dry_normalize(
    raw: dict[str, Any], *, source_format: str, payload: bytes, source: SourceRecord | None
) -> dict[str, Any]:
    """Normalize as intake would for a bulk upload."""
    return normalize(
        raw,
        channel="bulk",
        source_format=source_format,
        payload=payload,
        require=REQUIRED[source_format],
        source=source,
    )


@dataclass
class DryRun:
    """An accept function that normalizes as intake would and keeps the reports, not in an
    outbox: the "id" it gives is the source id."""

    reports: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, raw, *, source_format, payload, idempotency_key, source) -> Accepted:
        report = dry_normalize(raw, source_format=source_format, payload=payload, source=source)
        self.reports.append(report)
        return Accepted(idempotency_key or "-", report["provenance"]["flags"])


def origin(report: dict[str, Any], path: str) -> str | None:
    """Where the report's value of a vocabulary field came from: "source" (the reporter or
    the source dataset), "derived" (a rule), "suggested" (the model only), or None."""
    if at(report, path) not in (None, [], {}):
        derived = any(
            d["field"] == path and d.get("basis") == "derived"
            for d in report["provenance"]["decisions"]
        )
        return "derived" if derived else "source"
    if report.get("suggestions", {}).get(path):
        return "suggested"
    return None


def field_counts(reports: Iterable[dict[str, Any]]) -> dict[str, Counter[str]]:
    """For each vocabulary field, how many reports carry it, by origin."""
    counts: dict[str, Counter[str]] = {path: Counter() for path in VOCABULARY_FIELDS}
    for report in reports:
        for path in VOCABULARY_FIELDS:
            found = origin(report, path)
            if found is not None:
                counts[path][found] += 1
    return counts


def _noting_crashes(accept_fn: AcceptFn, crashes: list[str]) -> AcceptFn:
    """``accept_fn``, with any exception other than a rejection noted and turned into one,
    so one crash is counted and listed instead of ending the survey."""

    def accept(raw, *, source_format, payload, idempotency_key, source):
        try:
            return accept_fn(
                raw,
                source_format=source_format,
                payload=payload,
                idempotency_key=idempotency_key,
                source=source,
            )
        except ValidationError:
            raise
        except Exception as exc:  # the survey exists to find these; each one is listed
            crashes.append(f"{idempotency_key}: {type(exc).__name__}: {exc}")
            message = f"The normalizer raised {type(exc).__name__}."
            raise ValidationError({"_schema": [message]}) from exc

    return accept


def read_dataset(folder: Path, dataset: Dataset) -> list[Row]:
    with ExitStack() as files:
        file = files.enter_context((folder / dataset.path).open("rb"))
        if dataset.classifications:
            parts = {
                part: files.enter_context((folder / path).open("rb"))
                for part, path in dataset.classifications
                if (folder / path).is_file()
            }
            return list(read_aiid(file, classifications=parts))
        return list(read_rows(file, source_format=dataset.source_format))


@dataclass
class Survey:
    dataset: Dataset
    results: list[RowResult]
    read_seconds: float
    import_seconds: float
    crashes: list[str] = field(default_factory=list)
    fields: dict[str, Counter[str]] = field(default_factory=dict)


def survey(folder: Path, dataset: Dataset, *, accept_fn: AcceptFn | None = None) -> Survey:
    """``accept_fn`` stands in for the normalizer (tests); without it the survey also
    counts the vocabulary fields of the reports."""
    dry_run = DryRun()
    started = time.perf_counter()
    rows = read_dataset(folder, dataset)
    read = time.perf_counter()
    crashes: list[str] = []
    results = import_rows(
        rows,
        source_format=dataset.source_format,
        accept_fn=_noting_crashes(accept_fn or dry_run, crashes),
    )
    seconds = time.perf_counter() - read
    return Survey(dataset, results, read - started, seconds, crashes, field_counts(dry_run.reports))


# Reporting.

_INDEX = re.compile(r"/\d+(?=/|$)")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


@dataclass
class Reason:
    """One kind of flag or error: the rows that give it and the values it quotes."""

    rows: int = 0
    values: Counter[str] = field(default_factory=Counter)


def _group(texts_by_row: Iterable[Iterable[str]]) -> dict[str, Reason]:
    """Texts grouped by their shape (quoted values as '…', the "; use ..." hint left out),
    counting each row once per shape and each quoted value once per row."""
    reasons: dict[str, Reason] = {}
    for texts in texts_by_row:
        shapes: dict[str, set[str]] = {}
        for text in texts:
            text = text.split("; use ")[0]
            shapes.setdefault(_QUOTED.sub("'…'", text), set()).update(_QUOTED.findall(text))
        for shape, values in shapes.items():
            reason = reasons.setdefault(shape, Reason())
            reason.rows += 1
            reason.values.update(values)
    return dict(sorted(reasons.items(), key=lambda item: -item[1].rows))


def flag_reasons(results: Sequence[RowResult]) -> dict[str, Reason]:
    """Flags of accepted rows as ``"field: reason"``, list indices left out."""
    return _group(
        [f"{_INDEX.sub('', '/' + flag['field'])[1:]}: {flag['reason']}" for flag in r["flags"]]
        for r in results
        if "flags" in r
    )


def rejection_reasons(results: Sequence[RowResult]) -> dict[str, Reason]:
    """Errors of rejected rows as ``"/pointer: detail"``, list indices as ``*``."""
    return _group(
        [f"{_INDEX.sub('/*', e['pointer']) or '(row)'}: {e['detail']}" for e in r["errors"]]
        for r in results
        if "errors" in r
    )


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:5.1f}%" if whole else "     -"


def _top(title: str, reasons: dict[str, Reason], top: int) -> list[str]:
    if not reasons:
        return []
    lines = [f"  {title}:"]
    for shape, reason in list(reasons.items())[:top]:
        lines.append(f"    {reason.rows:>6,}  {shape}")
        if reason.values and (len(reason.values) > 1 or "…" in shape):
            shown = ", ".join(f"{value} {count:,}" for value, count in reason.values.most_common(3))
            more = f" and {len(reason.values) - 3:,} more" if len(reason.values) > 3 else ""
            lines.append(f"            ({shown}{more})")
    if len(reasons) > top:
        other = len(reasons) - top
        lines.append(f"            ... and {other} other kind{'s' if other > 1 else ''}")
    return lines


def _fields(counts: dict[str, Counter[str]]) -> list[str]:
    if not counts:
        return []
    lines = [f"  {'fields (records)':<30}carry" + "".join(f"{o:>11}" for o in ORIGINS)]
    for path, found in counts.items():
        by_origin = "".join(f"{found[o]:>11,}" for o in ORIGINS)
        lines.append(f"    {path:<24}{sum(found.values()):>7,}{by_origin}")
    return lines


def render(result: Survey, *, top: int = 5) -> str:
    dataset, results = result.dataset, result.results
    total = len(results)
    accepted = [r for r in results if "id" in r]
    flagged = sum(1 for r in accepted if r["flags"])
    rejected = total - len(accepted)
    source = " + ".join([dataset.path, *(Path(path).name for _, path in dataset.classifications)])
    lines = [
        f"{dataset.name} ({source})",
        f"  rows          {total:>6,}          read in {result.read_seconds:.1f} s, "
        f"normalized in {result.import_seconds:.1f} s",
        f"  accepted      {len(accepted):>6,}  {_share(len(accepted), total)}",
        f"    flagged     {flagged:>6,}  {_share(flagged, total)}",
        f"  rejected      {rejected:>6,}  {_share(rejected, total)}",
    ]
    lines += _fields(result.fields)
    lines += _top("flags (rows)", flag_reasons(results), top)
    lines += _top("rejections (rows)", rejection_reasons(results), top)
    if result.crashes:
        lines.append(f"  THE NORMALIZER RAISED on {len(result.crashes)} rows:")
        lines += [f"    {crash}" for crash in result.crashes[:top]]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, *, out: Callable[[str], Any] = print) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.intake.bulk.survey")
    parser.add_argument("datasets", type=Path, help="the folder holding aiid/, aiaaic/, avid/")
    parser.add_argument("--top", type=int, default=5, help="reasons listed per kind (5)")
    args = parser.parse_args(argv)
    missing = [d.path for d in DATASETS if not (args.datasets / d.path).is_file()]
    if missing:
        parser.error(f"not in {args.datasets}: {', '.join(missing)}")
    out(f"Bulk intake survey of {args.datasets}: normalizer {NORMALIZER_VERSION}, no outbox.")
    out("Reasons count rows; a row may give several. Flags are kept in the report's provenance.")
    crashed = False
    for dataset in DATASETS:
        result = survey(args.datasets, dataset)
        out("")
        out(render(result, top=args.top))
        crashed = crashed or bool(result.crashes)
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
