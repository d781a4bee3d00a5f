"""Whatever it is given, ``normalize`` returns a valid v1 report or raises ``Rejected``:
never another exception, never a report its own schema or JSON would refuse.

``--hypothesis-show-statistics`` shows how many examples got through.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from shared.http import field_errors
from shared.normalize import REQUIRED_FOR_REPORTERS, Rejected, normalize
from shared.report import ReportInputSchema, ReportV1Schema

FIELDS = sorted(ReportInputSchema().fields)
NESTED = [
    *("name", "email", "developer", "version", "people_affected", "financial_cost"),
    *("amount", "currency", "sha256", "description"),
]
BASE: dict[str, Any] = {
    "title": "Model exfiltrated its weights during evaluation",
    "description": "An agentic eval run copied checkpoint files to an external bucket.",
    "event_type": "incident",
    "severity": "high",
    "occurred_at": "2026-03-01T14:05:00+01:00",
    "countries": ["GB", "FR"],
    "reporting_organization": "UK AISI",
    "tlp": "AMBER",
}
# Fragments of what the parsers look for, so that generated strings get deep into them.
FRAGMENTS = [
    *("SEV", "P", "TLP:", "AMBER", "+", "-", ":", "/", ".", ",", ";", " ", "T", "Z", "&"),
    *("UTC", "GMT", "CET", "CST", "年", "月", "日", "Nov", "2026", "12", "31", "00"),
    *("7.3", "7", "France", "USA", "Global", "élevé", "严重", "\ud800", "\x00"),
]

tricky_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=4)), max_size=8)
text = st.one_of(st.text(max_size=40), tricky_text.map("".join))
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), text)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(NESTED), text), children, max_size=4),
    ),
    max_leaves=12,
)
field_values = st.one_of(json_values, st.lists(text, max_size=4))
reports = st.dictionaries(st.one_of(st.sampled_from(FIELDS), text), field_values)
perturbed = st.dictionaries(st.sampled_from(FIELDS), st.one_of(text, field_values), max_size=3)


# Plausible messy values, known and unknown, so that many reports get through with decisions.
def pool_list(*values: str) -> st.SearchStrategy:
    entries = st.lists(st.sampled_from(values), max_size=4)
    return st.one_of(entries, entries.map(", ".join), entries.map("; ".join))


dates = st.sampled_from(
    [
        *("2026-11-20 10:00", "20/11/2026", "11/25/2026", "2025", 2025, "Nov 2026"),
        *("20 Nov 2026 10:00 CET", "2026-11-20T10:00:00Z", "2026年11月20日", "10:00 CST"),
    ]
)
costs = st.fixed_dictionaries(
    {
        "amount": st.floats(-1, 1e12),
        "currency": st.sampled_from(["EUR", "usd", "Yen", "XXX!"]),
    }
)
messy = st.fixed_dictionaries(
    {
        "title": st.just(BASE["title"]),
        "description": text.map(lambda t: "Text " + t),
        "event_type": st.sampled_from(["incident", "Near miss", "quasi-accident", "危险", "?"]),
        "severity": st.sampled_from(["SEV1", "p2", "3", 4, 9, "élevé", "严重", "purple"]),
        "occurred_at": dates,
        "countries": pool_list("FR", "France", "gb", "美国", "Global", "Atlantis", "Korea, Rep"),
        "reporting_organization": st.just("UK AISI"),
        "tlp": st.sampled_from(["AMBER", "tlp:amber+strict", "WHITE", "PINK"]),
    },
    optional={
        "language": st.sampled_from(["en", "EN-gb", "zh-Hans", "english", "und"]),
        "likelihood": st.sampled_from([1, "2", "likely", "très élevé", 0]),
        "impact": st.sampled_from([5, "minor", "catastrophique", 77]),
        "detected_at": dates,
        "reported_at": dates,
        "timezone": st.sampled_from(["Europe/Paris", "+02:00", "-0930", "CET", "Mars/Olympus"]),
        "harm_domains": pool_list("7", "1. Discrimination and Toxicity", "7.3", "9"),
        "harm_subdomains": pool_list("7.3", "1.2", "7.3. Lack of capability or robustness", "7"),
        "harm_types": pool_list("physical", "financial loss", "spiritual"),
        "affected_parties": pool_list("users", "enfants", "aliens"),
        "jurisdictions": pool_list("EU AI Act", "GDPR", "Mars"),
        "quantities": st.fixed_dictionaries(
            {}, optional={"people_affected": st.integers(-1, 10**12), "financial_cost": costs}
        ),
    },
)
requirements = st.sampled_from([REQUIRED_FOR_REPORTERS, frozenset({"title", "description"})])
defaults = st.sampled_from([{}, {"tlp": "GREEN", "event_type": "incident", "timezone": "UTC"}])

SETTINGS = settings(
    max_examples=300,
    deadline=None,  # the first detection loads the language model
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def check(raw: Any, require: frozenset[str], default: dict[str, Any]) -> None:
    payload = repr(raw).encode("utf-8", "surrogatepass")
    options = {"channel": "bulk", "source_format": "json", "payload": payload}
    try:
        report = normalize(raw, **options, require=require, defaults=default)
    except Rejected as exc:
        event("rejected")
        assert exc.messages
        assert all(item["detail"] for item in field_errors(exc.messages))
        return
    event("accepted")
    assert ReportV1Schema().validate(report) == {}
    json.dumps(report, allow_nan=False).encode("utf-8")


@SETTINGS
@given(raw=st.one_of(reports, json_values), require=requirements, default=defaults)
def test_any_input_gives_a_valid_report_or_a_rejection(raw, require, default):
    check(raw, require, default)


@SETTINGS
@given(changes=perturbed, require=requirements, default=defaults)
def test_a_valid_report_with_any_fields_changed_gives_a_valid_report_or_a_rejection(
    changes, require, default
):
    check({**BASE, **changes}, require, default)


@SETTINGS
@given(raw=messy, require=requirements, default=defaults)
def test_messy_but_plausible_reports_give_a_valid_report_or_a_rejection(raw, require, default):
    check(raw, require, default)
