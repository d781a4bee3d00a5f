"""The real datasets, whole, through the adapters and the real normalizer.

Each dataset takes 2-4 s on a development machine (most of it normalizing), so every row
is run; none is sampled. The data stays in ../shared/datasets (see conftest.py).
"""

from __future__ import annotations

import csv
import io

import pytest

from services.intake.bulk import import_rows
from services.intake.bulk.formats import REQUIRED
from services.intake.bulk.survey import DATASETS, DryRun, read_dataset
from shared.normalize import Rejected, normalize

# Header rows above the first record, counted with the csv module independently of the
# readers; a JSON Lines file has none and counts its non-blank lines.
HEADER_ROWS = {"aiid": 1, "aiaaic": 3}


def _records(path) -> int:
    data = path.read_bytes()
    if path.suffix == ".jsonl":
        return sum(1 for line in data.splitlines() if line.strip())
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return sum(1 for cells in reader if cells)


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda dataset: dataset.source_format)
def test_every_row_of_the_dataset_gets_one_result(datasets, dataset):
    rows = read_dataset(datasets, dataset)

    results = import_rows(rows, source_format=dataset.source_format, accept_fn=DryRun())

    expected = _records(datasets / dataset.path) - HEADER_ROWS.get(dataset.source_format, 0)
    assert len(results) == len(rows) == expected
    assert len({result["row"] for result in results}) == expected
    accepted = [result for result in results if "id" in result]
    rejected = [result for result in results if "id" not in result]
    assert accepted
    assert len(accepted) > len(rejected)
    for result in rejected:
        assert result["errors"], result
        for error in result["errors"]:
            assert set(error) == {"pointer", "detail"}
            assert error["detail"]
            assert error["pointer"] == "" or error["pointer"].startswith("/")


# The fields each dataset gives in its own categories, read through its crosswalks, and the
# most of its values that may stay unknown: for AIID, the named people and organizations.
CROSSWALKED = {
    "aiid": (("affected_parties",), 0.5),
    "aiaaic": (("harm_subdomains", "harm_types"), 0.02),
    "avid": (("harm_domains", "harm_subdomains"), 0.01),
}


@pytest.mark.parametrize("dataset", DATASETS, ids=lambda dataset: dataset.source_format)
def test_the_crosswalks_map_most_values_and_keep_every_other_as_a_flag(datasets, dataset):
    names, most_unknown = CROSSWALKED[dataset.source_format]
    given = unknown = 0
    for row in read_dataset(datasets, dataset):
        if row.raw is None:
            continue
        try:
            report = normalize(
                row.raw,
                channel="bulk",
                source_format=dataset.source_format,
                payload=row.payload,
                require=REQUIRED[dataset.source_format],
            )
        except Rejected:
            continue
        provenance = report["provenance"]
        decided = {decision["field"] for decision in provenance["decisions"]}
        flagged = {flag["field"]: flag["reason"] for flag in provenance["flags"]}
        for name in names:
            for index, value in enumerate(row.raw.get(name, [])):
                path = f"{name}/{index}"
                # Mapped (a decision, or already a term) or kept aside: never dropped.
                assert path in decided or path in flagged or value in report[name], (row, path)
                given += 1
                unknown += flagged.get(path, "").startswith("Unknown")

    assert given > 1000
    assert unknown / given < most_unknown


def test_the_aiid_carries_its_classification_files(datasets):
    """The MIT labels on at least 1,200 incidents, CSETv1's counts wherever CSETv1 gives
    them (its published rows with both counts), and severities derived with their reasons."""
    with (datasets / "aiid" / "classifications_CSETv1.csv").open(encoding="utf-8") as file:
        counted = {
            row["Incident ID"]
            for row in csv.DictReader(file)
            if row["Published"] == "True" and row["Lives Lost"].strip().isdigit()
        }
    run = DryRun()
    aiid = next(dataset for dataset in DATASETS if dataset.source_format == "aiid")
    import_rows(read_dataset(datasets, aiid), source_format="aiid", accept_fn=run)
    reports = run.reports

    def from_file(report, field, file):
        return any(
            d["field"] == field and d.get("basis") == "source" and file in d["rule"]
            for d in report["provenance"]["decisions"]
        )

    labelled = [r for r in reports if from_file(r, "harm_domains", "classifications_MIT.csv")]
    assert len(labelled) >= 1200
    with_counts = {
        r["source"]["id"]
        for r in reports
        if from_file(r, "quantities/lives_lost", "classifications_CSETv1.csv")
    }
    assert with_counts == counted
    derived = [r for r in reports if "severity_derivation" in r]
    assert derived
    for report in derived:
        assert report["severity_derivation"]["reason"]
        assert "severity" in report
