"""``normalize``: a lenient report in, a v1.1 report with its provenance out."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any

from marshmallow import Schema, ValidationError, fields

from shared import vocab
from shared.normalize import (
    countries,
    crosswalks,
    dates,
    domains,
    language,
    ratings,
    severity,
    severity_rules,
    suggest,
    terms,
)
from shared.normalize.provenance import Record, at
from shared.normalize.result import Mapped, Outside, Rejected, Unknown
from shared.normalize.source import SourceRecord
from shared.report import SCHEMA_VERSION, ReportInputSchema, ReportV1Schema

NORMALIZER_VERSION = "1.3.0"  # 1.3: language detected by fastText, not py3langid

# What a lab filing a report must give. Bulk adapters pass less: a source that has no
# severity leaves it out of the report, flagged as not given, unless a severity rule
# derives one from the report's facts.
REQUIRED_FOR_REPORTERS = frozenset(
    {
        "title",
        "description",
        "event_type",
        "severity",
        "occurred_at",
        "countries",
        "reporting_organization",
        "tlp",
    }
)
# What every v1 report has, whatever the caller requires (ReportV1Schema's required fields).
ALWAYS_REQUIRED = frozenset({"title", "description", "event_type", "reporting_organization", "tlp"})
DATE_FIELDS = ("occurred_at", "detected_at", "reported_at")
NO_DEFAULTS: Mapping[str, Any] = MappingProxyType({})

MISSING = "Missing data for required field."
NOT_GIVEN = "Not given by the source."
NO_GROUNDS = "Not given by the source, and no severity rule applies: left for triage."
NONE_GIVEN = "Give at least one value."

_INPUT = ReportInputSchema()
_ORDER = tuple(ReportV1Schema().fields)


def normalize(
    raw: Any,
    *,
    channel: str,
    source_format: str,
    payload: bytes,
    require: frozenset[str] = REQUIRED_FOR_REPORTERS,
    defaults: Mapping[str, Any] = NO_DEFAULTS,
    source: SourceRecord | None = None,
    received_at: datetime | None = None,
) -> dict[str, Any]:
    """The v1.1 report for ``raw`` (a JSON object as a channel received it), JSON-ready and
    without what intake assigns (id, received_at, channel, submitted_by).

    ``source_format`` is recorded; for a public dataset (``aiaaic``, ``avid``, ``aiid``) it
    also picks the crosswalks of the dataset's own categories onto the vocabularies
    (``crosswalks``). ``payload`` is the original bytes, whose hash the provenance keeps.
    ``require`` names the fields that must be given and usable (``ALWAYS_REQUIRED`` always
    are). ``defaults`` fills fields the input leaves out, each recorded as a decision: bulk
    adapters use it for the TLP level a whole upload is shared under, or ``{"timezone":
    "UTC"}`` when a source's naive times are known to be UTC. Null and blank values count
    as not given. ``source`` is the public dataset's record a bulk adapter read ``raw``
    from: it becomes the report's ``source``, and each value it says came from a
    classification file gets a decision naming the file, namespace and row.
    ``received_at`` (when intake got the report) rejects an occurrence or detection time
    later than it, beyond a few minutes of clock skew; a detection before the occurrence
    is flagged.

    A report without a severity gets one derived by the severity rules where its facts
    give grounds (``severity_rules``), and a report without harm domains gets suggested
    ones (``suggest``); both are marked as such in the report and in its provenance.

    A value no rule maps rejects the report if its field is required, and is otherwise kept
    as a flag in the provenance, out of the report's fields. Raises ``Rejected`` naming
    every bad field at once, and nothing else whatever ``raw`` is.
    """
    if not isinstance(raw, Mapping):
        raise Rejected({"_schema": ["The report must be a JSON object."]})
    record = Record()
    required = require | ALWAYS_REQUIRED
    given = _given(raw, _INPUT)
    for name, value in defaults.items():
        if name not in given:
            given[name] = value
            record.decide(name, None, value, "default given by the caller")
    _check_json(given, record, ())
    data = _shape(given, record)
    for name in sorted(required - given.keys()):
        record.reject((name,), MISSING)
    # A missing severity is flagged by _derived, which may find grounds for one.
    for name in sorted(REQUIRED_FOR_REPORTERS - required - given.keys() - {"severity"}):
        record.flag(name, None, NOT_GIVEN)

    report: dict[str, Any] = {}
    for step in _STEPS:
        step(data, report, record, required, source_format)
    if received_at is not None:
        _plausible_times(report, record, received_at)
    if record.errors:
        raise Rejected(record.errors)
    report["schema_version"] = SCHEMA_VERSION
    if source is not None:
        report["source"] = source.record()
        _cite(data, report, record, source)
    report = {name: report[name] for name in _ORDER if name in report}
    report["provenance"] = record.provenance(
        channel=channel,
        source_format=source_format,
        payload=payload,
        normalizer_version=NORMALIZER_VERSION,
    )
    return report


def warm_up() -> None:
    """Load now what the first report would wait for (about a second: the language model,
    the country and time zone indexes, the harm-domain model if built); for a service's
    start-up."""
    language.detect("warm up")
    countries.country("FR")
    dates.zone("Europe/Paris")
    suggest.available()


def _cite(data: dict, report: dict, record: Record, source: SourceRecord) -> None:
    """A decision for each value the source's classification files gave, naming where from;
    a value the normalizer kept aside has its flag instead."""
    for path, origin in source.origins.items():
        value = at(report, path)
        if value is not None and value != []:
            record.decide(path, at(data, path), value, f"from {origin}", basis="source")


def _blank(value: Any) -> bool:
    return value is None or value == {} or (isinstance(value, str) and not value.strip())


def _given(value: Mapping, schema: Schema) -> dict[Any, Any]:
    """``value`` without the null or blank values of known fields, nested objects included:
    a blank required field is missing, a blank optional one absent. An unknown field stays,
    to be refused."""
    given = {}
    for key, item in value.items():
        field = schema.fields.get(key)
        if isinstance(field, fields.Nested) and isinstance(item, Mapping):
            item = _given(item, field.schema)
        elif isinstance(getattr(field, "inner", None), fields.Nested) and isinstance(item, list):
            nested = field.inner.schema
            item = [
                _given(entry, nested) if isinstance(entry, Mapping) else entry for entry in item
            ]
        if field is None or not _blank(item):
            given[key] = item
    return given


def _check_json(value: Any, record: Record, path: tuple) -> None:
    """Refuse what cannot travel as JSON text: unpaired surrogates (which a "\\ud800" escape
    decodes to) and non-finite numbers (Python's json module reads NaN)."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            record.reject(path, "Contains an unpaired surrogate, which is not a character.")
    elif isinstance(value, float) and not math.isfinite(value):
        record.reject(path, "Not a finite number.")
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _check_json(key, record, (*path, key))
            _check_json(item, record, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_json(item, record, (*path, index))


def _shape(given: dict[Any, Any], record: Record) -> dict[str, Any]:
    try:
        return _INPUT.load(given)
    except ValidationError as exc:
        record.add_errors(exc.messages)
        # A field with a shape error is not normalized: its error says all there is to say.
        return {name: value for name, value in exc.valid_data.items() if name not in exc.messages}


# One step per group of fields: each reads the shaped input, writes the report and records.
# The source format picks the crosswalks of a public dataset's own categories (crosswalks.py).

Step = Callable[[dict[str, Any], dict[str, Any], Record, frozenset[str], str], None]


def _keep_or_flag(record: Record, path: tuple, value: Any, exc: Exception, required: bool) -> None:
    if isinstance(exc, Unknown) and required:
        record.reject(path, str(exc))
    else:
        record.flag("/".join(map(str, path)), value, str(exc))


def _map_one(
    data: dict,
    report: dict,
    record: Record,
    name: str,
    mapper: Callable[[Any], Mapped],
    required: bool,
) -> None:
    if name not in data:
        return
    value = data[name]
    try:
        mapped = mapper(value)
    except (Unknown, Outside) as exc:
        _keep_or_flag(record, (name,), value, exc, required)
        return
    report[name] = mapped.value
    if mapped.value != value:
        record.decide(name, value, mapped.value, mapped.rule)


def _split_on_semicolons(text: str) -> list[str]:
    # Labels such as "7. AI system safety, failures, and limitations" hold commas.
    return [part.strip() for part in text.split(";") if part.strip()]


def _map_list(
    data: dict,
    report: dict,
    record: Record,
    name: str,
    mapper: Callable[[str], Mapped],
    required: bool,
    split: Callable[[str], list[str]] = _split_on_semicolons,
) -> None:
    if name not in data:
        return
    entries = data[name]
    if isinstance(entries, str):
        entries = split(entries)
        if entries != [data[name]]:
            record.decide(name, data[name], entries, "one string read as a list")
    result: list[str] = []
    kept_aside = False
    for index, entry in enumerate(entries):
        if not entry.strip():
            continue
        try:
            mapped = mapper(entry)
        except (Unknown, Outside) as exc:
            _keep_or_flag(record, (name, index), entry, exc, required)
            kept_aside = True
            continue
        rule = mapped.rule
        if mapped.value in result:
            rule += "; a duplicate, listed once"
        else:
            result.append(mapped.value)
        if mapped.value != entry or rule != mapped.rule:
            record.decide(f"{name}/{index}", entry, mapped.value, rule)
    if required and not result and not kept_aside:
        record.reject((name,), NONE_GIVEN)
    report[name] = result


def _as_given(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    # Stored exactly as given: markup is escaped where text is displayed, not here.
    for name in ("title", "description", "reporting_organization", "contact", "ai_system"):
        if name in data:
            report[name] = data[name]


def _language(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    _map_one(data, report, record, "language", language.declared, "language" in required)
    if "language" not in report:
        text = "\n".join(data[name] for name in ("title", "description") if name in data)
        mapped = language.detect(text)
        report["language"] = mapped.value
        record.decide("language", None, mapped.value, mapped.rule)


def _classification(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    scalars: dict[str, Callable[[Any], Mapped]] = {
        "event_type": lambda value: terms.lookup("event_types", value),
        "severity": severity.severity,
        "likelihood": lambda value: ratings.rating("likelihood", value),
        "impact": lambda value: ratings.rating("impact", value),
        "tlp": lambda value: terms.lookup("tlp", value),
    }
    for name, mapper in scalars.items():
        mapper = crosswalks.mapper(source_format, name, mapper)
        _map_one(data, report, record, name, mapper, name in required)
    lists: dict[str, Callable[[str], Mapped]] = {
        "harm_domains": domains.domain,
        "harm_subdomains": domains.subdomain,
        "harm_types": lambda value: terms.lookup("harm_types", value),
        "affected_parties": lambda value: terms.lookup("affected_parties", value),
        "jurisdictions": lambda value: terms.lookup("jurisdictions", value),
    }
    for name, mapper in lists.items():
        mapper = crosswalks.mapper(source_format, name, mapper)
        _map_list(data, report, record, name, mapper, name in required)
    for subdomain in report.get("harm_subdomains", []):
        domain = domains.parent(subdomain)
        listed = report.setdefault("harm_domains", [])
        if domain not in listed:
            listed.append(domain)
            record.decide("harm_domains", None, domain, f"implied by harm_subdomains {subdomain}")


def _causes(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    causes: dict[str, Any] = {}
    for name, value in data.get("causes", {}).items():
        try:
            mapped = terms.lookup(f"mit_{name}", value)
        except Unknown as exc:
            record.flag(f"causes/{name}", value, str(exc))
            continue
        causes[name] = mapped.value
        if mapped.value != value:
            record.decide(f"causes/{name}", value, mapped.value, mapped.rule)
    if causes:
        report["causes"] = causes


def _when_and_where(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    # A reporter who must date the event gets an error for a time zone we cannot read,
    # rather than a puzzling "give a time zone" on the date.
    zone_required = "timezone" in required or bool(required.intersection(DATE_FIELDS))
    _map_one(data, report, record, "timezone", dates.zone, zone_required)
    zone = report.get("timezone")
    for name in DATE_FIELDS:
        _map_one(
            data, report, record, name, lambda value: dates.to_utc(value, zone), name in required
        )
    _map_list(
        data,
        report,
        record,
        "countries",
        countries.country,
        "countries" in required,
        split=countries.split,
    )


def _facts(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    if "quantities" in data:
        quantities = dict(data["quantities"])
        cost = quantities.pop("financial_cost", None)
        if cost is not None:
            try:
                currency = countries.currency(cost["currency"])
            except Unknown as exc:
                record.flag("quantities/financial_cost", cost, str(exc))
            else:
                quantities["financial_cost"] = {**cost, "currency": currency.value}
                if currency.value != cost["currency"]:
                    record.decide(
                        "quantities/financial_cost/currency",
                        cost["currency"],
                        currency.value,
                        currency.rule,
                    )
        if quantities:
            report["quantities"] = quantities
    if "critical_infrastructure" in data:
        report["critical_infrastructure"] = data["critical_infrastructure"]
    if "references" in data:
        report["references"] = data["references"]
    if "evidence" in data:
        report["evidence"] = []
        for index, item in enumerate(data["evidence"]):
            digest = item["sha256"].lower()
            if digest != item["sha256"]:
                record.decide(f"evidence/{index}/sha256", item["sha256"], digest, "lower case")
            report["evidence"].append({**item, "sha256": digest})


def _derived(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    """A severity from the rule table where the report gives none (and need not)."""
    if "severity" in report or "severity" in required:
        return
    if "severity" in data:  # given, but kept aside as a flag: not replaced by a rule
        return
    derived = severity_rules.derive(report, data)
    if derived is None:
        record.flag("severity", None, NO_GROUNDS)
        return
    report["severity"] = derived.severity
    report["severity_derivation"] = {"rule": derived.rule, "reason": derived.reason}
    version = vocab.load("severity").version
    rule = f"derived by severity rule {derived.rule} (severity {version}): {derived.reason}"
    record.decide("severity", None, derived.severity, rule, basis="derived")


def _suggested(
    data: dict, report: dict, record: Record, required: frozenset[str], source_format: str
) -> None:
    """Suggested harm domains for a report that gives none; never in ``harm_domains``."""
    if report.get("harm_domains"):
        return
    text = "\n".join(report[name] for name in ("title", "description") if name in report)
    try:
        suggestion = suggest.suggest(text, report.get("language", ""))
    except suggest.NoSuggestion as exc:
        record.flag("suggestions", None, str(exc))
        return
    if suggestion is None:  # no model: logged once when loading it
        return
    report["suggestions"] = suggestion.field()
    record.decide("suggestions", None, suggestion.ids(), suggestion.rule(), basis="suggested")


# Reporters' clocks run a little fast or slow; a time further ahead is a mistake.
CLOCK_SKEW = timedelta(minutes=5)


def _plausible_times(report: dict, record: Record, received_at: datetime) -> None:
    """Reject a time the report could not know yet; flag a detection before the event."""
    times = {
        name: datetime.fromisoformat(report[name])
        for name in ("occurred_at", "detected_at")
        if name in report
    }
    for name, when in times.items():
        if when > received_at + CLOCK_SKEW:
            record.reject(
                (name,),
                f"Later than the report was received ({received_at.isoformat()}):"
                " it cannot have happened yet.",
            )
    if {"occurred_at", "detected_at"} <= times.keys() and (
        times["detected_at"] < times["occurred_at"]
    ):
        record.flag(
            "detected_at",
            report["detected_at"],
            f"earlier than occurred_at ({report['occurred_at']}): one of the two is wrong",
        )


_STEPS: tuple[Step, ...] = (
    _as_given,
    _language,
    _classification,
    _causes,
    _when_and_where,
    _facts,
    _derived,
    _suggested,
)
