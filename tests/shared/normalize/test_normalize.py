"""``normalize`` over whole reports: the v1 report, its provenance, and the rejections."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import pytest

from shared.normalize import (
    NORMALIZER_VERSION,
    REQUIRED_FOR_REPORTERS,
    Rejected,
    countries,
    dates,
    language,
    normalize,
    warm_up,
)
from shared.normalize.dates import NEEDS_ZONE
from shared.normalize.normalizer import NO_GROUNDS
from shared.report import AcceptedReportSchema, ReportV1Schema
from shared.vocab import versions

BULK = frozenset({"title", "description"})
SEVERITY_HINT = "use critical, high, medium or low (or SEV1-SEV4, P1-P5, 1-5)"
AT_MOST = "less than or equal to 10000000000"
COUNTRY_HINT = "use an ISO 3166-1 code such as FR or FRA, or a country's name"


def run(raw, **options):
    options.setdefault("channel", "api")
    options.setdefault("source_format", "json")
    options.setdefault("payload", json.dumps(raw).encode())
    report = normalize(raw, **options)
    assert ReportV1Schema().validate(report) == {}
    return report


def rejected(raw, **options) -> dict:
    with pytest.raises(Rejected) as caught:
        run(raw, **options)
    return caught.value.messages


def decisions(report) -> dict[str, dict]:
    return {d["field"]: d for d in report["provenance"]["decisions"]}


def flags(report) -> dict[str, dict]:
    return {f["field"]: f for f in report["provenance"]["flags"]}


def test_a_canonical_report_comes_out_unchanged_with_no_decisions(raw_report):
    raw = raw_report()
    report = run(raw)

    assert {k: v for k, v in report.items() if k != "provenance"} == {
        **raw,
        "schema_version": "1.1",
    }
    assert report["provenance"]["decisions"] == []
    assert report["provenance"]["flags"] == []


def test_the_provenance_says_where_the_report_came_from_and_what_normalized_it(raw_report):
    payload = b'{"title": "the bytes as received"}'
    report = run(raw_report(), channel="bulk", source_format="aiid-csv", payload=payload)

    assert report["provenance"] == {
        "channel": "bulk",
        "source_format": "aiid-csv",
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
        "normalizer_version": NORMALIZER_VERSION,
        "vocabulary_versions": {
            **versions(),
            "pycountry": report["provenance"]["vocabulary_versions"]["pycountry"],
        },
        "decisions": [],
        "flags": [],
    }
    assert set(report["provenance"]["vocabulary_versions"]) >= {
        "severity",
        "mit_risk_domains",
        "tlp",
    }


def test_one_decision_per_mapping_that_changed_a_value(raw_report):
    raw = raw_report(
        event_type="quasi-accident",
        severity="SEV1",
        likelihood="3",
        impact=4,
        occurred_at="20/11/2026 10:00",
        timezone="europe/paris",
        countries=["gb", "France", "Deutschland"],
        tlp="TLP:WHITE",
        harm_types=["physical", "financial loss"],
    )
    report = run(raw)

    assert decisions(report) == {
        "event_type": {
            "field": "event_type",
            "original": "quasi-accident",
            "normalized": "near_miss",
            "rule": "event_types: synonym (fr)",
        },
        "severity": {
            "field": "severity",
            "original": "SEV1",
            "normalized": "critical",
            "rule": "severity: crosswalk SEV",
        },
        "likelihood": {
            "field": "likelihood",
            "original": "3",
            "normalized": 3,
            "rule": "likelihood: id",
        },
        "tlp": {
            "field": "tlp",
            "original": "TLP:WHITE",
            "normalized": "CLEAR",
            "rule": "tlp: synonym (en)",
        },
        "harm_types/1": {
            "field": "harm_types/1",
            "original": "financial loss",
            "normalized": "economic_property",
            "rule": "harm_types: synonym (en)",
        },
        "timezone": {
            "field": "timezone",
            "original": "europe/paris",
            "normalized": "Europe/Paris",
            "rule": "timezone: IANA name",
        },
        "occurred_at": {
            "field": "occurred_at",
            "original": "20/11/2026 10:00",
            "normalized": "2026-11-20T09:00:00+00:00",
            "rule": "dates: day first: DD/MM/YYYY; time zone Europe/Paris from the timezone field; "
            "converted to UTC",
        },
        "countries/0": {
            "field": "countries/0",
            "original": "gb",
            "normalized": "GB",
            "rule": "countries: ISO 3166-1 alpha-2",
        },
        "countries/1": {
            "field": "countries/1",
            "original": "France",
            "normalized": "FR",
            "rule": "countries: name (en)",
        },
        "countries/2": {
            "field": "countries/2",
            "original": "Deutschland",
            "normalized": "DE",
            "rule": "countries: name (de)",
        },
    }
    assert len(report["provenance"]["decisions"]) == len(decisions(report))
    assert (report["impact"], report["countries"]) == (4, ["GB", "FR", "DE"])


def test_the_text_is_stored_exactly_as_given(raw_report):
    title = '<script>alert("x")</script> & co  '
    description = "  Zeile 1\n\tZeile 2 <b>fett</b>\u00a0"
    report = run(raw_report(title=title, description=description))
    assert (report["title"], report["description"]) == (title, description)


def test_a_declared_language_is_standardized_else_detected(raw_report):
    tagged = run(raw_report(language="EN-gb"))
    assert tagged["language"] == "en-GB"
    assert decisions(tagged)["language"]["rule"] == "language: BCP 47 standard form"

    french = run(
        raw_report(
            language=None,
            title="Le modèle a copié ses poids",
            description="Pendant une évaluation, un agent a copié des fichiers ailleurs.",
        )
    )
    assert french["language"] == "fr"
    assert decisions(french)["language"]["original"] is None
    assert decisions(french)["language"]["rule"].startswith("language: detected by fastText")


def test_a_bad_language_tag_is_flagged_and_the_language_detected(raw_report):
    report = run(raw_report(language="english"))
    assert report["language"] == "en"
    assert flags(report)["language"]["value"] == "english"


def test_a_subdomain_implies_its_domain_and_says_so(raw_report):
    report = run(raw_report(harm_domains=["1"], harm_subdomains=["7.3", "7.1", "1.2"]))

    assert report["harm_domains"] == ["1", "7"]
    assert report["harm_subdomains"] == ["7.3", "7.1", "1.2"]
    implied = [d for d in report["provenance"]["decisions"] if d["field"] == "harm_domains"]
    assert implied == [
        {
            "field": "harm_domains",
            "original": None,
            "normalized": "7",
            "rule": "implied by harm_subdomains 7.3",
        }
    ]


def test_labels_of_the_mit_taxonomy_become_ids(raw_report):
    report = run(
        raw_report(
            harm_domains="7. AI system safety, failures, and limitations",
            harm_subdomains="7.3. Lack of capability or robustness; 7.4",
        )
    )
    assert (report["harm_domains"], report["harm_subdomains"]) == (["7"], ["7.3", "7.4"])


def test_a_public_datasets_own_categories_go_through_its_crosswalks(raw_report):
    raw = raw_report(
        harm_subdomains=["Privacy/surveillance", "Privacy", "Safety", "Bogus", "7.4"],
        harm_types=["Anxiety/distress", "physical"],
    )
    report = run(raw, channel="bulk", source_format="aiaaic")
    mit = versions()["mit_risk_domains"]

    assert report["harm_subdomains"] == ["2.1", "7.4"]
    assert report["harm_domains"] == ["2", "7"]
    assert report["harm_types"] == ["psychological", "physical"]
    assert decisions(report)["harm_subdomains/0"] == {
        "field": "harm_subdomains/0",
        "original": "Privacy/surveillance",
        "normalized": "2.1",
        "rule": f"mit_risk_domains {mit}: crosswalk aiaaic-issues",
    }
    assert decisions(report)["harm_subdomains/1"]["rule"].endswith("; a duplicate, listed once")
    assert decisions(report)["harm_types/0"]["rule"].startswith("harm_types 1.")
    # Understood but left unmapped on purpose, or not understood: both kept aside as flags.
    safety, bogus = flags(report)["harm_subdomains/2"], flags(report)["harm_subdomains/3"]
    assert safety["value"] == "Safety"
    assert safety["reason"].startswith(
        f"'Safety' is left unmapped by crosswalk aiaaic-issues (mit_risk_domains {mit}): "
    )
    assert bogus == {
        "field": "harm_subdomains/3",
        "value": "Bogus",
        "reason": "Unknown harm domain 'Bogus'; use an id of the MIT AI Risk Repository's "
        "domain taxonomy, such as 7 or 7.3, or its label.",
    }


def test_another_formats_values_are_not_read_as_a_datasets_categories(raw_report):
    report = run(raw_report(harm_subdomains=["Privacy/surveillance"], harm_types=["Trauma"]))

    assert report["harm_subdomains"] == report["harm_types"] == []
    assert set(flags(report)) == {"harm_subdomains/0", "harm_types/0"}


def test_countries_as_one_string_are_split_and_regions_flagged_not_mapped(raw_report):
    report = run(raw_report(countries="USA, UK; Global"))

    assert report["countries"] == ["US", "GB"]
    assert decisions(report)["countries"]["normalized"] == ["USA", "UK", "Global"]
    assert flags(report)["countries/2"] == {
        "field": "countries/2",
        "value": "Global",
        "reason": "'Global' is a region, not a country.",
    }


def test_a_report_about_the_whole_world_has_no_countries_but_keeps_the_word(raw_report):
    report = run(raw_report(countries=["Worldwide"]))
    assert report["countries"] == []
    assert flags(report)["countries/0"]["value"] == "Worldwide"


def test_a_repeated_country_is_listed_once_and_the_decision_says_so(raw_report):
    report = run(raw_report(countries=["FR", "France", "FR"]))

    assert report["countries"] == ["FR"]
    assert (
        decisions(report)["countries/1"]["rule"] == "countries: name (en); a duplicate, listed once"
    )
    assert (
        decisions(report)["countries/2"]["rule"]
        == "countries: ISO 3166-1 alpha-2; a duplicate, listed once"
    )


def test_unknown_values_of_optional_fields_are_flagged_and_left_out(raw_report):
    raw = raw_report(
        likelihood="sometimes",
        harm_types=["physical", "spiritual"],
        affected_parties="aliens",
        jurisdictions=["Mars"],
        detected_at="yesterday",
        quantities={"people_affected": 3, "financial_cost": {"amount": 5, "currency": "doubloons"}},
    )
    report = run(raw)

    assert "likelihood" not in report and "detected_at" not in report
    assert report["harm_types"] == ["physical"]
    assert report["affected_parties"] == report["jurisdictions"] == []
    assert report["quantities"] == {"people_affected": 3}
    assert {f["field"]: f["value"] for f in report["provenance"]["flags"]} == {
        "likelihood": "sometimes",
        "harm_types/1": "spiritual",
        "affected_parties/0": "aliens",
        "jurisdictions/0": "Mars",
        "detected_at": "yesterday",
        "quantities/financial_cost": {"amount": 5, "currency": "doubloons"},
    }
    assert all(f["reason"] for f in report["provenance"]["flags"])


def test_other_facts_are_kept_and_canonical(raw_report):
    digest = "AB" * 32
    raw = raw_report(
        contact={"name": "Safety desk", "email": "safety@example.org"},
        ai_system={"name": "Agent", "developer": "Lab", "modality": "text"},
        quantities={
            "people_affected": 10,
            "lives_lost": 0,
            "financial_cost": {"amount": 99.5, "currency": "eur"},
        },
        references=["https://example.org/a", "http://intranet:8080/b"],
        evidence=[{"sha256": digest, "description": "logs"}],
    )
    report = run(raw)

    assert report["contact"] == raw["contact"]
    assert report["ai_system"] == raw["ai_system"]
    assert report["quantities"]["financial_cost"] == {"amount": 99.5, "currency": "EUR"}
    assert report["references"] == raw["references"]
    assert report["evidence"] == [{"sha256": digest.lower(), "description": "logs"}]
    assert decisions(report)["evidence/0/sha256"]["rule"] == "lower case"


def test_null_and_blank_values_count_as_not_given(raw_report):
    report = run(
        raw_report(detected_at="", likelihood=" ", contact={"name": "", "email": None}, impact=None)
    )
    assert not {"detected_at", "likelihood", "contact", "impact"} & report.keys()

    assert rejected(raw_report(title="  ", severity="")) == {
        "title": ["Missing data for required field."],
        "severity": ["Missing data for required field."],
    }


def test_a_naive_time_needs_a_time_zone_from_a_reporter(raw_report):
    assert rejected(raw_report(occurred_at="2026-03-01 14:05")) == {"occurred_at": [NEEDS_ZONE]}

    report = run(raw_report(occurred_at="2026-03-01 14:05", timezone="Asia/Tokyo"))
    assert report["occurred_at"] == "2026-03-01T05:05:00+00:00"
    assert report["timezone"] == "Asia/Tokyo"


def test_an_unknown_time_zone_is_an_error_for_a_reporter_and_a_flag_in_bulk(raw_report):
    raw = raw_report(timezone="Mars/Olympus", occurred_at="2026-03-01 14:05")
    assert rejected(raw) == {
        "timezone": [
            "Unknown time zone 'Mars/Olympus'; give an offset such as +01:00 or an IANA name."
        ],
        "occurred_at": [NEEDS_ZONE],
    }

    raw = raw_report(timezone="Mars/Olympus", detected_at="2026-03-01 14:05", occurred_at=None)
    report = run(raw, require=BULK)
    assert {"timezone", "detected_at"} <= flags(report).keys()


def test_bulk_callers_require_less_and_what_is_missing_is_flagged(raw_report):
    raw = raw_report(severity=None, countries=None, occurred_at=None, tlp=None, event_type=None)
    report = run(raw, require=BULK, defaults={"tlp": "GREEN", "event_type": "incident"})

    assert "severity" not in report and "occurred_at" not in report and "countries" not in report
    assert (report["tlp"], report["event_type"]) == ("GREEN", "incident")
    assert decisions(report)["tlp"] == {
        "field": "tlp",
        "original": None,
        "normalized": "GREEN",
        "rule": "default given by the caller",
    }
    not_given = {
        f["field"]
        for f in report["provenance"]["flags"]
        if f["reason"] == "Not given by the source."
    }
    assert not_given == {"occurred_at", "countries"}
    assert flags(report)["severity"]["reason"] == NO_GROUNDS


def test_a_default_time_zone_lets_bulk_sources_with_utc_times_through(raw_report):
    report = run(
        raw_report(occurred_at="2026-03-01 14:05"), require=BULK, defaults={"timezone": "UTC"}
    )
    assert report["occurred_at"] == "2026-03-01T14:05:00+00:00"
    assert "timezone" in decisions(report)


def test_a_default_does_not_override_what_was_given(raw_report):
    report = run(raw_report(tlp="RED"), defaults={"tlp": "GREEN"})
    assert report["tlp"] == "RED"
    assert "tlp" not in decisions(report)


def test_the_title_description_organization_type_and_tlp_are_always_required(raw_report):
    raw = {"title": "t", "description": "d"}
    assert rejected(raw, require=BULK) == {
        "event_type": ["Missing data for required field."],
        "reporting_organization": ["Missing data for required field."],
        "tlp": ["Missing data for required field."],
    }


def test_a_rejection_names_every_bad_field_at_once(raw_report):
    raw = raw_report(
        title="x" * 301,
        description=None,
        severity="purple",
        event_type="rumour",
        occurred_at="2026-03-01 14:05",
        countries=["Atlantis", "FR", "XX"],
        tlp=42,
        contact={"email": "not-an-email", "phone": "123"},
        quantities={"people_affected": -1},
        references=["ftp://example.org/file", "https://example.org"],
        evidence=[{"sha256": "abc"}],
        harm_types=[1, "physical"],
        reporter_email="a@example.org",
    )
    assert rejected(raw) == {
        "title": ["Longer than maximum length 300."],
        "description": ["Missing data for required field."],
        "severity": [f"Unknown severity 'purple'; {SEVERITY_HINT}."],
        "event_type": ["Unknown event type 'rumour'; use incident, near_miss, hazard or issue."],
        "occurred_at": [NEEDS_ZONE],
        "countries": {
            0: [f"Unknown country 'Atlantis'; {COUNTRY_HINT}."],
            2: [f"Unknown country 'XX'; {COUNTRY_HINT}."],
        },
        "tlp": ["Not a valid string."],
        "contact": {"email": ["Not a valid email address."], "phone": ["Unknown field."]},
        "quantities": {"people_affected": [f"Must be greater than or equal to 0 and {AT_MOST}."]},
        "references": {0: ["Not a valid URL."]},
        "evidence": {0: {"sha256": ["Not a SHA-256 hex digest."]}},
        "harm_types": {0: ["Not a valid string."]},
        "reporter_email": ["Unknown field."],
    }


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"countries": []}, {"countries": ["Give at least one value."]}),
        ({"countries": ";,"}, {"countries": ["Give at least one value."]}),
        ({"countries": {"FR": 1}}, {"countries": ["Not a valid string or list of strings."]}),
        ({"countries": 250}, {"countries": ["Not a valid string or list of strings."]}),
        ({"severity": True}, {"severity": ["Not a valid string or integer."]}),
        ({"severity": 3.5}, {"severity": ["Not a valid string or integer."]}),
        ({"occurred_at": "x" * 301}, {"occurred_at": ["Longer than maximum length 300."]}),
        ({"contact": "a@example.org"}, {"contact": {"_schema": ["Invalid input type."]}}),
        (
            {"title": "bad \ud800 char"},
            {"title": ["Contains an unpaired surrogate, which is not a character."]},
        ),
        (
            {"impact": float("nan")},
            {"impact": ["Not a finite number.", "Not a valid string or integer."]},
        ),
        (
            {"quantities": {"financial_cost": {"amount": 5}}},
            {"quantities": {"financial_cost": {"currency": ["Missing data for required field."]}}},
        ),
    ],
)
def test_a_field_of_the_wrong_shape_is_named(raw_report, changes, errors):
    assert rejected(raw_report(**changes)) == errors


@pytest.mark.parametrize("raw", [[], "a report", 42, None, ["title"]])
def test_anything_but_an_object_is_rejected_as_a_whole(raw):
    with pytest.raises(Rejected) as caught:
        normalize(raw, channel="api", source_format="json", payload=b"")
    assert caught.value.messages == {"_schema": ["The report must be a JSON object."]}


def test_warm_up_loads_what_the_first_report_would_wait_for():
    loaders = (language._model, countries._keys, dates._iana)
    for loader in loaders:
        loader.cache_clear()
    warm_up()
    assert all(loader.cache_info().currsize == 1 for loader in loaders)


def test_the_reporters_required_fields_are_those_of_the_design():
    assert {
        "title",
        "description",
        "event_type",
        "severity",
        "occurred_at",
        "countries",
        "reporting_organization",
        "tlp",
    } == REQUIRED_FOR_REPORTERS


def test_a_normalized_report_plus_what_intake_assigns_is_an_accepted_report(raw_report):
    report = run(raw_report())
    accepted = {
        **report,
        "id": "01JD0000000000000000000009",
        "received_at": "2026-03-01T13:06:00+00:00",
        "channel": "api",
        "submitted_by": "UK AISI",
    }
    assert AcceptedReportSchema().validate(accepted) == {}
    assert "submitted_by" in AcceptedReportSchema().validate({**accepted, "submitted_by": ""})


def test_the_v1_schema_refuses_a_subdomain_without_its_domain(raw_report):
    report = run(raw_report(harm_subdomains=["7.3"]))
    report["harm_domains"] = []
    assert ReportV1Schema().validate(report) == {
        "harm_domains": ["Subdomains of domains 7, which are not listed."]
    }


def test_the_v1_schema_refuses_times_outside_utc(raw_report):
    report = run(raw_report())
    report["occurred_at"] = "2026-03-01T14:05:00+01:00"
    assert ReportV1Schema().validate(report) == {"occurred_at": ["Not in UTC."]}


RECEIVED = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("name", ["occurred_at", "detected_at"])
def test_a_time_later_than_the_reports_receipt_is_rejected(raw_report, name):
    times = {"occurred_at": "2026-12-01T10:00:00Z", "detected_at": "2026-12-02T10:00:00Z"}
    raw = raw_report(**{**times, name: "2027-12-03T12:00:00Z"})

    assert rejected(raw, received_at=RECEIVED) == {
        name: [
            "Later than the report was received (2026-12-03T12:00:00+00:00):"
            " it cannot have happened yet."
        ]
    }


def test_a_few_minutes_ahead_is_clock_skew_and_accepted(raw_report):
    raw = raw_report(occurred_at="2026-12-03T12:04:59Z", detected_at=None)

    assert run(raw, received_at=RECEIVED)["occurred_at"] == "2026-12-03T12:04:59+00:00"


def test_a_detection_before_the_occurrence_is_flagged_and_both_kept(raw_report):
    raw = raw_report(occurred_at="2026-12-01T10:00:00Z", detected_at="2026-11-30T10:00:00Z")

    report = run(raw, received_at=RECEIVED)

    assert report["detected_at"] == "2026-11-30T10:00:00+00:00"
    assert flags(report)["detected_at"]["reason"] == (
        "earlier than occurred_at (2026-12-01T10:00:00+00:00): one of the two is wrong"
    )
