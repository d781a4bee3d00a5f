"""The compiled validators accept exactly what the marshmallow schemas accept.

The contract examples are valid under both; Hypothesis then mutates them (drops a field,
puts a value of the wrong type, out of range, off the vocabulary, a bad date, an extra
level of nesting, an unknown key) and the two must agree on every mutant.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from marshmallow import Schema, fields

from shared.compiled_schema import SchemaError, compile_schema
from shared.envelope import _EnvelopeSchema
from shared.events import PAYLOAD_SCHEMAS
from shared.report import AcceptedReportSchema, ReportInputSchema
from shared.topics import CONTRACTS

EXAMPLES = [
    example
    for contract in CONTRACTS.values()
    for event_ in contract.events.values()
    for example in event_["examples"]
]
ENVELOPE = _EnvelopeSchema()
COMPILED = {key: compile_schema(schema) for key, schema in PAYLOAD_SCHEMAS.items()}
COMPILED_ENVELOPE = compile_schema(ENVELOPE)


def _paths(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


# Values of the right type for some other field, and the classic wrong ones.
VALUES = [
    *sorted({repr(leaf): leaf for e in EXAMPLES for leaf in _leaves(e)}.values(), key=repr),
    None,
    "",
    " ",
    "x" * 301,
    "x" * 20_001,
    "\U0001d4b3" * 300,  # lengths count code points
    "\U0001d4b3" * 301,
    0,
    -1,
    1.0,
    1.5,
    float("nan"),
    float("inf"),
    10**11,
    10**30,  # past 64 bits
    -(2**63) - 1,
    True,
    False,
    "yes",
    "1",
    "0.5",
    "nan",
    [],
    {},
    "2026-11-20T09:15:00",  # naive
    "2026-11-20T09:15:00+01:00",  # not UTC
    "2026-11-20T09:15:00Z",
    "2026-11-20T09:15:00-00:00",  # UTC all the same
    "2026-11-20 09:15Z",
    "20261120T091500Z",  # ISO 8601's basic format
    "2026-11-20T09:15:00.1234567Z",
    "2026-13-01T00:00:00+00:00",
    "2026-11-20",
    "not a date",
    "https://example.org/x",
    "ftp://example.org/x",
    "mailto:a@b",
    "a@example.org",
    "zz-!!",
    "RED",
    "critical",
    "01JD0000000000000000000001",
    "x01JD0000000000000000000001",  # a pattern matches from the start
    "7.3",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\n",  # $ before \n
]


def _set(document: Any, path: tuple, value: Any) -> None:
    for step in path[:-1]:
        document = document[step]
    document[path[-1]] = value


def _get(document: Any, path: tuple) -> Any:
    for step in path:
        document = document[step]
    return document


def _mutate(draw, document: Any) -> None:
    for _ in range(draw(st.integers(1, 2))):
        path = draw(st.sampled_from(_paths(document)))
        target = _get(document, path)
        kind = draw(st.sampled_from(["drop", "replace", "wrap", "unknown", "grow"]))
        event(kind)
        if kind == "drop" and path and isinstance(_get(document, path[:-1]), dict):
            del _get(document, path[:-1])[path[-1]]
        elif kind == "unknown" and isinstance(target, dict):
            target[draw(st.sampled_from(["x", "from_", "id", "harm_domains"]))] = draw(
                st.sampled_from(VALUES)
            )
        elif kind == "grow" and isinstance(target, list) and target:
            target.append(draw(st.sampled_from([*target, *VALUES])))
        elif path and kind == "wrap":
            _set(document, path, draw(st.sampled_from([[target], {"x": target}])))
        elif path:
            _set(document, path, copy.deepcopy(draw(st.sampled_from(VALUES))))


@st.composite
def mutants(draw) -> dict:
    document = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    _mutate(draw, document)
    return document


def _accepts(check, document: Any) -> bool:
    try:
        check(document)
    except SchemaError:
        return False
    return True


def _valid(document: dict) -> tuple[bool, bool]:
    """Whether marshmallow, and whether the compiled validators, accept the envelope."""
    if ENVELOPE.validate(document):
        return False, _accepts(COMPILED_ENVELOPE, document)
    if not _accepts(COMPILED_ENVELOPE, document):
        return True, False
    key = (document["type"], document["schema_version"])
    if key not in PAYLOAD_SCHEMAS:
        return False, False
    payload = document["payload"]
    return not PAYLOAD_SCHEMAS[key].validate(payload), _accepts(COMPILED[key], payload)


ACCEPTED = ("report.accepted", 1)


def _example(key: tuple[str, int]) -> dict:
    return next(e for e in EXAMPLES if (e["type"], e["schema_version"]) == key)


def test_the_contract_examples_cover_most_event_types():
    covered = {(example["type"], example["schema_version"]) for example in EXAMPLES}
    assert len(covered) >= 30


@pytest.mark.parametrize(
    "example", EXAMPLES, ids=[f"{e['type']}-{i}" for i, e in enumerate(EXAMPLES)]
)
def test_every_contract_example_is_valid_under_both(example):
    assert _valid(example) == (True, True)


def test_a_report_with_every_field_is_valid_under_both():
    assert _valid(_example(ACCEPTED) | {"payload": {"report": EVERY_FIELD}}) == (True, True)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutants())
def test_a_mutated_example_is_accepted_by_both_or_by_neither(document):
    marshmallow_accepts, compiled_accepts = _valid(document)
    event("accepted" if marshmallow_accepts else "refused")
    assert compiled_accepts == marshmallow_accepts


def _every_report_field() -> dict:
    """One accepted report with every optional field of the examples, and more."""
    reports = [e["payload"]["report"] for e in EXAMPLES if e["type"] == "report.accepted"]
    report = copy.deepcopy(reports[0])
    for other in reports[1:]:
        report |= {key: value for key, value in other.items() if key not in report}
    report["quantities"]["financial_cost"] = {"amount": 1200.5, "currency": "EUR"}
    report["reported_at"] = "2026-11-20T09:00:00+00:00"
    return report


EVERY_FIELD = _every_report_field()
REPORT_SCHEMAS = [(s, compile_schema(s)) for s in (ReportInputSchema(), AcceptedReportSchema())]


@pytest.mark.parametrize(("schema", "check"), REPORT_SCHEMAS, ids=["input", "accepted"])
@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_report_schemas_with_custom_fields_agree_too(schema, check, data):
    report = copy.deepcopy(EVERY_FIELD)
    if isinstance(schema, ReportInputSchema):  # only the fields it takes
        report = {key: report[key] for key in report if key in schema.fields}
    _mutate(data.draw, report)
    assert _accepts(check, report) == (not schema.validate(report))


def _error(key: tuple[str, int], change) -> str:
    payload = copy.deepcopy(_example(key)["payload"])
    change(payload)
    with pytest.raises(SchemaError) as caught:
        COMPILED[key](payload)
    return str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p["report"].pop("title"), '"report.title": missing required field'),
        (lambda p: p["report"].update(colour="red"), '"report.colour": unknown field'),
        (lambda p: p["report"].update(title=3), '"report.title": Expected `str`, got `int`'),
        (lambda p: p["report"].update(likelihood=9), '"report.likelihood": Expected `int` <= 5'),
        (
            lambda p: p["report"].update(countries=["FR", "fr"]),
            "\"report.countries[1]\": Invalid enum value 'fr'",
        ),
        (lambda p: p["report"].update(tlp="PINK"), "\"report.tlp\": Invalid enum value 'PINK'"),
        (
            lambda p: p["report"].update(received_at="2026-11-20T09:15:00"),
            '"report.received_at": Not a valid aware datetime.',
        ),
        (
            lambda p: p["report"].update(language="!!"),
            '"report.language": Not a BCP 47 language tag.',
        ),
        (
            lambda p: p["report"].update(harm_domains=["1"]),
            '"report.harm_domains": Subdomains of domains 7, which are not listed.',
        ),
        (
            lambda p: p["report"]["provenance"]["decisions"][0].pop("rule"),
            '"report.provenance.decisions[0].rule": missing required field',
        ),
    ],
)
def test_an_error_names_the_field_path_and_the_problem(change, message):
    assert message in _error(ACCEPTED, change)


@pytest.mark.parametrize("prefix", ["x", "\n", "!"])
def test_a_pattern_matches_from_the_start_as_marshmallow_does(prefix):
    envelope = copy.deepcopy(EXAMPLES[0])
    envelope["id"] = prefix + envelope["id"]
    assert _valid(envelope) == (False, False)


class _Shortcuts(Schema):
    """Fields whose values the compiled validator may accept before marshmallow sees them."""

    flag = fields.Boolean()
    yes_or_no = fields.Boolean(truthy={"yes"}, falsy={"no"})  # True is not one of them
    at = fields.AwareDateTime()
    local = fields.AwareDateTime(format="%Y-%m-%d %H:%M%z")  # no shortcut for a format
    utc = AcceptedReportSchema().fields["received_at"]
    strict = AcceptedReportSchema().fields["verified"]


@pytest.mark.parametrize("value", VALUES, ids=repr)
@pytest.mark.parametrize("name", ["flag", "yes_or_no", "at", "local", "utc", "strict"])
def test_a_shortcut_accepts_only_what_the_field_accepts(name, value):
    schema = _Shortcuts()
    check = compile_schema(schema)
    assert _accepts(check, {name: value}) == (not schema.validate({name: value}))
